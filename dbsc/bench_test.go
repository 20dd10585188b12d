package dbsc_test

import (
	"testing"

	"github.com/vigilauth/vigil/dbsc"
	"github.com/vigilauth/vigil/dbsc/dbsctest"
)

// BenchmarkParseSessionID: what every refresh reads first (Chromium's bare id).
func BenchmarkParseSessionID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dbsc.ParseSessionID("AbCdEfGhIjKlMnOpQrStUv"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyRefreshES256: the signature check of one refresh.
func BenchmarkVerifyRefreshES256(b *testing.B) {
	key := ecKey(b)
	k := registerKey(b, key)
	tok, _ := dbsctest.RefreshProof(key, "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dbsc.VerifyRefresh(tok, k); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyRegistrationES256: a registration, key parsing included.
func BenchmarkVerifyRegistrationES256(b *testing.B) {
	tok, _ := dbsctest.RegistrationProof(ecKey(b), "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE", "")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dbsc.VerifyRegistration(tok); err != nil {
			b.Fatal(err)
		}
	}
}
