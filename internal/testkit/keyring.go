package testkit

import (
	"crypto/rand"
	"encoding/base64"
	"testing"

	"github.com/vigilauth/vigil/mfa"
)

// Keyring returns a keyring of one new key (id k1), as a
// --secret-key-file of one line gives, for the engine's second factors
// (auth.MFA.Keyring).
func Keyring(t testing.TB) *mfa.Keyring {
	t.Helper()
	key := make([]byte, mfa.KeyBytes)
	rand.Read(key)
	k, err := mfa.ParseKeyring([]byte("k1 " + base64.StdEncoding.EncodeToString(key) + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}
