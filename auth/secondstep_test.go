package auth_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

// passwordStep signs in with a password where a second step must follow,
// and returns that step.
func (e *env) passwordStep(name, pw string) *auth.SecondStep {
	e.t.Helper()
	_, err := e.eng.Login(e.ctx, name, pw, nil, actor("192.0.2.1"))
	var step *auth.SecondStep
	if !errors.As(err, &step) {
		e.t.Fatalf("Login(%s) = %v, want a second step", name, err)
	}
	return step
}

// enrolAtSignIn signs in a user whose role requires a second factor and
// who has none: the password, then an authenticator app enrolled and
// confirmed within the pending sign-in. It returns the session, the app
// and the recovery codes shown.
func (e *env) enrolAtSignIn(name, pw string) (*auth.Current, *app, []string) {
	e.t.Helper()
	step := e.passwordStep(name, pw)
	if !step.Enrol || len(step.Methods) != 0 {
		e.t.Fatalf("second step %+v, want an enrolment", step)
	}
	en, err := e.eng.BeginEnrolment(e.ctx, step.Token)
	if err != nil {
		e.t.Fatalf("BeginEnrolment: %v", err)
	}
	a := e.appOf(en)
	cur, codes, _, err := e.eng.CompleteEnrolment(e.ctx, step.Token, a.code(e.clock.Now()), nil, actor("192.0.2.1"))
	if err != nil {
		e.t.Fatalf("CompleteEnrolment: %v", err)
	}
	return cur, a, codes
}

func TestSignInWithASecondFactor(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withMFA(t))
	pw := e.addUser("alice", vigil.RolePatient)
	first := e.login("alice", pw)
	app, _ := e.enrol(first)

	e.clock.Set(time.Minute)
	step := e.passwordStep("alice", pw)
	if step.Enrol || strings.Join(step.Methods, ",") != "totp,recovery_code" || !step.ExpiresAt.Equal(e.clock.Now().Add(5*time.Minute)) {
		t.Fatalf("second step %+v", step)
	}
	if list, _ := e.eng.Sessions(e.ctx, &first.User); len(list) != 1 {
		t.Fatalf("the password alone made a session: %d sessions", len(list))
	}
	a := actor("192.0.2.1")
	_, _, err := e.eng.CompleteSignIn(e.ctx, step.Token, wrongCode(app.code(e.clock.Now())), nil, a)
	wantErr(t, err, vigil.CodeInvalidCredentials, "")
	_, _, err = e.eng.CompleteSignIn(e.ctx, vigil.NewToken(), app.code(e.clock.Now()), nil, a)
	wantErr(t, err, vigil.CodeUnauthenticated, "")
	cur, _, err := e.eng.CompleteSignIn(e.ctx, step.Token, app.code(e.clock.Now()), &first.Token, a)
	if err != nil {
		t.Fatalf("CompleteSignIn: %v", err)
	}
	if cur.Session.AAL != vigil.AAL2 || cur.Session.Factors.String() != "password,totp" {
		t.Fatalf("session: aal %d factors %q", cur.Session.AAL, cur.Session.Factors)
	}
	got := e.alive(cur.Token, false)
	if got.Session.AAL != vigil.AAL2 || got.Limits.Lifetime != vigil.AAL2Lifetime {
		t.Fatalf("checked: aal %d limits %+v", got.Session.AAL, got.Limits)
	}
	e.ended(first.Token, vigil.CodeSessionRevoked, vigil.ReasonLogout) // the session presented is replaced
	// Used up: a second completion (with the next code) is refused.
	e.clock.Set(time.Minute + step30)
	_, _, err = e.eng.CompleteSignIn(e.ctx, step.Token, app.code(e.clock.Now()), nil, a)
	wantErr(t, err, vigil.CodeUnauthenticated, "")
	evs := e.events(vigil.EventLoginSucceeded)
	if len(evs) != 2 || !strings.Contains(evs[0].Detail, "aal=2 factors=password,totp") {
		t.Fatalf("login_succeeded events: %+v", evs)
	}
	if n := e.countEvents(vigil.EventMFAChallenged, "alice"); n != 1 {
		t.Errorf("mfa_challenged events: %d", n)
	}
}

const step30 = 30 * time.Second

func TestSecondStepWithARecoveryCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withMFA(t))
	pw := e.addUser("alice", vigil.RolePatient)
	_, codes := e.enrol(e.login("alice", pw))
	step := e.passwordStep("alice", pw)
	cur, _, err := e.eng.CompleteSignIn(e.ctx, step.Token, codes[0], nil, actor("192.0.2.1"))
	if err != nil || cur.Session.Factors.String() != "password,recovery_code" {
		t.Fatalf("CompleteSignIn with a recovery code: %v", err)
	}
	step = e.passwordStep("alice", pw)
	_, _, err = e.eng.CompleteSignIn(e.ctx, step.Token, codes[0], nil, actor("192.0.2.1"))
	wantErr(t, err, vigil.CodeInvalidCredentials, "")
}

func TestPendingSignInExpiresAndIsVoided(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withMFA(t))
	pw := e.addUser("alice", vigil.RolePatient)
	app, _ := e.enrol(e.login("alice", pw))
	a := actor("192.0.2.1")

	step := e.passwordStep("alice", pw)
	e.clock.Set(5 * time.Minute)
	_, _, err := e.eng.CompleteSignIn(e.ctx, step.Token, app.code(e.clock.Now()), nil, a)
	wantErr(t, err, vigil.CodeUnauthenticated, "")

	// A password reset between the steps voids the pending sign-in.
	e.clock.Set(10 * time.Minute)
	step = e.passwordStep("alice", pw)
	e.clock.Set(11 * time.Minute)
	if err := e.eng.SetPasswordAdmin(e.ctx, "alice", strongPassword(t), admin); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.eng.CompleteSignIn(e.ctx, step.Token, app.code(e.clock.Now()), nil, a)
	wantErr(t, err, vigil.CodeUnauthenticated, "")

	// A newer sign-in replaces an older one.
	pw = e.addUser("bob", vigil.RolePatient)
	bobApp, _ := e.enrol(e.login("bob", pw))
	older, newer := e.passwordStep("bob", pw), e.passwordStep("bob", pw)
	_, _, err = e.eng.CompleteSignIn(e.ctx, older.Token, bobApp.code(e.clock.Now().Add(step30)), nil, a)
	wantErr(t, err, vigil.CodeUnauthenticated, "")
	if _, _, err := e.eng.CompleteSignIn(e.ctx, newer.Token, bobApp.code(e.clock.Now().Add(step30)), nil, a); err != nil {
		t.Fatalf("the newer sign-in: %v", err)
	}
}

// TestPasswordDoesNotResetSecondFactorFailures: a right password is only
// half a sign-in, so it must not clear the failures of the second step
// (else a thief with the password could guess codes forever, a few per
// sign-in).
func TestPasswordDoesNotResetSecondFactorFailures(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withMFA(t))
	pw := e.addUser("alice", vigil.RolePatient)
	app, _ := e.enrol(e.login("alice", pw))
	e.clock.Set(step30)
	right := app.code(e.clock.Now())
	a := actor("192.0.2.1")
	for range 4 {
		step := e.passwordStep("alice", pw)
		_, _, err := e.eng.CompleteSignIn(e.ctx, step.Token, wrongCode(right), nil, a)
		wantErr(t, err, vigil.CodeInvalidCredentials, "")
	}
	step := e.passwordStep("alice", pw)
	_, _, err := e.eng.CompleteSignIn(e.ctx, step.Token, wrongCode(right), nil, a)
	wantErr(t, err, vigil.CodeInvalidCredentials, "")
	_, _, err = e.eng.CompleteSignIn(e.ctx, step.Token, right, nil, a)
	wantErr(t, err, vigil.CodeRateLimited, "")
	_, err = e.eng.Login(e.ctx, "alice", pw, nil, a)
	wantErr(t, err, vigil.CodeRateLimited, "")
}

func TestRequiredRoleEnrolsAtSignIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withMFA(t, vigil.RoleClinician))
	pw := e.addUser("doc", vigil.RoleClinician)

	step := e.passwordStep("doc", pw)
	_, _, err := e.eng.CompleteSignIn(e.ctx, step.Token, "123456", nil, actor("192.0.2.1"))
	wantErr(t, err, vigil.CodeConflict, "")
	_, _, _, err = e.eng.CompleteEnrolment(e.ctx, step.Token, "123456", nil, actor("192.0.2.1"))
	wantErr(t, err, vigil.CodeNotFound, "") // nothing begun yet

	cur, app, codes := e.enrolAtSignIn("doc", pw)
	if cur.Session.AAL != vigil.AAL2 || cur.Session.Factors.String() != "password,totp" || len(codes) != 10 {
		t.Fatalf("enrolled at sign-in: aal %d factors %q, %d codes", cur.Session.AAL, cur.Session.Factors, len(codes))
	}
	e.alive(cur.Token, true)
	// The next sign-in asks for the app.
	e.clock.Set(step30)
	step = e.passwordStep("doc", pw)
	if step.Enrol || step.Methods[0] != "totp" {
		t.Fatalf("next sign-in: %+v", step)
	}
	_, err = e.eng.BeginEnrolment(e.ctx, step.Token)
	wantErr(t, err, vigil.CodeConflict, "")
	if _, _, err := e.eng.CompleteSignIn(e.ctx, step.Token, app.code(e.clock.Now()), nil, actor("192.0.2.1")); err != nil {
		t.Fatalf("CompleteSignIn: %v", err)
	}
}

// TestRequiredRoleEndsSessionsWithoutASecondFactor: a session signed in
// by password alone before --require-mfa named the role does not reach
// anything once it does.
func TestRequiredRoleEndsSessionsWithoutASecondFactor(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withMFA(t))
	pw := e.addUser("doc", vigil.RoleClinician)
	before := e.login("doc", pw)
	keys := e.opt.MFA.Keyring
	strict := e.newEngine(func(o *auth.Options) { o.MFA = auth.MFA{Keyring: keys, Required: []vigil.Role{vigil.RoleClinician}} })
	_, err := strict.Check(e.ctx, before.Token, false)
	wantErr(t, err, vigil.CodeSessionRevoked, vigil.ReasonRevoked)
	_, err = e.eng.Check(e.ctx, before.Token, false)
	wantErr(t, err, vigil.CodeSessionRevoked, vigil.ReasonRevoked)
}

// TestSecondStepHashesNoPassword: a second factor costs no password hash
// (a TOTP check is an HMAC, a recovery code a SHA-256): the argon2id of
// the password step is the only one of a two-step sign-in, and a step-up
// computes none.
func TestSecondStepHashesNoPassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withMFA(t))
	pw := e.addUser("alice", vigil.RolePatient)
	cur := e.login("alice", pw)
	app, codes := e.enrol(cur)
	e.clock.Set(step30)
	before := e.hasher.Verifies.Load() + e.hasher.Hashes.Load()
	if _, err := e.eng.StepUp(e.ctx, cur, app.code(e.clock.Now()), actor("192.0.2.1")); err != nil {
		t.Fatal(err)
	}
	step := e.passwordStep("alice", pw)
	afterPassword := e.hasher.Verifies.Load() + e.hasher.Hashes.Load()
	if afterPassword != before+1 {
		t.Fatalf("step-up and the password step computed %d hashes, want 1 (the password's)", afterPassword-before)
	}
	if _, _, err := e.eng.CompleteSignIn(e.ctx, step.Token, codes[0], nil, actor("192.0.2.1")); err != nil {
		t.Fatal(err)
	}
	if n := e.hasher.Verifies.Load() + e.hasher.Hashes.Load(); n != afterPassword {
		t.Fatalf("the second step computed %d password hashes", n-afterPassword)
	}
}
