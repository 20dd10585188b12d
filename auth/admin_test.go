package auth_test

import (
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

func newUser(name string) auth.NewUser {
	return auth.NewUser{Username: name, Role: vigil.RolePatient}
}

func TestDisableAndEnable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	pw := e.addUser("alice", vigil.RolePatient)
	bobPW := e.addUser("bob", vigil.RolePatient)
	toks := []vigil.Token{e.login("alice", pw).Token, e.login("alice", pw).Token}
	bob := e.login("bob", bobPW).Token

	n, err := e.eng.SetDisabled(e.ctx, "alice", true, admin)
	if err != nil || n != 2 {
		t.Fatalf("SetDisabled = %d, %v; want 2 sessions ended", n, err)
	}
	for _, tok := range toks {
		e.ended(tok, vigil.CodeSessionRevoked, vigil.ReasonUserDisabled)
	}
	e.alive(bob, false)
	_, err = e.eng.Login(e.ctx, "alice", pw, nil, actor("192.0.2.1"))
	wantErr(t, err, vigil.CodeInvalidCredentials, "")
	if n := e.countEvents(vigil.EventUserDisabled, "alice"); n != 1 {
		t.Errorf("%d user_disabled events, want 1", n)
	}

	if _, err := e.eng.SetDisabled(e.ctx, "alice", false, admin); err != nil {
		t.Fatalf("enable: %v", err)
	}
	e.login("alice", pw)
	for _, tok := range toks { // enabling brings no old session back
		e.ended(tok, vigil.CodeSessionRevoked, vigil.ReasonUserDisabled)
	}
	_, err = e.eng.SetDisabled(e.ctx, "nobody", true, admin)
	wantErr(t, err, vigil.CodeNotFound, "")
}

func TestRevokingSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	pw := e.addUser("alice", vigil.RolePatient)
	bobPW := e.addUser("bob", vigil.RolePatient)
	a1, a2, a3 := e.login("alice", pw), e.login("alice", pw), e.login("alice", pw)
	bob := e.login("bob", bobPW)

	// One's own session, by id; someone else's is not found.
	err := e.eng.RevokeSession(e.ctx, a1, bob.Session.ID, a1.Actor("", ""))
	wantErr(t, err, vigil.CodeNotFound, "")
	if err := e.eng.RevokeSession(e.ctx, a1, a2.Session.ID, a1.Actor("", "")); err != nil {
		t.Fatalf("RevokeSession: %v", err)
	}
	e.ended(a2.Token, vigil.CodeSessionRevoked, vigil.ReasonRevoked)
	wantErr(t, e.eng.RevokeSession(e.ctx, a1, a2.Session.ID, a1.Actor("", "")), vigil.CodeNotFound, "")

	// Every other session.
	if n, err := e.eng.RevokeOthers(e.ctx, a1, a1.Actor("", "")); err != nil || n != 1 {
		t.Fatalf("RevokeOthers = %d, %v; want 1", n, err)
	}
	e.ended(a3.Token, vigil.CodeSessionRevoked, vigil.ReasonRevoked)
	e.alive(a1.Token, false)

	// Logout, then logging out again is no error.
	if err := e.eng.Logout(e.ctx, a1.Token, a1.Actor("", "")); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	e.ended(a1.Token, vigil.CodeSessionRevoked, vigil.ReasonLogout)
	if err := e.eng.Logout(e.ctx, a1.Token, a1.Actor("", "")); err != nil {
		t.Errorf("second Logout: %v", err)
	}
	if err := e.eng.Logout(e.ctx, vigil.NewToken(), auth.Actor{}); err != nil {
		t.Errorf("Logout of an unknown token: %v", err)
	}
	if n := e.countEvents(vigil.EventLogout, "alice"); n != 1 {
		t.Errorf("%d logout events, want 1", n)
	}

	// An administrator's revocation of every session of a user.
	if n, err := e.eng.RevokeUserSessions(e.ctx, "bob", admin); err != nil || n != 1 {
		t.Fatalf("RevokeUserSessions = %d, %v; want 1", n, err)
	}
	e.ended(bob.Token, vigil.CodeSessionRevoked, vigil.ReasonRevoked)
	e.ended(vigil.NewToken(), vigil.CodeUnauthenticated, "")
}

// TestSweepKeepsWhatACookieCanStillAsk: ended sessions are deleted only
// once no cookie for them can be alive, so a late request is told why its
// session ended.
func TestSweepKeepsWhatACookieCanStillAsk(t *testing.T) {
	t.Parallel()
	for _, longest := range []time.Duration{lifetime, 30 * 24 * time.Hour} {
		t.Run(longest.String(), func(t *testing.T) {
			e := newEnv(t, func(o *auth.Options) {
				o.Policy.RoleLifetime = map[vigil.Role]time.Duration{vigil.RoleAdmin: longest}
			})
			pw := e.addUser("alice", vigil.RolePatient)
			early, late := e.login("alice", pw), e.login("alice", pw)
			e.eng.Logout(e.ctx, early.Token, auth.Actor{})
			e.clock.Set(100 * time.Hour)
			e.eng.Logout(e.ctx, late.Token, auth.Actor{})

			// One ended session that a cookie could still ask about.
			recent := e.login("alice", pw)
			e.eng.Logout(e.ctx, recent.Token, auth.Actor{})

			e.clock.Set(lifetime + time.Microsecond)
			n, err := e.eng.SweepOnce(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if longest > lifetime {
				if n != 0 {
					t.Errorf("SweepOnce deleted %d sessions, want none: an admin's cookie lives %v", n, longest)
				}
				e.ended(early.Token, vigil.CodeSessionRevoked, vigil.ReasonLogout)
				e.ended(recent.Token, vigil.CodeSessionRevoked, vigil.ReasonLogout)
				return
			}
			// Both began a lifetime ago, so both cookies have expired in
			// the browser, however recently the second session ended.
			if n != 2 {
				t.Errorf("SweepOnce deleted %d sessions, want 2", n)
			}
			e.ended(early.Token, vigil.CodeUnauthenticated, "")
			e.ended(late.Token, vigil.CodeUnauthenticated, "")
			e.ended(recent.Token, vigil.CodeSessionRevoked, vigil.ReasonLogout)
		})
	}
}

// TestListsLeaveOutExpiredSessions: a session past its role's limits is no
// longer listed, for its user or for an administrator.
func TestListsLeaveOutExpiredSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *auth.Options) {
		o.Policy.RoleIdle = map[vigil.Role]time.Duration{vigil.RoleClinician: 15 * time.Minute}
	})
	alice := e.login("alice", e.addUser("alice", vigil.RolePatient))
	e.login("bob", e.addUser("bob", vigil.RoleClinician))

	e.clock.Set(20 * time.Minute) // bob's 15 minutes have passed, alice's 30 have not
	all, err := e.eng.AllSessions(e.ctx)
	if err != nil || len(all) != 1 || all[0].ID != alice.Session.ID {
		t.Errorf("AllSessions = %+v, %v; want alice's session only", all, err)
	}
	if _, list, err := e.eng.UserSessions(e.ctx, "bob"); err != nil || len(list) != 0 {
		t.Errorf("UserSessions(bob) = %d sessions, %v; want none", len(list), err)
	}
	if _, list, err := e.eng.UserSessions(e.ctx, "alice"); err != nil || len(list) != 1 {
		t.Errorf("UserSessions(alice) = %d sessions, %v; want 1", len(list), err)
	}
}
