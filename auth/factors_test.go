package auth_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/mfa"
)

// withMFA turns second factors on, with the roles that require one.
func withMFA(t *testing.T, required ...vigil.Role) func(*auth.Options) {
	k := testkit.Keyring(t)
	return func(o *auth.Options) { o.MFA = auth.MFA{Keyring: k, Required: required} }
}

// app is an authenticator app holding the secret an enrolment showed.
type app struct {
	t      *testing.T
	secret []byte
}

// enrol enrols an authenticator app for cur's user, as a client does: it
// reads the secret from the text the enrolment shows (checking the
// otpauth URI holds the same), and confirms with the current code. It
// returns the app and the recovery codes shown.
func (e *env) enrol(cur *auth.Current) (*app, []string) {
	e.t.Helper()
	en, err := e.eng.BeginTOTP(e.ctx, cur)
	if err != nil {
		e.t.Fatalf("BeginTOTP: %v", err)
	}
	a := e.appOf(en)
	codes, err := e.eng.ConfirmTOTP(e.ctx, cur, a.code(e.clock.Now()), actor("192.0.2.1"))
	if err != nil {
		e.t.Fatalf("ConfirmTOTP: %v", err)
	}
	return a, codes
}

// appOf is the app a person sets up from an enrolment's text.
func (e *env) appOf(en *auth.TOTPEnrolment) *app {
	e.t.Helper()
	secret, err := mfa.ParseSecretText(en.SecretText)
	if err != nil {
		e.t.Fatalf("secret text %q: %v", en.SecretText, err)
	}
	u, err := url.Parse(en.URI)
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" {
		e.t.Fatalf("enrolment URI %q", en.URI)
	}
	if got := u.Query().Get("secret"); got != strings.ReplaceAll(en.SecretText, " ", "") {
		e.t.Fatalf("URI secret %q, text %q", got, en.SecretText)
	}
	return &app{t: e.t, secret: secret}
}

// stepUp raises cur's session to AAL2 with the app's code of the next
// time step (the one that confirmed it is spent), as a client does before
// it changes the factors of a user who has one (NIST SP 800-63B-4
// §4.1.2), and returns the session with its new token.
func (e *env) stepUp(cur *auth.Current, a *app) *auth.Current {
	e.t.Helper()
	e.clock.Advance(step)
	up, err := e.eng.StepUp(e.ctx, cur, a.code(e.clock.Now()), actor("192.0.2.1"))
	if err != nil {
		e.t.Fatalf("StepUp: %v", err)
	}
	return up
}

// code is the code the app shows at now.
func (a *app) code(now time.Time) string {
	return mfa.TOTP.Code(a.secret, mfa.TOTP.Step(now))
}

func TestEnrolTOTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withMFA(t))
	pw := e.addUser("alice", vigil.RolePatient)
	cur := e.login("alice", pw)

	en, err := e.eng.BeginTOTP(e.ctx, cur)
	if err != nil {
		t.Fatal(err)
	}
	a := e.appOf(en)
	if !strings.Contains(en.URI, "issuer=vigil") || !strings.Contains(en.URI, "totp/vigil:alice?") {
		t.Errorf("URI %q does not name the issuer and the account", en.URI)
	}
	// Pending: not listed as a factor yet.
	if s, err := e.eng.Factors(e.ctx, cur); err != nil || s.Enrolled() {
		t.Fatalf("pending enrolment listed: %+v, %v", s, err)
	}
	// The store holds the secret sealed, never in the clear.
	f, err := e.raw.Factors(e.ctx, cur.User.ID)
	if err != nil || f.TOTP == nil {
		t.Fatalf("store: %+v, %v", f, err)
	}
	clear := strings.ReplaceAll(en.SecretText, " ", "")
	if !strings.HasPrefix(f.TOTP.Secret, "v1:k1:") || strings.Contains(strings.ToUpper(f.TOTP.Secret), clear) {
		t.Fatalf("stored secret %q is not sealed", f.TOTP.Secret)
	}

	_, err = e.eng.ConfirmTOTP(e.ctx, cur, wrongCode(a.code(e.clock.Now())), actor("192.0.2.1"))
	wantErr(t, err, vigil.CodeInvalidCredentials, "")
	codes, err := e.eng.ConfirmTOTP(e.ctx, cur, a.code(e.clock.Now()), actor("192.0.2.1"))
	if err != nil {
		t.Fatalf("ConfirmTOTP: %v", err)
	}
	if len(codes) != mfa.RecoveryCodeCount {
		t.Fatalf("recovery codes shown: %d, want %d", len(codes), mfa.RecoveryCodeCount)
	}
	s, err := e.eng.Factors(e.ctx, cur)
	if err != nil || s.TOTP == nil || s.RecoveryLeft != 10 || !s.Enrolled() {
		t.Fatalf("factors after confirming: %+v, %v", s, err)
	}
	if got := strings.Join(s.Methods(), ","); got != "totp,recovery_code" {
		t.Errorf("methods %q", got)
	}
	// Confirmed once: again is NOT_FOUND; a new enrolment is refused
	// while one is enrolled (asked at AAL2, as a change of a user's
	// factors is once she has one).
	cur = e.stepUp(cur, a)
	_, err = e.eng.ConfirmTOTP(e.ctx, cur, a.code(e.clock.Now()), actor("192.0.2.1"))
	wantErr(t, err, vigil.CodeNotFound, "")
	_, err = e.eng.BeginTOTP(e.ctx, cur)
	wantErr(t, err, vigil.CodeConflict, "")
	if n := e.countEvents(vigil.EventMFAEnrolled, "alice"); n != 1 {
		t.Errorf("mfa_enrolled events: %d", n)
	}
	if n := e.countEvents(vigil.EventMFAFailed, "alice"); n != 1 {
		t.Errorf("mfa_failed events: %d", n)
	}
}

// wrongCode returns another six digits than code.
func wrongCode(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}

func TestEnrolmentNeedsRecentPasswordAndAKeyFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withMFA(t))
	pw := e.addUser("alice", vigil.RolePatient)
	cur := e.login("alice", pw)
	e.clock.Set(reauth + time.Second)
	cur = e.alive(cur.Token, true)
	_, err := e.eng.BeginTOTP(e.ctx, cur)
	wantErr(t, err, vigil.CodeReauthRequired, "")
	cur, err = e.eng.Reauthenticate(e.ctx, cur, pw, actor("192.0.2.1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.BeginTOTP(e.ctx, cur); err != nil {
		t.Fatalf("BeginTOTP after reauthenticating: %v", err)
	}

	off := newEnv(t, nil)
	pw = off.addUser("bob", vigil.RolePatient)
	_, err = off.eng.BeginTOTP(off.ctx, off.login("bob", pw))
	wantErr(t, err, vigil.CodeNotFound, "")
}

func TestRestartedEnrolmentGetsANewSecret(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withMFA(t))
	cur := e.login("alice", e.addUser("alice", vigil.RolePatient))
	first, err := e.eng.BeginTOTP(e.ctx, cur)
	if err != nil {
		t.Fatal(err)
	}
	second, err := e.eng.BeginTOTP(e.ctx, cur)
	if err != nil || second.SecretText == first.SecretText {
		t.Fatalf("restart: %v, same secret %v", err, second.SecretText == first.SecretText)
	}
	_, err = e.eng.ConfirmTOTP(e.ctx, cur, e.appOf(first).code(e.clock.Now()), actor("192.0.2.1"))
	wantErr(t, err, vigil.CodeInvalidCredentials, "")
	if _, err := e.eng.ConfirmTOTP(e.ctx, cur, e.appOf(second).code(e.clock.Now()), actor("192.0.2.1")); err != nil {
		t.Fatalf("confirm the second secret: %v", err)
	}
}

func TestWrongConfirmationCodesAreThrottled(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withMFA(t))
	pw := e.addUser("alice", vigil.RolePatient)
	cur := e.login("alice", pw)
	en, err := e.eng.BeginTOTP(e.ctx, cur)
	if err != nil {
		t.Fatal(err)
	}
	right := e.appOf(en).code(e.clock.Now())
	for range 5 {
		_, err := e.eng.ConfirmTOTP(e.ctx, cur, wrongCode(right), actor("192.0.2.1"))
		wantErr(t, err, vigil.CodeInvalidCredentials, "")
	}
	_, err = e.eng.ConfirmTOTP(e.ctx, cur, right, actor("192.0.2.1"))
	wantErr(t, err, vigil.CodeRateLimited, "")
	// The same count as the password's: sign-in is throttled too.
	_, err = e.eng.Login(e.ctx, "alice", pw, nil, actor("192.0.2.1"))
	wantErr(t, err, vigil.CodeRateLimited, "")
}

func TestRemoveFactors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withMFA(t, vigil.RoleClinician))
	pat := e.login("pat", e.addUser("pat", vigil.RolePatient))
	patsApp, _ := e.enrol(pat)
	pat = e.stepUp(pat, patsApp)
	doc, _, _ := e.enrolAtSignIn("doc", e.addUser("doc", vigil.RoleClinician))

	// The last second factor of a role that requires one stays.
	err := e.eng.RemoveTOTP(e.ctx, doc, actor("192.0.2.1"))
	wantErr(t, err, vigil.CodeConflict, "")
	if s, _ := e.eng.Factors(e.ctx, doc); !s.Required || s.TOTP == nil {
		t.Fatalf("clinician's factors after a refused removal: %+v", s)
	}
	// Others may remove theirs; recovery codes go with the last one.
	if err := e.eng.RemoveTOTP(e.ctx, pat, actor("192.0.2.1")); err != nil {
		t.Fatalf("RemoveTOTP: %v", err)
	}
	s, err := e.eng.Factors(e.ctx, pat)
	if err != nil || s.Enrolled() || s.RecoveryTotal != 0 || len(s.Methods()) != 0 {
		t.Fatalf("patient's factors after removal: %+v, %v", s, err)
	}
	err = e.eng.RemoveTOTP(e.ctx, pat, actor("192.0.2.1"))
	wantErr(t, err, vigil.CodeNotFound, "")
	err = e.eng.RemovePasskey(e.ctx, pat, []byte("no such credential"), actor("192.0.2.1"))
	wantErr(t, err, vigil.CodeNotFound, "")
	if n := e.countEvents(vigil.EventMFARemoved, "pat"); n != 1 {
		t.Errorf("mfa_removed events: %d", n)
	}
}

func TestRegenerateRecoveryCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withMFA(t))
	cur := e.login("alice", e.addUser("alice", vigil.RolePatient))
	_, err := e.eng.RegenerateRecoveryCodes(e.ctx, cur, actor("192.0.2.1"))
	wantErr(t, err, vigil.CodeConflict, "")
	a, first := e.enrol(cur)
	_, err = e.eng.RegenerateRecoveryCodes(e.ctx, cur, actor("192.0.2.1"))
	wantErr(t, err, vigil.CodeStepUpRequired, "")
	cur = e.stepUp(cur, a)
	second, err := e.eng.RegenerateRecoveryCodes(e.ctx, cur, actor("192.0.2.1"))
	if err != nil || len(second) != mfa.RecoveryCodeCount {
		t.Fatalf("regenerate: %d codes, %v", len(second), err)
	}
	for _, c := range first {
		for _, d := range second {
			if c == d {
				t.Fatal("a code of the old set is in the new one")
			}
		}
	}
	if n := e.countEvents(vigil.EventRecoveryCodesGenerated, "alice"); n != 2 {
		t.Errorf("recovery-code events: %d, want 2 (enrolment, regeneration)", n)
	}
	e.clock.Advance(reauth + time.Second) // past the window since the step-up
	_, err = e.eng.RegenerateRecoveryCodes(e.ctx, e.alive(cur.Token, true), actor("192.0.2.1"))
	wantErr(t, err, vigil.CodeReauthRequired, "")
}

func TestAdminResetsFactors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withMFA(t))
	cur := e.login("alice", e.addUser("alice", vigil.RolePatient))
	e.enrol(cur)
	n, err := e.eng.ResetFactors(e.ctx, "alice", admin)
	if err != nil || n != 1 {
		t.Fatalf("ResetFactors = %d, %v; want 1 session ended", n, err)
	}
	e.ended(cur.Token, vigil.CodeSessionRevoked, vigil.ReasonRevoked)
	s, err := e.eng.UserFactors(e.ctx, "alice")
	if err != nil || s.Enrolled() || s.RecoveryTotal != 0 {
		t.Fatalf("factors after reset: %+v, %v", s, err)
	}
	evs := e.events(vigil.EventMFAReset)
	if len(evs) != 1 || evs[0].Actor != admin.Username || evs[0].Username != "alice" {
		t.Fatalf("mfa_reset events: %+v", evs)
	}
	_, err = e.eng.ResetFactors(e.ctx, "nobody", admin)
	wantErr(t, err, vigil.CodeNotFound, "")
}
