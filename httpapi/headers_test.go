package httpapi_test

import (
	"strings"
	"testing"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/httpapi"
	"github.com/vigilauth/vigil/internal/testkit"
)

// TestAuthAnswersAreNotCached: every /api/auth/* answer, success or error,
// carries Cache-Control: no-store, and every one with a body
// X-Content-Type-Options: nosniff (forward auth's 200 has none).
func TestAuthAnswersAreNotCached(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.client()
	anon := h.client()
	answers := map[string]testkit.Response{
		"login failed":     anon.Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": bobPW}),
		"login":            c.Login("alice", alicePW),
		"session":          c.Do("GET", "/api/auth/session", nil),
		"session 401":      anon.Do("GET", "/api/auth/session", nil),
		"refresh":          c.Do("POST", "/api/auth/session/refresh", nil),
		"refresh csrf 403": c.Do("POST", "/api/auth/session/refresh", nil, "X-CSRF-Token", ""),
		"cross-origin 403": c.Do("POST", "/api/auth/session/refresh", nil, "Sec-Fetch-Site", "cross-site"),
		"sessions":         c.Do("GET", "/api/auth/sessions", nil),
		"verify":           c.Do("GET", "/api/auth/verify", nil),
		"verify 401":       anon.Do("GET", "/api/auth/verify", nil),
		"verify 400":       c.Do("GET", "/api/auth/verify?role=bogus", nil),
		"reauth 401":       c.Do("POST", "/api/auth/reauthenticate", map[string]string{"password": bobPW}),
		"reset 400":        anon.Do("POST", "/api/auth/password-reset", resetBody("x")),
		"413":              anon.Do("POST", "/api/auth/login", strings.Repeat(" ", httpapi.MaxBody+1)),
		"415":              anon.Do("POST", "/api/auth/login", "{}", "Content-Type", "text/plain"),
		"405":              anon.Do("GET", "/api/auth/logout", nil),
		"404":              anon.Do("GET", "/api/auth/nope", nil),
		"logout":           c.Do("POST", "/api/auth/logout", nil),
		"logout anonymous": anon.Do("POST", "/api/auth/logout", nil),
	}
	for what, r := range answers {
		if got := r.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s (%d): Cache-Control %q", what, r.Status, got)
		}
		if got := r.Header.Get("X-Content-Type-Options"); got != "nosniff" && r.Raw != "" {
			t.Errorf("%s (%d): X-Content-Type-Options %q", what, r.Status, got)
		}
		if r.Status >= 500 {
			t.Errorf("%s: %d %s", what, r.Status, r.Raw)
		}
	}
}

// TestLogout: logout revokes, clears the cookie and sends Clear-Site-Data;
// without a session it still answers 200; with a live session it needs the
// CSRF token.
func TestLogout(t *testing.T) {
	t.Parallel()
	h := newHarness(t)

	c := loggedIn(h, "alice", alicePW)
	expect(t, "logout without CSRF token", c.Do("POST", "/api/auth/logout", nil, "X-CSRF-Token", ""), 403, vigil.CodeCSRFFailed, "")
	expect(t, "logout with a wrong CSRF token", c.Do("POST", "/api/auth/logout", nil, "X-CSRF-Token", "nope"), 403, vigil.CodeCSRFFailed, "")
	must(t, "session after refused logouts", c.Do("GET", "/api/auth/session", nil), 200)

	tok := c.token()
	r := must(t, "logout", c.Do("POST", "/api/auth/logout", nil), 200)
	checkLogout(t, "logout", r)
	if len(h.events("alice", vigil.EventLogout)) != 1 {
		t.Error("want one logout event")
	}
	expect(t, "after logout", h.withToken(tok).Do("GET", "/api/auth/session", nil), 401, vigil.CodeSessionRevoked, vigil.ReasonLogout)

	checkLogout(t, "logout without a cookie", must(t, "anonymous logout", h.client().Do("POST", "/api/auth/logout", nil), 200))
	checkLogout(t, "logout with a garbage cookie", must(t, "garbage logout", h.withToken("garbage").Do("POST", "/api/auth/logout", nil), 200))
	checkLogout(t, "logout with an ended session", must(t, "repeat logout", h.withToken(tok).Do("POST", "/api/auth/logout", nil, "X-CSRF-Token", ""), 200))
	expect(t, "cross-origin logout", h.client().Do("POST", "/api/auth/logout", nil, "Origin", "https://evil.example", "Sec-Fetch-Site", ""), 403, vigil.CodeCSRFFailed, "")
}

func checkLogout(t *testing.T, what string, r testkit.Response) {
	t.Helper()
	if r.Body["success"] != true {
		t.Errorf("%s: body %s", what, r.Raw)
	}
	if got := r.Header.Get("Clear-Site-Data"); got != `"cookies", "storage"` {
		t.Errorf("%s: Clear-Site-Data %q", what, got)
	}
	if !cleared(r) {
		t.Errorf("%s: cookie not cleared: %q", what, r.Header.Values("Set-Cookie"))
	}
}
