package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/vigilauth/vigil/internal/pgtest"
	"github.com/vigilauth/vigil/internal/testkit"
)

// Several vigil instances on one PostgreSQL schema, each started through
// run() as an operator would. SPEC §2: a revocation is immediate on the
// instance that made it and reaches the others within 100 ms (PostgreSQL,
// Redis) or 1 s; these tests assert only that it arrives (polled with a
// 5 s deadline) and log the delay seen — speed is measured by benchmarks.

const (
	alicePW2   = "her second long passphrase, changed"
	propagates = 5 * time.Second // generous deadline for a revocation to reach another instance
)

// TestThreeInstancesOnePostgres: one cookie works on every instance; a
// password change on one ends the session on the others; a logout on one
// ends it on the others; login throttling counts failures from every
// instance.
func TestThreeInstancesOnePostgres(t *testing.T) {
	_, db := pgtest.Schema(t)
	a := startServer(t, db, "--dev")
	b := startServer(t, db, "--dev")
	c := startServer(t, db, "--dev")
	a.addUser(t, "alice", "patient", alicePW)

	// One browser, its cookie presented to every instance.
	phoneA := a.device(t)
	phoneA.Login("alice", alicePW)
	phoneB, phoneC := phoneA.on(b), phoneA.on(c)
	warm(t, 5, phoneA, phoneB, phoneC)
	laptopA := a.device(t)
	laptopA.Login("alice", alicePW)
	warm(t, 3, laptopA)

	// Password changed through C: every session of alice ends everywhere.
	r := phoneC.Do("POST", "/api/auth/change-password", map[string]string{
		"current_password": alicePW, "new_password": alicePW2, "confirm_password": alicePW2})
	expect(t, "change password on C", r, 200)
	changed := time.Now()
	expect(t, "on C itself, at once", phoneC.Do("GET", "/api/auth/session", nil), 401, "UNAUTHENTICATED")
	awaitEnd(t, changed, propagates, "SESSION_REVOKED", "password_changed",
		named{"A (phone)", phoneA}, named{"B (phone)", phoneB}, named{"A (laptop)", laptopA})
	expect(t, "old password on B", b.device(t).Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": alicePW}), 401, "INVALID_CREDENTIALS")

	// Logout through B: the session ends on A and C.
	tabA := a.device(t)
	tabA.Login("alice", alicePW2)
	tabB, tabC := tabA.on(b), tabA.on(c)
	warm(t, 5, tabA, tabB, tabC)
	expect(t, "logout on B", tabB.Do("POST", "/api/auth/logout", nil), 200)
	loggedOut := time.Now()
	awaitEnd(t, loggedOut, propagates, "SESSION_REVOKED", "logout", named{"A", tabA}, named{"C", tabC})

	// Throttling is shared: five failures spread over the three instances
	// lock bob on all of them, even for the right password.
	a.addUser(t, "bob", "clinician", bobPW)
	servers := []*server{a, b, c, a, b}
	for i, s := range servers {
		r := s.device(t).Do("POST", "/api/auth/login", map[string]string{"username": "bob", "password": "not bob's password at all"})
		expect(t, fmt.Sprintf("wrong password #%d on %s", i+1, s.URL), r, 401, "INVALID_CREDENTIALS")
	}
	for _, s := range []*server{c, a, b} {
		r := s.device(t).Do("POST", "/api/auth/login", map[string]string{"username": "bob", "password": bobPW})
		expect(t, "right password after 5 failures, on "+s.URL, r, 429, "RATE_LIMITED")
		if n := retryAfter(t, "429 on "+s.URL, r); n > 3600 {
			t.Errorf("429 on %s: Retry-After %d s, above the 1 h cap", s.URL, n)
		}
	}
}

// TestIdleAcrossInstances: activity recorded by either of two instances
// keeps the session alive on both; once nobody uses it for longer than the
// idle timeout, both end it for inactivity.
func TestIdleAcrossInstances(t *testing.T) {
	const idle = 4 * time.Second
	_, db := pgtest.Schema(t)
	flags := []string{"--dev", "--idle-timeout", idle.String(), "--idle-warning", "1s"}
	a := startServer(t, db, flags...)
	b := startServer(t, db, flags...)
	a.addUser(t, "alice", "patient", alicePW)
	onA := a.device(t)
	onA.Login("alice", alicePW)
	onB := onA.on(b)

	// Activity alternating between A and B for 2.5 idle timeouts: each
	// instance must honour the activity the other recorded.
	start := time.Now()
	for i := 0; time.Since(start) < 10*time.Second; i++ {
		d := []*device{onA, onB}[i%2]
		var r testkit.Response
		if i%4 < 2 {
			r = d.Do("POST", "/api/auth/session/refresh", nil)
		} else {
			r = d.Do("GET", "/api/auth/sessions", nil)
		}
		expect(t, fmt.Sprintf("activity #%d on %s at %v", i, d.srv.URL, time.Since(start).Round(time.Millisecond)), r, 200)
		time.Sleep(300 * time.Millisecond)
	}

	// Quiet for longer than the idle timeout: ended on both.
	time.Sleep(idle + 2*time.Second)
	expect(t, "A after the quiet", onA.Do("GET", "/api/auth/session", nil), 401, "SESSION_EXPIRED", "inactivity")
	expect(t, "B after the quiet", onB.Do("GET", "/api/auth/session", nil), 401, "SESSION_EXPIRED", "inactivity")
}

// TestRedisFanOut: with --redis, a revocation through B reaches A; with
// Redis unreachable, vigil still works and A still sees B's revocations
// (through PostgreSQL and the log poll).
func TestRedisFanOut(t *testing.T) {
	redisURL := testRedis(t)
	for _, tc := range []struct{ name, redis string }{
		{"redis up", redisURL},
		{"redis down", "redis://127.0.0.1:1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, db := pgtest.Schema(t)
			a := startServer(t, db, "--dev", "--redis", tc.redis)
			b := startServer(t, db, "--dev", "--redis", tc.redis)
			a.addUser(t, "alice", "patient", alicePW)

			// One session revoked by id through B.
			phoneA := a.device(t)
			phoneA.Login("alice", alicePW)
			laptopA := a.device(t)
			laptopA.Login("alice", alicePW)
			laptopB := laptopA.on(b)
			warm(t, 5, phoneA)
			warm(t, 5, laptopA, laptopB)
			phoneID := phoneA.sessionID("phone")
			expect(t, "revoke the phone through B", laptopB.Do("DELETE", "/api/auth/sessions/"+phoneID, nil), 200)
			revoked := time.Now()
			awaitEnd(t, revoked, propagates, "SESSION_REVOKED", "revoked", named{"A (phone)", phoneA})
			warm(t, 2, laptopA, laptopB) // the other session lives on

			// Every session of alice revoked through B.
			r := laptopB.Do("POST", "/api/auth/change-password", map[string]string{
				"current_password": alicePW, "new_password": alicePW2, "confirm_password": alicePW2})
			expect(t, "change password on B", r, 200)
			changed := time.Now()
			awaitEnd(t, changed, propagates, "SESSION_REVOKED", "password_changed", named{"A (laptop)", laptopA})
			a.device(t).Login("alice", alicePW2)
		})
	}
}
