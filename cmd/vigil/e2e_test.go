package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil/internal/testkit"
)

const (
	alicePW = "orchid walrus copper lantern"
	bobPW   = "a clinician's long passphrase"
	adminPW = "the keeper of all the keys"
)

// TestPasswordChangeSignsOutEveryDevice is the seed release's central
// claim, proven: two devices signed in, the password changed on one, the
// other (and the first) get 401 SESSION_REVOKED password_changed.
func TestPasswordChangeSignsOutEveryDevice(t *testing.T) {
	srv := startServer(t, "", "--dev")
	srv.addUser(t, "alice", "patient", alicePW)
	phone, laptop := srv.device(t), srv.device(t)
	phone.Login("alice", alicePW)
	laptop.Login("alice", alicePW)
	expect(t, "laptop before", laptop.Do("GET", "/api/auth/session", nil), 200)

	r := phone.Do("POST", "/api/auth/change-password", map[string]string{
		"current_password": alicePW, "new_password": "a brand new passphrase", "confirm_password": "a brand new passphrase"})
	expect(t, "change password", r, 200)
	if r.Body["success"] != true {
		t.Fatalf("change password body: %s", r.Raw)
	}
	if !clearsCookie(r.Header, "vigil_session") {
		t.Errorf("change password did not clear the cookie: %v", r.Header["Set-Cookie"])
	}
	r = laptop.Do("GET", "/api/auth/session", nil)
	expect(t, "other device", r, 401, "SESSION_REVOKED", "password_changed")
	if !clearsCookie(r.Header, "vigil_session") {
		t.Errorf("401 did not clear the cookie: %v", r.Header["Set-Cookie"])
	}
	expect(t, "other device again (cookie gone)", laptop.Do("GET", "/api/auth/session", nil), 401, "UNAUTHENTICATED")
	expect(t, "old password", srv.device(t).Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": alicePW}), 401, "INVALID_CREDENTIALS")
	srv.device(t).Login("alice", "a brand new passphrase")

	code, out, _ := srv.cli(t, "", "audit", "--event", "password_changed_all_sessions_invalidated", "--json")
	if code != 0 || !strings.Contains(out, `"username":"alice"`) || !strings.Contains(out, "sessions_revoked=2") {
		t.Fatalf("audit: exit %d: %s", code, out)
	}
}

// TestCSRFOnChangePassword: the per-session token and the cross-origin
// check are both enforced on change-password.
func TestCSRFOnChangePassword(t *testing.T) {
	srv := startServer(t, "", "--dev")
	srv.addUser(t, "alice", "patient", alicePW)
	d := srv.device(t)
	d.Login("alice", alicePW)
	body := map[string]string{"current_password": alicePW, "new_password": "another long passphrase", "confirm_password": "another long passphrase"}

	expect(t, "no token", d.Do("POST", "/api/auth/change-password", body, "X-CSRF-Token", ""), 403, "CSRF_FAILED")
	expect(t, "wrong token", d.Do("POST", "/api/auth/change-password", body, "X-CSRF-Token", strings.Repeat("A", 43)), 403, "CSRF_FAILED")
	expect(t, "cross-site", d.Do("POST", "/api/auth/change-password", body, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"), 403, "CSRF_FAILED")
	expect(t, "foreign origin, no fetch metadata", d.Do("POST", "/api/auth/change-password", body, "Origin", "https://evil.example", "Sec-Fetch-Site", ""), 403, "CSRF_FAILED")
	expect(t, "cross-site login", srv.device(t).Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": alicePW}, "Sec-Fetch-Site", "cross-site"), 403, "CSRF_FAILED")
	// The refused requests changed nothing: the old password still works.
	expect(t, "session still live", d.Do("GET", "/api/auth/session", nil), 200)
	srv.device(t).Login("alice", alicePW)

	code, out, _ := srv.cli(t, "", "audit", "--event", "csrf_rejected", "--json")
	if code != 0 || strings.Count(out, "\n") < 4 {
		t.Fatalf("want csrf_rejected events, exit %d: %s", code, out)
	}
}

// TestCrossOriginPageFormGetsAPage: a page form posted from another site
// is refused with the error page (403, HTML, a reference for the
// administrator), while the API keeps its JSON error; both are audited
// and neither does anything.
func TestCrossOriginPageFormGetsAPage(t *testing.T) {
	srv := startServer(t, "", "--dev")
	srv.addUser(t, "alice", "patient", alicePW)
	d := srv.device(t)
	d.Login("alice", alicePW)
	evil := []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site", "Content-Type", "application/x-www-form-urlencoded"}

	page := d.Do("POST", "/auth/logout", "csrf_token=whatever", evil...)
	expect(t, "cross-site page form", page, 403)
	if ct := page.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("page refusal Content-Type %q, want text/html", ct)
	}
	id := page.Header.Get("X-Request-Id")
	for _, want := range []string{"Request refused", "sent from another site", id} {
		if id == "" || !strings.Contains(page.Raw, want) {
			t.Errorf("page refusal lacks %q (request id %q):\n%s", want, id, page.Raw)
		}
	}
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("page refusal without the pages' CSP: %q", csp)
	}
	expect(t, "cross-site API call", d.Do("POST", "/api/auth/logout", nil, evil...), 403, "CSRF_FAILED")
	expect(t, "session still live", d.Do("GET", "/api/auth/session", nil), 200)

	code, out, _ := srv.cli(t, "", "audit", "--event", "csrf_rejected", "--json")
	if code != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(out, "/auth/logout") {
		t.Fatalf("want two csrf_rejected events, one for /auth/logout; exit %d: %s", code, out)
	}
}

// TestLoginRotatesSession: a cookie presented at login is revoked server
// side, and the new one differs (no session fixation).
func TestLoginRotatesSession(t *testing.T) {
	srv := startServer(t, "", "--dev")
	srv.addUser(t, "alice", "patient", alicePW)
	d := srv.device(t)
	d.Login("alice", alicePW)
	u := mustURL(t, srv.URL)
	old := d.Client.Jar.Cookies(u)[0].Value
	d.Login("alice", alicePW)
	now := d.Client.Jar.Cookies(u)[0].Value
	if old == now {
		t.Fatal("login kept the session token")
	}
	thief := srv.device(t)
	thief.Client.Jar.SetCookies(u, []*http.Cookie{{Name: "vigil_session", Value: old, Path: "/"}})
	expect(t, "old token", thief.Do("GET", "/api/auth/session", nil), 401, "SESSION_REVOKED", "logout")
	expect(t, "new token", d.Do("GET", "/api/auth/session", nil), 200)
}

// TestProductionCookie: outside --dev the cookie is __Host-, Secure,
// HttpOnly, SameSite=Lax, Path=/, no Domain, and expires with the
// absolute lifetime (7 days by default).
func TestProductionCookie(t *testing.T) {
	srv := startServer(t, "")
	srv.addUser(t, "alice", "patient", alicePW)
	d := srv.device(t)
	r := d.Login("alice", alicePW)
	set := r.Header.Get("Set-Cookie")
	for _, want := range []string{"__Host-vigil_session=", "Path=/", "HttpOnly", "Secure", "SameSite=Lax", "Expires="} {
		if !strings.Contains(set, want) {
			t.Errorf("Set-Cookie %q lacks %q", set, want)
		}
	}
	if strings.Contains(strings.ToLower(set), "domain=") {
		t.Errorf("Set-Cookie has a Domain: %q", set)
	}
	c, err := http.ParseSetCookie(set)
	if err != nil {
		t.Fatal(err)
	}
	created := parseTime(t, r.Body["session"].(map[string]any)["created_at"])
	exp := parseTime(t, r.Body["session"].(map[string]any)["expires_at"])
	if !exp.Equal(created.Add(7 * 24 * time.Hour)) {
		t.Errorf("expires_at %v, want created_at + 168h", exp)
	}
	// The cookie never ends before the session (Expires is whole seconds,
	// rounded up), so the session's last second still gets SESSION_EXPIRED
	// with its reason, not UNAUTHENTICATED.
	if c.Expires.Before(exp) || !c.Expires.Before(exp.Add(time.Second)) {
		t.Errorf("cookie expires %v, session at %v: want the session's end rounded up to the second", c.Expires, exp)
	}
	if r.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS outside --dev")
	}
	// The Secure cookie is not sent back over plain HTTP by a browser; send
	// it by hand, as a TLS-terminating proxy would pass it on.
	req, _ := http.NewRequest("GET", srv.URL+"/api/auth/session", nil)
	req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("session with the production cookie: %d", resp.StatusCode)
	}
}

// TestCLIRevocationReachesServer: `vigil sessions revoke` in another
// process-like run takes effect in the running server within 1 s.
func TestCLIRevocationReachesServer(t *testing.T) {
	srv := startServer(t, "", "--dev")
	srv.addUser(t, "alice", "patient", alicePW)
	d := srv.device(t)
	d.Login("alice", alicePW)
	// Warm the server's cache with this session.
	for range 3 {
		expect(t, "warm", d.Do("GET", "/api/auth/session", nil), 200)
	}
	if code, out, errs := srv.cli(t, "", "sessions", "revoke", "alice"); code != 0 || !strings.Contains(out, "revoked 1") {
		t.Fatalf("sessions revoke: %d %s %s", code, out, errs)
	}
	revoked := time.Now()
	var r testkit.Response
	for time.Since(revoked) < 5*time.Second {
		if r = d.Do("GET", "/api/auth/session", nil); r.Status == 401 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	expect(t, "after CLI revoke", r, 401, "SESSION_REVOKED", "revoked")
	t.Logf("revocation seen after %v", time.Since(revoked))
}

// TestAdminFlow: an admin creates a user without a password, the user
// completes the reset and signs in; disabling signs them out everywhere.
func TestAdminFlow(t *testing.T) {
	srv := startServer(t, "", "--dev")
	srv.addUser(t, "admin", "admin", adminPW)
	srv.addUser(t, "alice", "patient", alicePW)
	adm := srv.device(t)
	adm.Login("admin", adminPW)

	r := adm.Do("POST", "/api/admin/users", map[string]string{"username": "Dr.Carol", "role": "clinician", "clinician_id": "GMC-1234567"})
	expect(t, "create user", r, 201)
	tok, _ := r.Body["reset_token"].(string)
	if tok == "" || r.Body["user"].(map[string]any)["username"] != "dr.carol" {
		t.Fatalf("create user body: %s", r.Raw)
	}
	carol := srv.device(t)
	reset := map[string]string{"reset_token": tok, "new_password": "carol's own passphrase", "confirm_password": "carol's own passphrase"}
	expect(t, "reset", carol.Do("POST", "/api/auth/password-reset", reset), 200)
	expect(t, "reset again", carol.Do("POST", "/api/auth/password-reset", reset), 400, "INVALID_RESET_TOKEN")
	carol.Login("dr.carol", "carol's own passphrase")

	v := carol.Do("GET", "/api/auth/verify?role=clinician,admin", nil)
	expect(t, "verify", v, 200)
	if v.Header.Get("Remote-User") != "dr.carol" || v.Header.Get("Remote-Role") != "clinician" || v.Header.Get("Remote-Clinician-Id") != "GMC-1234567" || v.Header.Get("Remote-Session-Id") == "" {
		t.Fatalf("verify headers: %v", v.Header)
	}
	alice := srv.device(t)
	alice.Login("alice", alicePW)
	expect(t, "patient verify for clinicians", alice.Do("GET", "/api/auth/verify?role=clinician", nil), 403, "FORBIDDEN")
	expect(t, "patient on admin API", alice.Do("GET", "/api/admin/users", nil), 403, "FORBIDDEN")

	expect(t, "disable", adm.Do("POST", "/api/admin/users/dr.carol/disable", nil), 200)
	expect(t, "disabled user's session", carol.Do("GET", "/api/auth/session", nil), 401, "SESSION_REVOKED", "user_disabled")
	expect(t, "disabled user's login", srv.device(t).Do("POST", "/api/auth/login", map[string]string{"username": "dr.carol", "password": "carol's own passphrase"}), 401, "INVALID_CREDENTIALS")

	users := adm.Do("GET", "/api/admin/users", nil)
	expect(t, "list users", users, 200)
	if n := len(users.Body["users"].([]any)); n != 3 {
		t.Fatalf("users: %d: %s", n, users.Raw)
	}
	ev := adm.Do("GET", "/api/admin/audit?username=dr.carol&limit=50", nil)
	expect(t, "audit", ev, 200)
	for _, want := range []string{"user_created", "password_reset_issued", "password_reset_completed", "login_succeeded", "user_disabled"} {
		if !strings.Contains(ev.Raw, `"event":"`+want+`"`) {
			t.Errorf("audit lacks %s: %s", want, ev.Raw)
		}
	}
	pol := adm.Do("GET", "/api/admin/policy", nil)
	expect(t, "policy", pol, 200)
	if !strings.Contains(pol.Raw, "NIST SP 800-63B-4") || !strings.Contains(pol.Raw, "7 days is longer than 24 hours") {
		t.Fatalf("policy report does not name the 7-day deviation: %s", pol.Raw)
	}
}

func clearsCookie(h http.Header, name string) bool {
	for _, v := range h.Values("Set-Cookie") {
		if strings.HasPrefix(v, name+"=;") && strings.Contains(v, "Max-Age=0") {
			return true
		}
	}
	return false
}

func parseTime(t *testing.T, v any) time.Time {
	t.Helper()
	s, _ := v.(string)
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time %v: %v", v, err)
	}
	return tm
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
