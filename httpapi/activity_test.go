package httpapi_test

import (
	"testing"
	"time"

	"github.com/vigilauth/vigil"
)

// idleExpiry reads session.idle_expires_at from GET /api/auth/session
// (which is not activity itself).
func idleExpiry(t *testing.T, c *client) time.Time {
	t.Helper()
	r := must(t, "session", c.Do("GET", "/api/auth/session", nil), 200)
	return parseTime(t, r.Str("session", "idle_expires_at"))
}

func parseTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return v
}

// TestActivitySemantics: polling the session and background requests are
// not activity; refresh and other requests are, recorded at most every 1%
// of the idle timeout (18 s of 30 min).
func TestActivitySemantics(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	t0 := h.Clock.Now()
	c := loggedIn(h, "alice", alicePW)
	if got, want := idleExpiry(t, c), t0.Add(30*time.Minute); !got.Equal(want) {
		t.Fatalf("idle_expires_at after login %v, want %v", got, want)
	}

	h.Clock.Advance(time.Minute)
	if got := idleExpiry(t, c); !got.Equal(t0.Add(30 * time.Minute)) {
		t.Errorf("GET /api/auth/session counted as activity: idle_expires_at %v", got)
	}
	must(t, "background list", c.Do("GET", "/api/auth/sessions", nil, "Vigil-Activity", "background"), 200)
	must(t, "background refresh", c.Do("POST", "/api/auth/session/refresh", nil, "Vigil-Activity", "background"), 200)
	must(t, "background verify", c.Do("GET", "/api/auth/verify", nil, "Vigil-Activity", "background"), 200)
	if got := idleExpiry(t, c); !got.Equal(t0.Add(30 * time.Minute)) {
		t.Errorf("a background request counted as activity: idle_expires_at %v", got)
	}

	r := must(t, "refresh", c.Do("POST", "/api/auth/session/refresh", nil), 200)
	want := t0.Add(time.Minute + 30*time.Minute)
	if got := parseTime(t, r.Str("session", "idle_expires_at")); !got.Equal(want) {
		t.Errorf("refresh answered idle_expires_at %v, want %v", got, want)
	}
	if got := idleExpiry(t, c); !got.Equal(want) {
		t.Errorf("after refresh idle_expires_at %v, want %v", got, want)
	}

	// Within the 1% granularity nothing is recorded (no write per request).
	h.Clock.Advance(17 * time.Second)
	must(t, "refresh within granularity", c.Do("POST", "/api/auth/session/refresh", nil), 200)
	if got := idleExpiry(t, c); !got.Equal(want) {
		t.Errorf("activity within 1%% of the idle timeout was recorded: %v", got)
	}
	// Once the granularity has passed, any ordinary request is activity.
	h.Clock.Advance(time.Second)
	must(t, "list sessions", c.Do("GET", "/api/auth/sessions", nil), 200)
	want = t0.Add(time.Minute + 18*time.Second + 30*time.Minute)
	if got := idleExpiry(t, c); !got.Equal(want) {
		t.Errorf("after an ordinary request idle_expires_at %v, want %v", got, want)
	}

	// Polling alone never keeps the session alive.
	for h.Clock.Now().Before(want.Add(-time.Second)) {
		h.Clock.Advance(min(5*time.Minute, want.Sub(h.Clock.Now())-time.Second))
		must(t, "poll", c.Do("GET", "/api/auth/session", nil), 200)
	}
	h.Clock.Advance(want.Sub(h.Clock.Now()))
	expect(t, "after polling only", c.Do("GET", "/api/auth/session", nil), 401, vigil.CodeSessionExpired, vigil.ReasonInactivity)
}

// TestSessionsList: newest activity first, current on the caller's own,
// ip and user_agent recorded.
func TestSessionsList(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	laptop, phone := h.client(), h.client()
	laptop.UserAgent, phone.UserAgent = "laptop-browser/1.0", "phone-browser/2.0"
	laptop.Login("alice", alicePW)
	h.Clock.Advance(time.Minute)
	phone.Login("alice", alicePW)
	loggedIn(h, "bob", bobPW) // someone else's session is never listed
	h.Clock.Advance(time.Minute)
	must(t, "laptop activity", laptop.Do("POST", "/api/auth/session/refresh", nil), 200)
	h.Clock.Advance(time.Second)

	r := must(t, "list", phone.Do("GET", "/api/auth/sessions", nil, "Vigil-Activity", "background"), 200)
	list, _ := r.Body["sessions"].([]any)
	if len(list) != 2 {
		t.Fatalf("want alice's 2 sessions: %s", r.Raw)
	}
	first, second := list[0].(map[string]any), list[1].(map[string]any)
	if first["user_agent"] != "laptop-browser/1.0" || first["current"] != false {
		t.Errorf("first (most recent activity) should be the laptop, not current: %v", first)
	}
	if second["user_agent"] != "phone-browser/2.0" || second["current"] != true {
		t.Errorf("second should be the phone, current: %v", second)
	}
	for _, s := range []map[string]any{first, second} {
		if s["ip"] != "127.0.0.1" {
			t.Errorf("ip %v, want 127.0.0.1", s["ip"])
		}
		for _, k := range []string{"id", "created_at", "last_activity", "expires_at", "idle_expires_at"} {
			if v, _ := s[k].(string); v == "" {
				t.Errorf("field %s missing: %v", k, s)
			}
		}
	}
	if parseTime(t, first["last_activity"].(string)).Before(parseTime(t, second["last_activity"].(string))) {
		t.Error("not ordered by most recent activity")
	}
}

// TestPerRoleLimits: a role's own idle timeout and lifetime apply to its
// sessions, and show in the session's times.
func TestPerRoleLimits(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPolicy(func(p *vigil.Policy) {
		p.RoleIdle = map[vigil.Role]time.Duration{vigil.RoleClinician: 15 * time.Minute}
		p.RoleLifetime = map[vigil.Role]time.Duration{vigil.RoleClinician: 12 * time.Hour}
	}))
	t0 := h.Clock.Now()
	bob, alice := loggedIn(h, "bob", bobPW), loggedIn(h, "alice", alicePW)
	r := must(t, "bob", bob.Do("GET", "/api/auth/session", nil), 200)
	if got := parseTime(t, r.Str("session", "idle_expires_at")); !got.Equal(t0.Add(15 * time.Minute)) {
		t.Errorf("bob idle_expires_at %v", got)
	}
	if got := parseTime(t, r.Str("session", "expires_at")); !got.Equal(t0.Add(12 * time.Hour)) {
		t.Errorf("bob expires_at %v", got)
	}
	h.Clock.Advance(15 * time.Minute)
	expect(t, "clinician after 15 min", bob.Do("GET", "/api/auth/verify", nil), 401, vigil.CodeSessionExpired, vigil.ReasonInactivity)
	must(t, "patient after 15 min", alice.Do("GET", "/api/auth/verify", nil), 200)
}
