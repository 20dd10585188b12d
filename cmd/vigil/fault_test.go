package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/vigilauth/vigil/internal/pgtest"
	"github.com/vigilauth/vigil/internal/testkit"
)

// Fault tests: the PostgreSQL server under a running vigil is stopped (an
// immediate shutdown, like a crash) and started again. SPEC §3: 503
// UNAVAILABLE while the store is unreachable, fail closed, never 200.

// privateCluster starts a throwaway PostgreSQL cluster for a test that
// stops it. Like every PostgreSQL test it runs only when
// VIGIL_TEST_POSTGRES is set.
func privateCluster(t *testing.T) *pgtest.Server {
	t.Helper()
	pgtest.BaseURL(t)
	return pgtest.Start(t)
}

// TestDatabaseOutageFailsClosed: with the database down, a session that
// was just in use gets 503 UNAVAILABLE — and once it has, never 200 again
// until the database is back; logins get 503 too. When the database comes
// back, the same cookie works again without restarting vigil.
func TestDatabaseOutageFailsClosed(t *testing.T) {
	pg := privateCluster(t)
	srv := startServer(t, pg.URL, "--dev")
	srv.addUser(t, "alice", "patient", alicePW)
	d := srv.device(t)
	d.Login("alice", alicePW)
	warm(t, 5, d)
	expect(t, "readyz while up", d.Do("GET", "/readyz", nil), 200)

	pg.Stop()
	stopped := time.Now()
	var r testkit.Response
	for time.Since(stopped) < 10*time.Second {
		r = d.Do("GET", "/api/auth/session", nil)
		if r.Status != 200 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	expect(t, "session with the database down", r, 503, "UNAVAILABLE")
	t.Logf("first 503 %v after the database stopped", time.Since(stopped))
	for i := range 20 {
		expect(t, fmt.Sprintf("session once 503 was seen, #%d", i), d.Do("GET", "/api/auth/session", nil), 503, "UNAVAILABLE")
		time.Sleep(50 * time.Millisecond)
	}
	expect(t, "activity with the database down", d.Do("GET", "/api/auth/sessions", nil), 503, "UNAVAILABLE")
	expect(t, "readyz while down", d.Do("GET", "/readyz", nil), 503, "UNAVAILABLE")
	expect(t, "healthz while down", d.Do("GET", "/healthz", nil), 200)
	login := func(pw string) testkit.Response {
		return srv.device(t).Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": pw})
	}
	expect(t, "login while down", login(alicePW), 503, "UNAVAILABLE")
	expect(t, "wrong password while down", login("not alice's password at all"), 503, "UNAVAILABLE")

	pg.Restart()
	restarted := time.Now()
	for time.Since(restarted) < 30*time.Second {
		if r = d.Do("GET", "/api/auth/session", nil); r.Status != 503 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	expect(t, "same cookie after the restart", r, 200)
	t.Logf("session answered again %v after the database restarted", time.Since(restarted))
	for time.Since(restarted) < 30*time.Second {
		if r = d.Do("GET", "/readyz", nil); r.Status != 503 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	expect(t, "readyz after the restart", r, 200)
	expect(t, "activity after the restart", d.Do("GET", "/api/auth/sessions", nil), 200)
	srv.device(t).Login("alice", alicePW)
}

// TestOutageRightAfterRevocation: a session cached on A is revoked through
// B and the database stops at once. A must never answer 200 for it
// afterwards: 401 SESSION_REVOKED if it saw the revocation, 503 once its
// cache is stale. When the database is back, A answers 401.
func TestOutageRightAfterRevocation(t *testing.T) {
	pg := privateCluster(t)
	a := startServer(t, pg.URL, "--dev")
	b := startServer(t, pg.URL, "--dev")
	a.addUser(t, "alice", "patient", alicePW)
	onA := a.device(t)
	onA.Login("alice", alicePW)
	token := onA.cookie().Value
	onB := onA.on(b)
	warm(t, 5, onA, onB)

	expect(t, "logout through B", onB.Do("POST", "/api/auth/logout", nil), 200)
	revoked := time.Now()
	pg.Stop()
	t.Logf("database stopped %v after the revocation", time.Since(revoked))

	// Every answer for 3 s, each with the cookie (sent by hand, since a
	// 401 clears it from a jar).
	seen := map[string]int{}
	for time.Since(revoked) < 3*time.Second {
		r, err := rawCheck(a, "/api/auth/session", token)
		if err != nil {
			t.Fatalf("A: %v", err)
		}
		at := time.Since(revoked)
		switch {
		case r.Status == 401 && r.Code() == "SESSION_REVOKED" && r.Reason() == "logout",
			r.Status == 503 && r.Code() == "UNAVAILABLE":
			seen[fmt.Sprintf("%d %s", r.Status, r.Code())]++
		default:
			t.Fatalf("A answered %d %s %s %v after the revocation (want 401 SESSION_REVOKED logout or 503 UNAVAILABLE): %s",
				r.Status, r.Code(), r.Reason(), at, r.Raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("A's answers after the revocation with the database down: %v", seen)

	pg.Restart()
	restarted := time.Now()
	var r testkit.Response
	for time.Since(restarted) < 30*time.Second {
		var err error
		if r, err = rawCheck(a, "/api/auth/session", token); err != nil {
			t.Fatalf("A: %v", err)
		}
		if r.Status != 503 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	expect(t, "A after the database is back", r, 401, "SESSION_REVOKED", "logout")
}
