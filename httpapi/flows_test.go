package httpapi_test

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/httpapi"
	"github.com/vigilauth/vigil/internal/testkit"
)

// TestThrottledAttemptComputesNoHash: once a username is locked, neither a
// wrong nor a right password is hashed; unknown users cost a dummy verify
// like known ones (SPEC §3 throttling and enumeration).
func TestThrottledAttemptComputesNoHash(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.client()
	before := h.Hasher.Dummies.Load()
	expect(t, "unknown user", c.Do("POST", "/api/auth/login", map[string]string{"username": "mallory", "password": alicePW}), 401, vigil.CodeInvalidCredentials, "")
	if h.Hasher.Dummies.Load() != before+1 {
		t.Error("an unknown username did not cost a dummy verify")
	}
	for range 5 {
		c.Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": bobPW})
	}
	n := h.Hasher.Total()
	for _, pw := range []string{bobPW, alicePW} {
		expect(t, "throttled", c.Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": pw}), 429, vigil.CodeRateLimited, "")
	}
	if got := h.Hasher.Total(); got != n {
		t.Errorf("throttled attempts computed %d hashes", got-n)
	}
	// The wait doubles with each further failure once locked (capped at 1 h).
	h.Clock.Advance(61 * time.Second)
	expect(t, "sixth failure", c.Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": bobPW}), 401, vigil.CodeInvalidCredentials, "")
	r := c.Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": alicePW})
	expect(t, "after the sixth failure", r, 429, vigil.CodeRateLimited, "")
	if got := r.Header.Get("Retry-After"); got != "120" {
		t.Errorf("Retry-After after the sixth failure %q, want 120", got)
	}
	// Another username is not affected.
	h.client().Login("bob", bobPW)
}

// TestChangePasswordFailuresAreThrottled: failed current-password checks
// count toward the username's lock, and the lock then covers login too.
func TestChangePasswordFailuresAreThrottled(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := loggedIn(h, "alice", alicePW)
	body := func(current string) map[string]string {
		return map[string]string{"current_password": current, "new_password": "tidal-copper-orchard-3319", "confirm_password": "tidal-copper-orchard-3319"}
	}
	for i := range 5 {
		expect(t, fmt.Sprintf("wrong current %d", i+1), c.Do("POST", "/api/auth/change-password", body(bobPW)), 401, vigil.CodeInvalidCredentials, "")
	}
	r := c.Do("POST", "/api/auth/change-password", body(alicePW))
	expect(t, "right current password while locked", r, 429, vigil.CodeRateLimited, "")
	if r.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	expect(t, "login while locked", h.client().Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": alicePW}), 429, vigil.CodeRateLimited, "")
	must(t, "the session itself is unaffected", c.Do("GET", "/api/auth/session", nil), 200)
	h.Clock.Advance(61 * time.Second)
	must(t, "change after the lock", c.Do("POST", "/api/auth/change-password", body(alicePW)), 200)
	h.client().Login("alice", "tidal-copper-orchard-3319")
	expect(t, "old password", h.client().Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": alicePW}), 401, vigil.CodeInvalidCredentials, "")
}

// TestPasswordReset: a weak password does not use the token up; the token
// is single-use; the new password works and the old does not.
func TestPasswordReset(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tok := issueReset(t, h, "alice")
	c := h.client()
	expect(t, "mismatch", c.Do("POST", "/api/auth/password-reset", map[string]string{"reset_token": tok, "new_password": "tidal-copper-orchard-3319", "confirm_password": "x"}), 400, vigil.CodePasswordMismatch, "")
	expect(t, "weak", c.Do("POST", "/api/auth/password-reset", map[string]string{"reset_token": tok, "new_password": "password", "confirm_password": "password"}), 400, vigil.CodeWeakPassword, "")
	r := c.Do("POST", "/api/auth/password-reset", map[string]string{"reset_token": tok, "new_password": alicePW, "confirm_password": alicePW})
	expect(t, "current password", r, 400, vigil.CodeWeakPassword, "")
	must(t, "reset", c.Do("POST", "/api/auth/password-reset", resetBody(tok)), 200)
	expect(t, "reuse", c.Do("POST", "/api/auth/password-reset", resetBody(tok)), 400, vigil.CodeInvalidResetToken, "")
	h.client().Login("alice", "tidal-copper-orchard-3319")
	expect(t, "old password", h.client().Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": alicePW}), 401, vigil.CodeInvalidCredentials, "")

	// A newer token replaces an older one.
	old, newer := issueReset(t, h, "bob"), issueReset(t, h, "bob")
	expect(t, "older token", c.Do("POST", "/api/auth/password-reset", resetBody(old)), 400, vigil.CodeInvalidResetToken, "")
	must(t, "newer token", c.Do("POST", "/api/auth/password-reset", resetBody(newer)), 200)
}

// TestSessionLimitRevokesOldest: beyond --max-sessions the oldest session
// goes, not a newer one.
func TestSessionLimitRevokesOldest(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPolicy(func(p *vigil.Policy) { p.MaxSessions = 2 }))
	first := loggedIn(h, "alice", alicePW)
	h.Clock.Advance(time.Second)
	second := loggedIn(h, "alice", alicePW)
	h.Clock.Advance(time.Second)
	must(t, "first is active", first.Do("POST", "/api/auth/session/refresh", nil), 200)
	h.Clock.Advance(time.Second)
	third := loggedIn(h, "alice", alicePW)
	expect(t, "first (oldest login)", first.Do("GET", "/api/auth/session", nil), 401, vigil.CodeSessionRevoked, vigil.ReasonSessionLimit)
	must(t, "second", second.Do("GET", "/api/auth/session", nil), 200)
	must(t, "third", third.Do("GET", "/api/auth/session", nil), 200)
	loggedIn(h, "bob", bobPW) // other users are not counted
	must(t, "second after bob", second.Do("GET", "/api/auth/session", nil), 200)
}

// TestSessionEndpoints: the session's CSRF token is stable until rotation;
// revoking one's own current session clears its cookie.
func TestSessionEndpoints(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.client()
	login := c.Login("bob", bobPW)
	if login.Str("user", "username") != "bob" || login.Str("user", "role") != "clinician" || login.Str("user", "clinician_id") != "C-17" {
		t.Errorf("login user: %s", login.Raw)
	}
	ck := sessionCookie(login)
	if ck == nil || !ck.HttpOnly || ck.Path != "/" || ck.Secure || ck.Expires.IsZero() {
		t.Errorf("login cookie: %v", login.Header.Values("Set-Cookie"))
	}
	// Expires is whole seconds, rounded up: the cookie never ends before
	// the session does.
	if exp := parseTime(t, login.Str("session", "expires_at")); ck.Expires.Before(exp) || !ck.Expires.Before(exp.Add(time.Second)) {
		t.Errorf("cookie Expires %v, session expires_at %v", ck.Expires, exp)
	}
	s := must(t, "session", c.Do("GET", "/api/auth/session", nil), 200)
	if s.Str("csrf_token") != login.Str("csrf_token") || s.Str("session", "id") != login.Str("session", "id") {
		t.Errorf("session differs from login: %s vs %s", s.Raw, login.Raw)
	}
	for _, k := range []string{"created_at", "last_activity", "expires_at", "idle_expires_at"} {
		if v := s.Str("session", k); !strings.HasSuffix(v, "Z") {
			t.Errorf("%s %q is not RFC 3339 UTC", k, v)
		}
	}
	id := s.Str("session", "id")
	if strings.Contains(c.token(), id) || id == "" {
		t.Error("the public id is empty or part of the token")
	}
	r := must(t, "revoke own", c.Do("DELETE", "/api/auth/sessions/"+url.PathEscape(id), nil), 200)
	if !cleared(r) {
		t.Error("revoking the current session did not clear its cookie")
	}
	expect(t, "after", h.withToken(ck.Value).Do("GET", "/api/auth/session", nil), 401, vigil.CodeSessionRevoked, vigil.ReasonRevoked)
}

// TestCrossOriginRules: Sec-Fetch-Site same-origin and none pass, others
// do not; an Origin matching the host or --public-url passes.
func TestCrossOriginRules(t *testing.T) {
	t.Parallel()
	public, _ := url.Parse("https://vigil.example")
	h := newHarness(t, withDeps(func(d *httpapi.Deps) { d.PublicURL = public }))
	login := map[string]string{"username": "alice", "password": alicePW}
	for _, tc := range []struct {
		site, origin string
		ok           bool
	}{
		{"same-origin", "", true},
		{"none", "", true},
		{"same-site", "", false},
		{"cross-site", "", false},
		{"", h.URL, true},
		{"", "https://vigil.example", true},
		{"", "https://evil.example", false},
		{"", "null", false},
		{"", "", true}, // no browser headers: not a browser's cross-origin request
	} {
		r := h.client().Do("POST", "/api/auth/login", login, "Sec-Fetch-Site", tc.site, "Origin", tc.origin)
		if tc.ok {
			must(t, fmt.Sprintf("site %q origin %q", tc.site, tc.origin), r, 200)
		} else {
			expect(t, fmt.Sprintf("site %q origin %q", tc.site, tc.origin), r, 403, vigil.CodeCSRFFailed, "")
		}
	}
}

// TestBodyLimitBoundary: exactly 64 KiB is read, one byte more is 413,
// with or without Content-Length.
func TestBodyLimitBoundary(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	obj := `{"username":"nobody","password":"x"}`
	exact := obj + strings.Repeat(" ", httpapi.MaxBody-len(obj))
	over := exact + " "
	c := h.client()
	expect(t, "exactly 64 KiB", c.Do("POST", "/api/auth/login", exact), 401, vigil.CodeInvalidCredentials, "")
	expect(t, "exactly 64 KiB chunked", c.Do("POST", "/api/auth/login", io.MultiReader(strings.NewReader(exact))), 401, vigil.CodeInvalidCredentials, "")
	expect(t, "64 KiB + 1", c.Do("POST", "/api/auth/login", over), 413, vigil.CodePayloadTooLarge, "")
	expect(t, "64 KiB + 1 chunked", c.Do("POST", "/api/auth/login", io.MultiReader(strings.NewReader(over))), 413, vigil.CodePayloadTooLarge, "")
	must(t, "the server still answers", c.Do("GET", "/healthz", nil), 200)
}

// TestMediaTypes: JSON with parameters or in capitals is JSON; other types
// are 415.
func TestMediaTypes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	body := `{"username":"nobody","password":"x"}`
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON"} {
		expect(t, ct, h.client().Do("POST", "/api/auth/login", body, "Content-Type", ct), 401, vigil.CodeInvalidCredentials, "")
	}
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", "text/json", "application/json-seq", "garbage;;", "application/json; charset"} {
		expect(t, ct, h.client().Do("POST", "/api/auth/login", body, "Content-Type", ct), 415, vigil.CodeUnsupportedMediaType, "")
	}
}

// TestConcurrentRequests: many requests of one session at once (the hot
// path, with the session cache) all succeed, and a revocation in the
// middle of them is obeyed by every later request.
func TestConcurrentRequests(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := loggedIn(h, "alice", alicePW)
	tok, csrf := c.token(), c.CSRF
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := h.withToken(tok)
			d.CSRF = csrf
			var r testkit.Response
			switch i % 4 {
			case 0:
				r = d.Do("GET", "/api/auth/session", nil)
			case 1:
				r = d.Do("GET", "/api/auth/verify", nil)
			case 2:
				r = d.Do("POST", "/api/auth/session/refresh", nil)
			default:
				r = d.Do("GET", "/api/auth/sessions", nil)
			}
			if r.Status != 200 {
				errs <- fmt.Sprintf("request %d: %d %s", i, r.Status, r.Raw)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	must(t, "logout", c.Do("POST", "/api/auth/logout", nil), 200)
	for range 4 {
		expect(t, "after logout", h.withToken(tok).Do("GET", "/api/auth/verify", nil), 401, vigil.CodeSessionRevoked, vigil.ReasonLogout)
	}
}
