package auth_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
)

const notCurrent = "must not be the current password"

func TestReauthenticate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	pw := e.addUser("alice", vigil.RolePatient)
	cur := e.login("alice", pw)
	a := cur.Actor("192.0.2.1", "test-agent/1.0")
	if err := e.eng.RequireRecentAuth(cur); err != nil {
		t.Fatalf("RequireRecentAuth right after login: %v", err)
	}

	// After the window, admin changes need the password again.
	e.clock.Set(reauth)
	if err := e.eng.RequireRecentAuth(e.alive(cur.Token, true)); err != nil {
		t.Fatalf("RequireRecentAuth at the window's end: %v", err)
	}
	e.clock.Set(reauth + time.Microsecond)
	cur = e.alive(cur.Token, true)
	wantErr(t, e.eng.RequireRecentAuth(cur), vigil.CodeReauthRequired, "")

	// A wrong password is refused and the session stays as it was.
	_, err := e.eng.Reauthenticate(e.ctx, cur, pw+"x", a)
	wantErr(t, err, vigil.CodeInvalidCredentials, "")
	if n := e.countEvents(vigil.EventReauthFailed, "alice"); n != 1 {
		t.Errorf("%d reauthentication_failed events, want 1", n)
	}
	wantErr(t, e.eng.RequireRecentAuth(e.alive(cur.Token, false)), vigil.CodeReauthRequired, "")

	// The right one rotates the token and opens the window again.
	e.clock.Set(20 * time.Minute)
	next, err := e.eng.Reauthenticate(e.ctx, cur, pw, a)
	if err != nil {
		t.Fatalf("Reauthenticate: %v", err)
	}
	if next.Token == cur.Token {
		t.Fatal("Reauthenticate kept the token")
	}
	if next.Session.ID != cur.Session.ID {
		t.Errorf("Reauthenticate changed the session id")
	}
	e.ended(cur.Token, vigil.CodeUnauthenticated, "")
	checked := e.alive(next.Token, false)
	if err := e.eng.RequireRecentAuth(checked); err != nil {
		t.Errorf("RequireRecentAuth after reauthentication: %v", err)
	}
	// The lifetime still counts from login, not from re-authentication.
	if !checked.Session.CreatedAt.Equal(t0) {
		t.Errorf("CreatedAt = %v, want the login time %v", checked.Session.CreatedAt, t0)
	}

	e.clock.Set(20*time.Minute + reauth + time.Microsecond)
	wantErr(t, e.eng.RequireRecentAuth(e.alive(next.Token, true)), vigil.CodeReauthRequired, "")
}

func TestReauthenticateFailuresAreThrottled(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	pw := e.addUser("alice", vigil.RolePatient)
	cur := e.login("alice", pw)
	for range 5 {
		_, err := e.eng.Reauthenticate(e.ctx, cur, "not-my-password-at-all", cur.Actor("192.0.2.1", ""))
		wantErr(t, err, vigil.CodeInvalidCredentials, "")
	}
	work := e.hasher.Total()
	_, err := e.eng.Reauthenticate(e.ctx, cur, pw, cur.Actor("192.0.2.1", ""))
	if ve := wantErr(t, err, vigil.CodeRateLimited, ""); ve.RetryAfter <= 0 {
		t.Errorf("RetryAfter = %v, want > 0", ve.RetryAfter)
	}
	e.throttled(e.eng, "alice", pw, "192.0.2.2", time.Minute)
	if d := e.hasher.Total() - work; d != 0 {
		t.Errorf("throttled attempts computed %d hashes, want none", d)
	}
}

// changeEnv is alice with three sessions and bob with one.
type changeEnv struct {
	*env
	pw, bobPW string
	cur       vigil.Token   // the session alice changes her password in
	others    []vigil.Token // alice's other sessions
	bob       vigil.Token
}

func newChangeEnv(t *testing.T) *changeEnv {
	e := newEnv(t, nil)
	c := &changeEnv{env: e, pw: e.addUser("alice", vigil.RolePatient), bobPW: e.addUser("bob", vigil.RolePatient)}
	c.cur = e.login("alice", c.pw).Token
	c.others = []vigil.Token{e.login("alice", c.pw).Token, e.login("alice", c.pw).Token}
	c.bob = e.login("bob", c.bobPW).Token
	e.hasher.Reset()
	return c
}

func (c *changeEnv) change(current, next, confirm string) error {
	cur := c.alive(c.cur, true)
	return c.eng.ChangePassword(c.ctx, cur, current, next, confirm, cur.Actor("192.0.2.1", "test-agent/1.0"))
}

// unchanged fails the test unless every session lives and the password is
// still pw.
func (c *changeEnv) unchanged() {
	c.t.Helper()
	for _, tok := range append([]vigil.Token{c.cur, c.bob}, c.others...) {
		c.alive(tok, false)
	}
	c.login("alice", c.pw)
}

func TestChangePasswordRefusals(t *testing.T) {
	t.Parallel()
	t.Run("mismatch", func(t *testing.T) {
		c := newChangeEnv(t)
		next := strongPassword(t)
		wantErr(t, c.change(c.pw, next, next+" "), vigil.CodePasswordMismatch, "")
		if w := c.hasher.Total(); w != 0 {
			t.Errorf("a mismatch computed %d password hashes, want none", w)
		}
		c.unchanged()
	})
	t.Run("weak", func(t *testing.T) {
		c := newChangeEnv(t)
		for _, weak := range []string{"alice123", "password", "aaaaaaaaaaaaaaaaaaaa", "my name is alice, hello there"} {
			ve := wantErr(t, c.change(c.pw, weak, weak), vigil.CodeWeakPassword, "")
			want := c.policy.Check(weak, "alice")
			if !slices.Equal(ve.Problems, want) || len(want) == 0 {
				t.Errorf("%q: problems %q, want every problem the policy finds: %q", weak, ve.Problems, want)
			}
		}
		// "alice123" is short and holds the username: both are listed.
		ve := wantErr(t, c.change(c.pw, "alice123", "alice123"), vigil.CodeWeakPassword, "")
		if len(ve.Problems) < 2 {
			t.Errorf("problems %q, want at least two", ve.Problems)
		}
		c.unchanged()
	})
	t.Run("same as current", func(t *testing.T) {
		c := newChangeEnv(t)
		ve := wantErr(t, c.change(c.pw, c.pw, c.pw), vigil.CodeWeakPassword, "")
		if !slices.Contains(ve.Problems, notCurrent) {
			t.Errorf("problems %q, want %q", ve.Problems, notCurrent)
		}
		c.unchanged()
	})
	t.Run("same as current after normalization", func(t *testing.T) {
		e := newEnv(t, nil)
		pw := strings.Replace(strongPassword(t), "lantern", "filantern", 1)
		e.addUserWith("alice", vigil.RolePatient, pw)
		cur := e.login("alice", pw)
		// U+FB01, the "fi" ligature, is "fi" in NFKC: the same password.
		lig := strings.Replace(pw, "fi", "\ufb01", 1)
		err := e.eng.ChangePassword(e.ctx, cur, pw, lig, lig, cur.Actor("192.0.2.1", ""))
		ve := wantErr(t, err, vigil.CodeWeakPassword, "")
		if !slices.Contains(ve.Problems, notCurrent) {
			t.Errorf("problems %q, want %q", ve.Problems, notCurrent)
		}
	})
	t.Run("wrong current password", func(t *testing.T) {
		c := newChangeEnv(t)
		next := strongPassword(t)
		wantErr(t, c.change(c.pw+"x", next, next), vigil.CodeInvalidCredentials, "")
		if n := c.countEvents(vigil.EventInvalidCurrentPassword, "alice"); n != 1 {
			t.Errorf("%d invalid_current_password events, want 1", n)
		}
		if h := c.hasher.Hashes.Load(); h != 0 {
			t.Errorf("%d new hashes stored, want none", h)
		}
		c.unchanged() // (its login resets the failure count)
		// They count toward the login throttle.
		for range 5 {
			wantErr(t, c.change(c.pw+"x", next, next), vigil.CodeInvalidCredentials, "")
		}
		ve := wantErr(t, c.change(c.pw, next, next), vigil.CodeRateLimited, "")
		if ve.RetryAfter <= 0 {
			t.Errorf("RetryAfter = %v, want > 0", ve.RetryAfter)
		}
		c.throttled(c.eng, "alice", c.pw, "192.0.2.2", 0)
	})
}

func TestChangePasswordEndsEverySessionOfTheUser(t *testing.T) {
	t.Parallel()
	c := newChangeEnv(t)
	next := strongPassword(t)
	if err := c.change(c.pw, next, next); err != nil {
		t.Fatalf("ChangePassword: %v", err)
	}
	for _, tok := range append([]vigil.Token{c.cur}, c.others...) {
		c.ended(tok, vigil.CodeSessionRevoked, vigil.ReasonPasswordChanged)
	}
	c.alive(c.bob, false)
	_, err := c.eng.Login(c.ctx, "alice", c.pw, nil, actor("192.0.2.1"))
	wantErr(t, err, vigil.CodeInvalidCredentials, "")
	c.login("alice", next)

	evs := c.events(vigil.EventPasswordChanged)
	if len(evs) != 1 || evs[0].Username != "alice" || evs[0].Detail != "sessions_revoked=3" {
		t.Errorf("password changed events = %+v, want one for alice with sessions_revoked=3", evs)
	}
}

func TestResetToken(t *testing.T) {
	t.Parallel()
	// setup returns alice with a password, two sessions and a reset token.
	setup := func(t *testing.T) (*env, string, []vigil.Token, string) {
		e := newEnv(t, nil)
		pw := e.addUser("alice", vigil.RolePatient)
		e.addUser("bob", vigil.RolePatient)
		toks := []vigil.Token{e.login("alice", pw).Token, e.login("alice", pw).Token}
		tok, exp, err := e.eng.IssueResetToken(e.ctx, "alice", admin)
		if err != nil {
			t.Fatalf("IssueResetToken: %v", err)
		}
		if want := t0.Add(resetTTL); !exp.Equal(want) {
			t.Errorf("expires at %v, want %v", exp, want)
		}
		return e, pw, toks, tok
	}
	reset := func(e *env, tok, pw string) error {
		return e.eng.ResetPassword(e.ctx, tok, pw, pw, actor("192.0.2.1"))
	}

	t.Run("works once", func(t *testing.T) {
		e, old, toks, tok := setup(t)
		next := strongPassword(t)
		if err := reset(e, tok, next); err != nil {
			t.Fatalf("ResetPassword: %v", err)
		}
		for _, s := range toks {
			e.ended(s, vigil.CodeSessionRevoked, vigil.ReasonPasswordReset)
		}
		_, err := e.eng.Login(e.ctx, "alice", old, nil, actor("192.0.2.1"))
		wantErr(t, err, vigil.CodeInvalidCredentials, "")
		e.login("alice", next)
		wantErr(t, reset(e, tok, strongPassword(t)), vigil.CodeInvalidResetToken, "")
		e.login("alice", next)
		if n := e.countEvents(vigil.EventPasswordResetCompleted, "alice"); n != 1 {
			t.Errorf("%d password_reset_completed events, want 1", n)
		}
	})
	t.Run("expires", func(t *testing.T) {
		e, _, _, tok := setup(t)
		e.clock.Set(resetTTL)
		wantErr(t, reset(e, tok, strongPassword(t)), vigil.CodeInvalidResetToken, "")
	})
	t.Run("works until it expires", func(t *testing.T) {
		e, _, _, tok := setup(t)
		e.clock.Set(resetTTL - time.Microsecond)
		if err := reset(e, tok, strongPassword(t)); err != nil {
			t.Fatalf("ResetPassword 1µs before expiry: %v", err)
		}
	})
	t.Run("malformed or unknown", func(t *testing.T) {
		e, _, _, tok := setup(t)
		for _, bad := range []string{"", "x", tok + "=", tok[:len(tok)-1], strings.ToUpper(tok), tok + tok, vigil.NewToken().String()} {
			if bad == tok {
				continue
			}
			wantErr(t, reset(e, bad, strongPassword(t)), vigil.CodeInvalidResetToken, "")
		}
		if err := reset(e, tok, strongPassword(t)); err != nil {
			t.Fatalf("the real token after bad ones: %v", err)
		}
	})
	t.Run("refused password keeps the token", func(t *testing.T) {
		e, pw, toks, tok := setup(t)
		ve := wantErr(t, reset(e, tok, "alice"), vigil.CodeWeakPassword, "")
		if want := e.policy.Check("alice", "alice"); !slices.Equal(ve.Problems, want) {
			t.Errorf("problems %q, want %q", ve.Problems, want)
		}
		ve = wantErr(t, reset(e, tok, pw), vigil.CodeWeakPassword, "")
		if !slices.Contains(ve.Problems, notCurrent) {
			t.Errorf("problems %q, want %q", ve.Problems, notCurrent)
		}
		next := strongPassword(t)
		err := e.eng.ResetPassword(e.ctx, tok, next, next+"!", actor("192.0.2.1"))
		wantErr(t, err, vigil.CodePasswordMismatch, "")
		for _, s := range toks { // nothing happened yet
			e.alive(s, false)
		}
		if err := reset(e, tok, next); err != nil {
			t.Fatalf("ResetPassword after refusals: %v", err)
		}
		e.login("alice", next)
	})
	t.Run("a new token replaces the old", func(t *testing.T) {
		e, _, _, first := setup(t)
		e.clock.Set(time.Minute)
		second, _, err := e.eng.IssueResetToken(e.ctx, "alice", admin)
		if err != nil {
			t.Fatal(err)
		}
		wantErr(t, reset(e, first, strongPassword(t)), vigil.CodeInvalidResetToken, "")
		if err := reset(e, second, strongPassword(t)); err != nil {
			t.Fatalf("the newer token: %v", err)
		}
	})
	t.Run("clears the login throttle", func(t *testing.T) {
		e, pw, _, tok := setup(t)
		for range 5 {
			e.fail("alice", "192.0.2.77")
		}
		e.throttled(e.eng, "alice", pw, "192.0.2.1", time.Minute)
		next := strongPassword(t)
		if err := reset(e, tok, next); err != nil {
			t.Fatal(err)
		}
		e.login("alice", next)
	})
	t.Run("sets the first password of a new account", func(t *testing.T) {
		e := newEnv(t, nil)
		c, err := e.eng.CreateUser(e.ctx, newUser("carol"), admin)
		if err != nil || c.ResetToken == "" {
			t.Fatalf("CreateUser without a password = %+v, %v; want a reset token", c, err)
		}
		pw := strongPassword(t)
		if err := e.eng.ResetPassword(e.ctx, c.ResetToken, pw, pw, actor("192.0.2.1")); err != nil {
			t.Fatal(err)
		}
		e.login("carol", pw)
	})
}
