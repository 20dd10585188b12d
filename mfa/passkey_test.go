package mfa_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/vigilauth/vigil/mfa"
)

// TestPasskeyUserHandle: a user handle is 32 bytes, stable for one user
// and key, different for another user or key, and does not hold the id.
func TestPasskeyUserHandle(t *testing.T) {
	k1, k2 := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	h := mfa.PasskeyUserHandle(k1, 42)
	if len(h) != 32 || !bytes.Equal(h, mfa.PasskeyUserHandle(k1, 42)) {
		t.Fatalf("handle %x is not 32 stable bytes", h)
	}
	if bytes.Equal(h, mfa.PasskeyUserHandle(k1, 43)) || bytes.Equal(h, mfa.PasskeyUserHandle(k2, 42)) {
		t.Error("two users, or two keys, share a handle")
	}
	if bytes.Contains(h, binary.BigEndian.AppendUint64(nil, 42)) {
		t.Error("the handle holds the user id")
	}
}

// TestNewPasskeysRefusesBadSettings: no RP ID that is an address, and at
// least one origin.
func TestNewPasskeysRefusesBadSettings(t *testing.T) {
	if _, err := mfa.NewPasskeys("vigil.example", "vigil", []string{"https://vigil.example"}); err != nil {
		t.Fatalf("good settings: %v", err)
	}
	for _, c := range []struct {
		id      string
		origins []string
	}{{"192.0.2.1", []string{"https://192.0.2.1"}}, {"vigil.example", nil}, {"https://vigil.example", []string{"https://vigil.example"}}} {
		p, err := mfa.NewPasskeys(c.id, "vigil", c.origins)
		if err == nil {
			_, err = p.BeginAssertion(nil)
		}
		if err == nil {
			t.Errorf("NewPasskeys(%q, %q) accepted", c.id, c.origins)
		}
	}
}
