package auth_test

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/password"
)

// secrets collects what must never reach the audit log or the log.
type secrets struct {
	list []string
}

// add adds secrets that must not appear whole.
func (s *secrets) add(v ...string) { s.list = append(s.list, v...) }

// random adds random secrets (tokens, hashes) of which not even a part may
// appear: every 16 characters of them.
func (s *secrets) random(v ...string) {
	for _, r := range v {
		for i := 0; i+16 <= len(r); i++ {
			s.list = append(s.list, r[i:i+16])
		}
	}
}

func (s *secrets) token(tok vigil.Token) {
	h := tok.Hash()
	s.random(tok.String(), tok.CSRF(), hex.EncodeToString(h[:]),
		base64.RawURLEncoding.EncodeToString(h[:]), base64.StdEncoding.EncodeToString(h[:]))
}

// hashes adds the users' current password hashes (PHC strings, and their
// salt and key parts).
func (s *secrets) hashes(e *env, names ...string) {
	for _, n := range names {
		u, err := e.raw.UserByUsername(e.ctx, n)
		if err != nil {
			e.t.Fatal(err)
		}
		if u.PasswordHash != "" {
			s.add(u.PasswordHash)
			s.random(splitPHC(u.PasswordHash)...)
		}
	}
}

// splitPHC returns the salt and key of a PHC string.
func splitPHC(phc string) []string {
	var parts []string
	start := -1
	for i, c := range phc {
		if c == '$' {
			if start >= 0 && i-start > 12 {
				parts = append(parts, phc[start+1:i])
			}
			start = i
		}
	}
	if start >= 0 && len(phc)-start > 12 {
		parts = append(parts, phc[start+1:])
	}
	return parts
}

// TestNoSecretInAuditOrLog runs logins (right, wrong, throttled), a
// re-authentication, password changes and resets, then reads every audit
// event and the whole log: no password, token or hash appears.
func TestNoSecretInAuditOrLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	var s secrets
	ctx := e.ctx
	a := actor("192.0.2.1")

	alice := e.addUser("alice", vigil.RolePatient)
	bob := e.addUser("bob", vigil.RolePatient)
	s.add(alice, bob)
	s.hashes(e, "alice", "bob")
	// An account created without a password gets a reset token.
	carol, err := e.eng.CreateUser(ctx, auth.NewUser{Username: "carol", Role: vigil.RoleClinician}, admin)
	if err != nil {
		t.Fatal(err)
	}
	s.random(carol.ResetToken)
	// An account whose hash was made with older parameters (re-hashed at
	// login) and one whose stored hash cannot be read (logged).
	old := password.NewHasher(password.Params{Memory: 128, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 0)
	davePW := strongPassword(t)
	daveHash, _ := old.Hash(ctx, davePW)
	s.add(davePW, daveHash)
	s.random(splitPHC(daveHash)...)
	for _, u := range []vigil.User{
		{Username: "dave", Role: vigil.RolePatient, PasswordHash: daveHash, CreatedAt: t0},
		{Username: "erin", Role: vigil.RolePatient, PasswordHash: "$argon2id$v=19$m=64,t=1,p=1$c2FsdHktc2FsdA==$a2V5LWJ1dC1wYWRkZWQtYW5kLWJyb2tlbg==", CreatedAt: t0},
	} {
		if err := e.raw.CreateUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
	}
	s.add("c2FsdHktc2FsdA", "a2V5LWJ1dC1wYWRkZWQtYW5kLWJyb2tlbg")

	// Logins: right, wrong, unknown user, old hash, unreadable hash, throttled.
	cur := e.login("alice", alice)
	s.token(cur.Token)
	for i := range 6 {
		wrong := fmt.Sprintf("%s-typo-%d", alice, i)
		s.add(wrong)
		e.eng.Login(ctx, "alice", wrong, nil, a)
	}
	for _, u := range []string{"nobody", "erin"} {
		wrong := "guessed-" + u + "-secret-phrase"
		s.add(wrong)
		e.eng.Login(ctx, u, wrong, nil, a)
	}
	dave := e.login("dave", davePW)
	s.token(dave.Token)
	s.hashes(e, "dave")

	e.clock.Set(2 * time.Hour) // past alice's lockout; her session has expired
	cur = e.login("alice", alice)
	s.token(cur.Token)
	again, err := e.eng.Login(ctx, "alice", alice, &cur.Token, a) // rotation
	if err != nil {
		t.Fatal(err)
	}
	cur = again
	s.token(cur.Token)

	// Re-authentication: wrong, then right.
	e.eng.Reauthenticate(ctx, cur, alice+"-nope", cur.Actor(a.IP, a.UserAgent))
	s.add(alice + "-nope")
	if cur, err = e.eng.Reauthenticate(ctx, cur, alice, cur.Actor(a.IP, a.UserAgent)); err != nil {
		t.Fatal(err)
	}
	s.token(cur.Token)

	// Password changes: refused ones, then a real one.
	next := strongPassword(t)
	s.add(next, next+"?", "alice-weak-1")
	ca := cur.Actor(a.IP, a.UserAgent)
	e.eng.ChangePassword(ctx, cur, alice, next, next+"?", ca)
	e.eng.ChangePassword(ctx, cur, alice, "alice-weak-1", "alice-weak-1", ca)
	e.eng.ChangePassword(ctx, cur, alice+"-wrong", next, next, ca)
	s.add(alice + "-wrong")
	if err := e.eng.ChangePassword(ctx, cur, alice, next, next, ca); err != nil {
		t.Fatal(err)
	}
	s.hashes(e, "alice")

	// Resets: a weak attempt, a real one, a reuse, and carol's first password.
	tok, _, err := e.eng.IssueResetToken(ctx, "bob", admin)
	if err != nil {
		t.Fatal(err)
	}
	bobNext, carolPW := strongPassword(t), strongPassword(t)
	s.random(tok)
	s.add(bobNext, carolPW, "bob-short")
	e.eng.ResetPassword(ctx, tok, "bob-short", "bob-short", a)
	if err := e.eng.ResetPassword(ctx, tok, bobNext, bobNext, a); err != nil {
		t.Fatal(err)
	}
	e.eng.ResetPassword(ctx, tok, bobNext, bobNext, a)
	// carol's first token has expired by now: the reset is refused.
	e.eng.ResetPassword(ctx, carol.ResetToken, carolPW, carolPW, a)
	carolTok, _, err := e.eng.IssueResetToken(ctx, "carol", admin)
	if err != nil {
		t.Fatal(err)
	}
	s.random(carolTok)
	if err := e.eng.ResetPassword(ctx, carolTok, carolPW, carolPW, a); err != nil {
		t.Fatal(err)
	}
	s.hashes(e, "bob", "carol")
	b := e.login("bob", bobNext)
	s.token(b.Token)
	e.eng.Logout(ctx, b.Token, b.Actor(a.IP, a.UserAgent))

	events := e.events("")
	if len(events) < 20 || len(events) >= 1000 {
		t.Fatalf("%d audit events: the scenario did not run as meant", len(events))
	}
	for _, ev := range events {
		for _, f := range []string{ev.Username, ev.Actor, ev.Category, ev.Event, ev.Detail, ev.IP, ev.UserAgent, ev.SessionID} {
			if sec, ok := containsAny(f, s.list); ok {
				t.Errorf("audit event %s (%+v) holds the secret %q", ev.Event, ev, sec)
			}
		}
	}
	log := e.log.String()
	if log == "" {
		t.Error("nothing was logged: the unreadable hash should have been")
	}
	if sec, ok := containsAny(log, s.list); ok {
		t.Errorf("the log holds the secret %q:\n%s", sec, log)
	}
}
