package auth

import (
	"slices"
	"testing"

	"github.com/vigilauth/vigil"
)

// TestMethodsLeaveOutPasskeysWhenOff: a user's passkeys stay listed when
// passkeys are not configured (no relying party: --public-url removed),
// but the second step offers them as no method, since no ceremony could
// run; the recovery codes still stand in.
func TestMethodsLeaveOutPasskeysWhenOff(t *testing.T) {
	f := &vigil.Factors{WebAuthn: []vigil.WebAuthnCredential{{ID: []byte{1}, Name: "laptop"}}, Recovery: []vigil.RecoveryCode{{}}}
	u := &vigil.User{Role: vigil.RolePatient}
	off := (&Engine{}).summarize(u, f)
	if got := off.Methods(); !slices.Equal(got, []string{MethodRecoveryCode}) || len(off.Passkeys) != 1 || !off.Enrolled() {
		t.Errorf("passkeys off: methods %v, passkeys %d, enrolled %v; want only recovery_code, the passkey listed", got, len(off.Passkeys), off.Enrolled())
	}
	on := (&Engine{opt: Options{Passkeys: Passkeys{RPID: "care.example", Origins: []string{"https://care.example"}}}}).summarize(u, f)
	if got := on.Methods(); !slices.Equal(got, []string{MethodPasskey, MethodRecoveryCode}) {
		t.Errorf("passkeys on: methods %v", got)
	}
}
