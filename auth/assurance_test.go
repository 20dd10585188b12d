package auth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/mfa"
)

// step is the length of a TOTP time step.
const step = 30 * time.Second

func TestSessionRecordsAssurance(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withMFA(t))
	e.runEngine(e.eng)
	pw := e.addUser("alice", vigil.RolePatient)
	cur := e.login("alice", pw)
	if cur.Session.AAL != vigil.AAL1 || cur.Session.Factors != vigil.FactorPassword || cur.Limits.Lifetime != lifetime {
		t.Fatalf("login: aal %d factors %q lifetime %v", cur.Session.AAL, cur.Session.Factors, cur.Limits.Lifetime)
	}
	for range 2 { // from the store, then from the cache
		got := e.alive(cur.Token, false)
		if got.Session.AAL != vigil.AAL1 || got.Session.Factors.String() != "password" {
			t.Fatalf("check: aal %d factors %q", got.Session.AAL, got.Session.Factors)
		}
	}
}

func TestStepUpWithTOTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withMFA(t))
	e.runEngine(e.eng)
	pw := e.addUser("alice", vigil.RolePatient)
	cur := e.login("alice", pw)
	app, _ := e.enrol(cur)

	// The code that confirmed the app does not step up.
	_, err := e.eng.StepUp(e.ctx, cur, app.code(e.clock.Now()), actor("192.0.2.1"))
	wantErr(t, err, vigil.CodeInvalidCredentials, "")
	e.clock.Set(step)
	up, err := e.eng.StepUp(e.ctx, cur, app.code(e.clock.Now()), actor("192.0.2.1"))
	if err != nil {
		t.Fatalf("StepUp: %v", err)
	}
	if up.Session.AAL != vigil.AAL2 || up.Session.Factors.String() != "password,totp" || up.Token == cur.Token {
		t.Fatalf("stepped up: aal %d factors %q, new token %v", up.Session.AAL, up.Session.Factors, up.Token != cur.Token)
	}
	e.ended(cur.Token, vigil.CodeUnauthenticated, "")
	for range 2 {
		got := e.alive(up.Token, true)
		if got.Session.AAL != vigil.AAL2 || got.Session.Factors != vigil.FactorPassword|vigil.FactorTOTP {
			t.Fatalf("check after step-up: aal %d factors %q", got.Session.AAL, got.Session.Factors)
		}
		// NIST SP 800-63B-4 AAL2: 24 h overall, the role's 30 min idle (stricter than 1 h).
		if got.Limits.Lifetime != vigil.AAL2Lifetime || got.Limits.IdleTimeout != idle {
			t.Fatalf("AAL2 limits %+v", got.Limits)
		}
	}
	// A replay of the code is refused, and audited as such.
	_, err = e.eng.StepUp(e.ctx, up, app.code(e.clock.Now()), actor("192.0.2.1"))
	wantErr(t, err, vigil.CodeInvalidCredentials, "")
	var replays int
	for _, ev := range e.events(vigil.EventMFAFailed) {
		if ev.Detail == "code already used" {
			replays++
		}
	}
	if replays != 2 {
		t.Errorf("replays audited: %d, want 2", replays)
	}
	if n := e.countEvents(vigil.EventStepUp, "alice"); n != 1 {
		t.Errorf("mfa_step_up events: %d", n)
	}
	// The AAL2 session ends 24 h after sign-in, however active.
	for d := time.Duration(0); d < 24*time.Hour; d += 20 * time.Minute {
		e.clock.Set(d + step)
		e.alive(up.Token, true)
	}
	e.clock.Set(24 * time.Hour)
	e.ended(up.Token, vigil.CodeSessionExpired, vigil.ReasonLifetime)
}

func TestTOTPSkew(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withMFA(t))
	cur := e.login("alice", e.addUser("alice", vigil.RolePatient))
	app, _ := e.enrol(cur) // at t0's step
	a := actor("192.0.2.1")

	// A phone one step behind, at t0 + 2 steps: accepted.
	e.clock.Set(2 * step)
	cur, err := e.eng.StepUp(e.ctx, cur, app.code(e.clock.Now().Add(-step)), a)
	if err != nil {
		t.Fatalf("code of the previous step: %v", err)
	}
	// One step ahead: accepted.
	cur, err = e.eng.StepUp(e.ctx, cur, app.code(e.clock.Now().Add(step)), a)
	if err != nil {
		t.Fatalf("code of the next step: %v", err)
	}
	// Two steps ahead: refused (and the current one, no later than the
	// last accepted, is a replay).
	_, err = e.eng.StepUp(e.ctx, cur, app.code(e.clock.Now().Add(3*step)), a)
	wantErr(t, err, vigil.CodeInvalidCredentials, "")
	_, err = e.eng.StepUp(e.ctx, cur, app.code(e.clock.Now()), a)
	wantErr(t, err, vigil.CodeInvalidCredentials, "")
	// Two steps behind: refused.
	e.clock.Set(6 * step)
	_, err = e.eng.StepUp(e.ctx, cur, app.code(e.clock.Now().Add(-2*step)), a)
	wantErr(t, err, vigil.CodeInvalidCredentials, "")
	if _, err := e.eng.StepUp(e.ctx, cur, app.code(e.clock.Now()), a); err != nil {
		t.Fatalf("current code: %v", err)
	}
}

func TestRecoveryCodeSignsInOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withMFA(t))
	cur := e.login("alice", e.addUser("alice", vigil.RolePatient))
	_, codes := e.enrol(cur)
	a := actor("192.0.2.1")

	// As typed from paper: upper case, spaces for hyphens.
	typed := strings.ToUpper(strings.ReplaceAll(codes[3], "-", " "))
	up, err := e.eng.StepUp(e.ctx, cur, typed, a)
	if err != nil {
		t.Fatalf("StepUp with a recovery code: %v", err)
	}
	if up.Session.Factors.String() != "password,recovery_code" {
		t.Errorf("factors %q", up.Session.Factors)
	}
	_, err = e.eng.StepUp(e.ctx, up, codes[3], a)
	wantErr(t, err, vigil.CodeInvalidCredentials, "")
	s, err := e.eng.Factors(e.ctx, up)
	if err != nil || s.RecoveryLeft != mfa.RecoveryCodeCount-1 || !s.RecoveryUsedAt.Equal(e.clock.Now()) {
		t.Fatalf("after one use: %+v, %v", s, err)
	}
	evs := e.events(vigil.EventRecoveryCodeUsed)
	if len(evs) != 1 || evs[0].Detail != "left=9" {
		t.Fatalf("recovery-code events: %+v", evs)
	}
	// A new set ends the old one.
	fresh, err := e.eng.RegenerateRecoveryCodes(e.ctx, up, a)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.eng.StepUp(e.ctx, up, codes[4], a)
	wantErr(t, err, vigil.CodeInvalidCredentials, "")
	if _, err := e.eng.StepUp(e.ctx, up, fresh[0], a); err != nil {
		t.Fatalf("a code of the new set: %v", err)
	}
}

func TestWrongSecondFactorCodesAreThrottled(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withMFA(t))
	pw := e.addUser("alice", vigil.RolePatient)
	cur := e.login("alice", pw)
	app, codes := e.enrol(cur)
	e.clock.Set(step)
	right := app.code(e.clock.Now())
	a := actor("192.0.2.1")
	for i := range 5 {
		code := wrongCode(right)
		if i%2 == 1 {
			code = strings.Repeat("7k3m-", 5) + "q9xd" // a recovery code's form, not the user's
		}
		_, err := e.eng.StepUp(e.ctx, cur, code, a)
		wantErr(t, err, vigil.CodeInvalidCredentials, "")
	}
	for _, code := range []string{right, codes[0]} {
		_, err := e.eng.StepUp(e.ctx, cur, code, a)
		wantErr(t, err, vigil.CodeRateLimited, "")
	}
	_, err := e.eng.Login(e.ctx, "alice", pw, nil, a)
	wantErr(t, err, vigil.CodeRateLimited, "")
	if n := e.countEvents(vigil.EventMFAFailed, "alice"); n != 5 {
		t.Errorf("mfa_failed events: %d, want 5", n)
	}
}

func TestStepUpWithoutASecondFactor(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withMFA(t))
	cur := e.login("alice", e.addUser("alice", vigil.RolePatient))
	_, err := e.eng.StepUp(e.ctx, cur, "123456", actor("192.0.2.1"))
	wantErr(t, err, vigil.CodeConflict, "")
}
