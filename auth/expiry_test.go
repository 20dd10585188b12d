package auth_test

import (
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

// cacheMode is one way for the engine to answer checks.
type cacheMode struct {
	name   string
	cached bool
}

// cacheModes runs a test with every check reading the store, and with the
// engine's cache on (its revocation follower running).
var cacheModes = []cacheMode{{"store", false}, {"cached", true}}

// env is newEnv(t, nil) in mode m: with the engine running (its cache on)
// when m.cached.
func (m cacheMode) env(t *testing.T) *env {
	t.Helper()
	e := newEnv(t, nil)
	if m.cached {
		e.runEngine(e.eng)
	}
	return e
}

func TestAbsoluteLifetimeEndsAnActiveSession(t *testing.T) {
	t.Parallel()
	for _, m := range cacheModes {
		t.Run(m.name, func(t *testing.T) {
			e := m.env(t)
			pw := e.addUser("alice", vigil.RolePatient)
			tok := e.login("alice", pw).Token

			// Activity all week long, never 30 minutes apart, and every
			// minute in the last hour: never idle. (Every minute for the
			// whole week would be 10,080 store writes for no more cover.)
			for d := 25 * time.Minute; d < lifetime-time.Hour; d += 25 * time.Minute {
				e.clock.Set(d)
				e.alive(tok, true)
			}
			for d := lifetime - time.Hour; d < lifetime; d += time.Minute {
				e.clock.Set(d)
				e.alive(tok, true)
			}
			e.clock.Set(lifetime - time.Microsecond)
			e.alive(tok, true)

			e.clock.Set(lifetime)
			_, err := e.eng.Check(e.ctx, tok, true)
			wantErr(t, err, vigil.CodeSessionExpired, vigil.ReasonLifetime)

			// Asked again, later: the same answer, and one audit event.
			e.clock.Set(lifetime + time.Hour)
			e.ended(tok, vigil.CodeSessionExpired, vigil.ReasonLifetime)
			e.ended(tok, vigil.CodeSessionExpired, vigil.ReasonLifetime)
			if n := e.countEvents(vigil.EventSessionExpiredLifetime, "alice"); n != 1 {
				t.Errorf("%d session_expired_lifetime events, want 1", n)
			}
		})
	}
}

func TestInactivityTimeout(t *testing.T) {
	t.Parallel()
	for _, m := range cacheModes {
		t.Run(m.name, func(t *testing.T) {
			e := m.env(t)
			pw := e.addUser("alice", vigil.RolePatient)
			tok := e.login("alice", pw).Token

			// Activity at 10m (recorded) moves the end to 40m.
			e.clock.Set(10 * time.Minute)
			e.alive(tok, true)
			// Checks that are not activity (GET /api/auth/session) do not.
			for _, d := range []time.Duration{20 * time.Minute, 30 * time.Minute, 39 * time.Minute} {
				e.clock.Set(d)
				e.alive(tok, false)
			}
			e.clock.Set(10*time.Minute + idle - time.Microsecond)
			e.alive(tok, false)

			e.clock.Set(10*time.Minute + idle)
			_, err := e.eng.Check(e.ctx, tok, true)
			wantErr(t, err, vigil.CodeSessionExpired, vigil.ReasonInactivity)

			// Later checks, even past the lifetime, keep the reason; one event.
			e.clock.Set(lifetime + time.Hour)
			e.ended(tok, vigil.CodeSessionExpired, vigil.ReasonInactivity)
			if n := e.countEvents(vigil.EventSessionExpiredInactivity, "alice"); n != 1 {
				t.Errorf("%d session_expired_inactivity events, want 1", n)
			}
		})
	}
}

// TestInactivityMayEndEarlyNeverLate: activity is recorded at most every 1%
// of the idle timeout, so a session may end up to 1% early, never late.
func TestInactivityMayEndEarlyNeverLate(t *testing.T) {
	t.Parallel()
	for _, m := range cacheModes {
		for _, last := range []time.Duration{0, time.Second, 10 * time.Second, gran - time.Microsecond} {
			t.Run(m.name+"/last="+last.String(), func(t *testing.T) {
				e := m.env(t)
				pw := e.addUser("alice", vigil.RolePatient)
				start := 5 * time.Minute
				e.clock.Set(start - time.Minute)
				tok := e.login("alice", pw).Token

				e.clock.Set(start) // recorded
				e.alive(tok, true)
				e.clock.Set(start + last) // the user's last activity; maybe not recorded
				e.alive(tok, true)

				// Alive until 1% (and a bit) before the full timeout...
				e.clock.Set(start + last + idle - gran - time.Microsecond)
				e.alive(tok, false)
				// ...and never alive once the timeout has passed since the last activity.
				e.clock.Set(start + last + idle)
				_, err := e.eng.Check(e.ctx, tok, false)
				wantErr(t, err, vigil.CodeSessionExpired, vigil.ReasonInactivity)
			})
		}
	}
}

func TestActivityIsRecordedCoarsely(t *testing.T) {
	t.Parallel()
	for _, m := range cacheModes {
		t.Run(m.name, func(t *testing.T) {
			e := m.env(t)
			pw := e.addUser("alice", vigil.RolePatient)
			tok := e.login("alice", pw).Token

			// 1,000 requests within one second: at most one write.
			for i := range 1000 {
				e.clock.Set(time.Duration(i) * time.Millisecond)
				e.alive(tok, true)
			}
			if n := e.store.touches.Load(); n > 1 {
				t.Errorf("1,000 checks in 1 s wrote activity %d times, want at most 1", n)
			}

			// A request every second for 30 minutes: about one write per 18 s.
			e.store.touches.Store(0)
			for s := 1; s <= 30*60; s++ {
				e.clock.Set(time.Second + time.Duration(s)*time.Second)
				e.alive(tok, true)
			}
			low := int64(90)
			if m.cached {
				// A running engine batches activity and writes it every
				// 100 ms of real time, which this loop of fake time
				// outruns: fewer writes, never more.
				time.Sleep(300 * time.Millisecond)
				low = 1
			}
			if n := e.store.touches.Load(); n > 101 || n < low {
				t.Errorf("1,800 checks in 30 min wrote activity %d times, want %d to 101", n, low)
			}
			// ...and the session is still alive: the writes kept it so.
			e.clock.Advance(idle - gran - time.Second)
			e.alive(tok, false)
		})
	}
}

func TestPerRolePolicy(t *testing.T) {
	t.Parallel()
	policy := defaultPolicy()
	policy.RoleIdle = map[vigil.Role]time.Duration{vigil.RoleClinician: 15 * time.Minute}
	policy.RoleLifetime = map[vigil.Role]time.Duration{vigil.RoleClinician: 12 * time.Hour}
	withRoles := func(o *auth.Options) { o.Policy = policy }

	tests := []struct {
		role           vigil.Role
		idle, lifetime time.Duration
	}{
		{vigil.RoleClinician, 15 * time.Minute, 12 * time.Hour},
		{vigil.RolePatient, idle, lifetime},
	}
	for _, tc := range tests {
		t.Run(string(tc.role)+"/idle", func(t *testing.T) {
			e := newEnv(t, withRoles)
			pw := e.addUser("user1", tc.role)
			cur := e.login("user1", pw)
			if cur.Limits.IdleTimeout != tc.idle || cur.Limits.Lifetime != tc.lifetime {
				t.Errorf("Limits = %+v, want idle %v, lifetime %v", cur.Limits, tc.idle, tc.lifetime)
			}
			e.clock.Set(tc.idle - time.Microsecond)
			e.alive(cur.Token, false)
			e.clock.Set(tc.idle)
			e.ended(cur.Token, vigil.CodeSessionExpired, vigil.ReasonInactivity)
		})
		t.Run(string(tc.role)+"/lifetime", func(t *testing.T) {
			e := newEnv(t, withRoles)
			pw := e.addUser("user1", tc.role)
			tok := e.login("user1", pw).Token
			for d := tc.idle * 9 / 10; d < tc.lifetime; d += tc.idle * 9 / 10 {
				e.clock.Set(d)
				e.alive(tok, true)
			}
			e.clock.Set(tc.lifetime - time.Microsecond)
			e.alive(tok, true)
			e.clock.Set(tc.lifetime)
			e.ended(tok, vigil.CodeSessionExpired, vigil.ReasonLifetime)
		})
	}
}

// TestLoweredLifetimeAppliesToExistingSessions: a policy change applies to
// existing sessions at once (SPEC §2: lowering 30 days to 7 days ends the
// sessions that are already older than 7 days).
func TestLoweredLifetimeAppliesToExistingSessions(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	e := newEnv(t, func(o *auth.Options) {
		o.Policy.Lifetime = 30 * day
		o.Policy.IdleTimeout = 2 * day
	})
	pw := e.addUser("alice", vigil.RolePatient)
	old := e.login("alice", pw).Token
	e.clock.Set(3 * day)
	young := e.login("alice", pw).Token
	for d := day; d <= 8*day; d += day {
		e.clock.Set(d)
		e.alive(old, true)
		if d > 3*day {
			e.alive(young, true)
		}
	}

	// The server restarts with --lifetime 168h.
	lowered := e.newEngine(func(o *auth.Options) { o.Policy.Lifetime = 7 * day })
	_, err := lowered.Check(e.ctx, old, false)
	wantErr(t, err, vigil.CodeSessionExpired, vigil.ReasonLifetime)
	e.aliveWith(lowered, young, false) // 5 days old
	// Every instance now answers the same for the old session.
	e.ended(old, vigil.CodeSessionExpired, vigil.ReasonLifetime)
	if n := e.countEvents(vigil.EventSessionExpiredLifetime, "alice"); n != 1 {
		t.Errorf("%d session_expired_lifetime events, want 1", n)
	}
}
