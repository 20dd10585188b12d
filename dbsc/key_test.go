package dbsc_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/vigilauth/vigil/dbsc"
	"github.com/vigilauth/vigil/dbsc/dbsctest"
)

func ecKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var rsaKeys = map[int]*rsa.PrivateKey{}

func rsaKey(t testing.TB, bits int) *rsa.PrivateKey {
	t.Helper()
	if k := rsaKeys[bits]; k != nil {
		return k
	}
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	rsaKeys[bits] = k
	return k
}

func jwkJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseKeyEC(t *testing.T) {
	priv := ecKey(t)
	k, err := dbsc.ParseKey(jwkJSON(t, dbsctest.PublicJWK(priv.Public())))
	if err != nil {
		t.Fatal(err)
	}
	if k.Alg != dbsc.ES256 {
		t.Fatalf("alg %q", k.Alg)
	}
	// The stored JWK is RFC 7638's canonical form: its SHA-256 is the thumbprint.
	sum := sha256.Sum256(k.JWK)
	if got := base64.RawURLEncoding.EncodeToString(sum[:]); got != k.Thumbprint {
		t.Fatalf("thumbprint %s, SHA-256 of the JWK %s", k.Thumbprint, got)
	}
	if !strings.HasPrefix(string(k.JWK), `{"crv":"P-256","kty":"EC","x":"`) {
		t.Fatalf("JWK %s is not canonical", k.JWK)
	}
	again, err := dbsc.ParseKey(k.JWK)
	if err != nil || !again.Equal(k) {
		t.Fatalf("stored JWK reads back as %+v, %v", again, err)
	}
	if !priv.PublicKey.Equal(k.Public()) {
		t.Fatal("parsed public key differs")
	}
	other, _ := dbsc.ParseKey(jwkJSON(t, dbsctest.PublicJWK(ecKey(t).Public())))
	if other.Equal(k) || (dbsc.Key{}).Equal(dbsc.Key{}) {
		t.Fatal("Equal is not about the key")
	}
}

// TestParseKeyRFC7638 is the worked example of RFC 7638 §3.1.
func TestParseKeyRFC7638(t *testing.T) {
	jwk := `{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}`
	k, err := dbsc.ParseKey([]byte(jwk))
	if err != nil {
		t.Fatal(err)
	}
	if k.Thumbprint != "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs" || k.Alg != dbsc.RS256 {
		t.Fatalf("thumbprint %s alg %s", k.Thumbprint, k.Alg)
	}
	sum := sha256.Sum256(k.JWK)
	if base64.RawURLEncoding.EncodeToString(sum[:]) != k.Thumbprint {
		t.Fatalf("JWK %s is not the thumbprint's input", k.JWK)
	}
}

func TestParseKeyRefuses(t *testing.T) {
	ec := ecKey(t)
	pub := dbsctest.PublicJWK(ec.Public())
	with := func(extra ...dbsctest.Field) []byte {
		return jwkJSON(t, append(append(dbsctest.Obj{}, pub...), extra...))
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	small := rsaKey(t, 1024)
	big := rsaKey(t, 2048)
	d := make([]byte, 32)
	ec.D.FillBytes(d)
	offCurve := dbsctest.Obj{pub[0], pub[1], pub[2], {"y", pub[2][1]}} // y := x: not on the curve

	for name, jwk := range map[string][]byte{
		"EC private (d)":         with(dbsctest.Field{"d", base64.RawURLEncoding.EncodeToString(d)}),
		"RSA private":            jwkJSON(t, append(dbsctest.PublicJWK(big.Public()), dbsctest.Field{"d", base64.RawURLEncoding.EncodeToString(big.D.Bytes())})),
		"symmetric":              []byte(`{"kty":"oct","k":"c2VjcmV0"}`),
		"P-384":                  jwkJSON(t, dbsctest.PublicJWK(p384.Public())),
		"RSA 1024":               jwkJSON(t, dbsctest.PublicJWK(small.Public())),
		"RSA even exponent":      jwkJSON(t, dbsctest.Obj{{"kty", "RSA"}, {"n", base64.RawURLEncoding.EncodeToString(big.N.Bytes())}, {"e", "Ag"}}),
		"alg that does not fit":  with(dbsctest.Field{"alg", "RS256"}),
		"alg none":               with(dbsctest.Field{"alg", "none"}),
		"certificate chain":      with(dbsctest.Field{"x5c", []string{"MIIB"}}),
		"not on the curve":       jwkJSON(t, offCurve),
		"short x":                jwkJSON(t, dbsctest.Obj{pub[0], pub[1], {"x", "AQAB"}, pub[3]}),
		"no kty":                 []byte(`{"crv":"P-256","x":"AA","y":"AA"}`),
		"not an object":          []byte(`["kty"]`),
		"null":                   []byte(`null`),
		"empty":                  nil,
		"OKP":                    []byte(`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`),
		"kty of the wrong type":  []byte(`{"kty":1}`),
		"duplicate members (d)":  []byte(`{"kty":"EC","crv":"P-256","x":"` + pub[2][1].(string) + `","y":"` + pub[3][1].(string) + `","d":null}`),
		"trailing garbage":       append(with(), []byte(` x`)...),
		"RSA 8192 (over 4096)":   jwkJSON(t, dbsctest.Obj{{"kty", "RSA"}, {"n", base64.RawURLEncoding.EncodeToString(append([]byte{0x80}, make([]byte, 1023)...))}, {"e", "AQAB"}}),
		"unknown member present": with(dbsctest.Field{"foo", "bar"}),
	} {
		if k, err := dbsc.ParseKey(jwk); !errors.Is(err, dbsc.ErrMalformed) {
			t.Errorf("%s: ParseKey = %+v, %v; want ErrMalformed", name, k, err)
		}
	}
}
