package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestMetrics: --metrics-addr serves Prometheus text with vigil's counters,
// on its own listener.
func TestMetrics(t *testing.T) {
	srv := startServer(t, "", "--dev", "--metrics-addr", "127.0.0.1:0")
	srv.addUser(t, "alice", "patient", alicePW)
	d := srv.device(t)
	d.Login("alice", alicePW)
	d.Do("GET", "/api/auth/session", nil)
	d.Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": "wrong password, long"})

	var addr string
	deadline := time.Now().Add(10 * time.Second)
	for addr == "" && time.Now().Before(deadline) {
		if m := regexp.MustCompile(`msg="metrics listening" addr=(\S+)`).FindStringSubmatch(srv.stderr.String()); m != nil {
			addr = m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	if addr == "" {
		t.Fatalf("metrics listener not started: %s", srv.stderr.String())
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	text := string(body)
	for _, want := range []string{
		"vigil_logins_total 1", "vigil_login_failures_total 1", "vigil_session_checks_total",
		`vigil_http_requests_total{code="200",method="get"}`, "vigil_password_hashes_running", "go_goroutines",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// The API listener does not serve them.
	if r := d.Do("GET", "/metrics", nil); r.Status == 200 && strings.Contains(r.Raw, "vigil_logins_total") {
		t.Error("metrics are served on the public listener")
	}
}

// TestUpstream: --upstream puts an app behind vigil: with a session it
// gets the identity headers (never the client's own, never the cookie),
// without one a page is sent to sign in.
func TestUpstream(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "path="+r.URL.Path+" user="+r.Header.Get("Remote-User")+" role="+r.Header.Get("Remote-Role")+" cookie="+r.Header.Get("Cookie"))
	}))
	defer app.Close()
	srv := startServer(t, "", "--dev", "--upstream", app.URL, "--public-paths", "/static")
	srv.addUser(t, "alice", "patient", alicePW)
	d := srv.device(t)
	d.Login("alice", alicePW)
	r := d.Do("GET", "/notes/1", nil, "Remote-User", "admin")
	if r.Status != 200 || r.Raw != "path=/notes/1 user=alice role=patient cookie=" {
		t.Fatalf("through vigil: %d %q", r.Status, r.Raw)
	}
	anon := srv.device(t)
	anon.Client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	r = anon.Do("GET", "/notes/1", nil, "Accept", "text/html")
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/auth/login?rd=") {
		t.Fatalf("page without session: %d %v", r.Status, r.Header.Get("Location"))
	}
	expect(t, "API without session", anon.Do("GET", "/api/notes", nil), 401, "UNAUTHENTICATED")
	if r = anon.Do("GET", "/static/app.css", nil); r.Status != 200 || r.Raw != "path=/static/app.css user= role= cookie=" {
		t.Fatalf("public path: %d %q", r.Status, r.Raw)
	}
	// vigil's own routes stay vigil's.
	expect(t, "vigil's API", d.Do("GET", "/api/auth/session", nil), 200)
}

// TestRoutePrefix: --route-prefix moves every route of vigil's own under
// the prefix (API, pages, static files, health), and everything they write
// — links, forms, redirects, the forward-auth path — says so; outside it
// the app behind vigil owns every path, its own /auth/ and /api/ too.
func TestRoutePrefix(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "app path="+r.URL.Path+" user="+r.Header.Get("Remote-User"))
	}))
	defer app.Close()
	srv := startServer(t, "", "--dev", "--upstream", app.URL, "--route-prefix", "/vigil")
	srv.addUser(t, "alice", "patient", alicePW)
	d := srv.device(t)
	d.Client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	expect(t, "health under the prefix", d.Do("GET", "/vigil/healthz", nil), 200)
	r := d.Do("GET", "/auth/login", nil, "Accept", "text/html")
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/vigil/auth/login?rd=%2Fauth%2Flogin" {
		t.Fatalf("the app's own /auth/login without a session: %d %q, want a redirect to vigil's sign-in under the prefix", r.Status, r.Header.Get("Location"))
	}
	r = d.Do("GET", "/vigil/auth/account", nil, "Accept", "text/html")
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/vigil/auth/login?rd=%2Fvigil%2Fauth%2Faccount" {
		t.Fatalf("vigil's account page without a session: %d %q", r.Status, r.Header.Get("Location"))
	}
	login := d.Do("POST", "/vigil/api/auth/login", map[string]string{"username": "alice", "password": alicePW})
	expect(t, "login under the prefix", login, 200)

	for path, want := range map[string]string{
		"/api/auth/session": "app path=/api/auth/session user=alice", // the app's, not vigil's
		"/auth/account":     "app path=/auth/account user=alice",
		"/vigil2/x":         "app path=/vigil2/x user=alice",
	} {
		if r := d.Do("GET", path, nil); r.Status != 200 || r.Raw != want {
			t.Errorf("GET %s: %d %q, want the app's %q", path, r.Status, r.Raw, want)
		}
	}
	own := d.Do("GET", "/vigil/api/auth/session", nil)
	expect(t, "vigil's session under the prefix", own, 200)
	if own.Header.Get("Cache-Control") != "no-store" || own.Header.Get("Content-Security-Policy") != "default-src 'none'; frame-ancestors 'none'" {
		t.Errorf("vigil's API under the prefix: Cache-Control %q, CSP %q; want the API's no-store and CSP",
			own.Header.Get("Cache-Control"), own.Header.Get("Content-Security-Policy"))
	}
	if apps := d.Do("GET", "/api/auth/session", nil); apps.Header.Get("Content-Security-Policy") != "" {
		t.Errorf("the app's own /api/ answer got vigil's API CSP %q", apps.Header.Get("Content-Security-Policy"))
	}
	if r := d.Do("GET", "/vigil/api/auth/verify", nil); r.Status != 200 || r.Header.Get("Remote-User") != "alice" {
		t.Errorf("forward auth under the prefix: %d %q", r.Status, r.Header.Get("Remote-User"))
	}
	if r := d.Do("GET", "/vigil/auth/static/vigil.js", nil); r.Status != 200 || !strings.Contains(r.Raw, "vigilIdle") {
		t.Errorf("vigil.js under the prefix: %d", r.Status)
	}

	if r := d.Do("GET", "/vigil/", nil); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/vigil/auth/account" {
		t.Errorf("GET /vigil/ signed in: %d %q, want the account page", r.Status, r.Header.Get("Location"))
	}
	page := d.Do("GET", "/vigil/auth/account", nil)
	expect(t, "account page under the prefix", page, 200)
	refs := regexp.MustCompile(`(?:href|src|action)="(/[^"]*)"`).FindAllStringSubmatch(page.Raw, -1)
	if len(refs) < 5 {
		t.Fatalf("only %d links on the account page", len(refs))
	}
	for _, m := range refs {
		if !strings.HasPrefix(m[1], "/vigil/") {
			t.Errorf("the account page links to %q, outside the prefix", m[1])
		}
	}
	csrf := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(page.Raw)
	if csrf == nil {
		t.Fatal("no csrf_token on the account page")
	}
	r = d.Do("POST", "/vigil/auth/logout", "csrf_token="+csrf[1], "Content-Type", "application/x-www-form-urlencoded")
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/vigil/auth/login?reason=logout" {
		t.Errorf("sign-out form: %d %q", r.Status, r.Header.Get("Location"))
	}
	expect(t, "signed out", d.Do("GET", "/vigil/api/auth/session", nil), 401)
}

// TestRoutePrefixWithoutUpstream: with no app behind vigil, "/" leads to
// vigil's home under the prefix, and the paths vigil would serve without a
// prefix are not found.
func TestRoutePrefixWithoutUpstream(t *testing.T) {
	srv := startServer(t, "", "--dev", "--route-prefix", "/sso")
	d := srv.device(t)
	d.Client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if r := d.Do("GET", "/", nil); r.Status != http.StatusFound || r.Header.Get("Location") != "/sso/" {
		t.Errorf("GET /: %d %q, want a redirect to /sso/", r.Status, r.Header.Get("Location"))
	}
	if r := d.Do("GET", "/sso/", nil); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/sso/auth/login" {
		t.Errorf("GET /sso/: %d %q, want the sign-in page under the prefix", r.Status, r.Header.Get("Location"))
	}
	expect(t, "sign-in page", d.Do("GET", "/sso/auth/login", nil), 200)
	for _, path := range []string{"/auth/login", "/api/auth/session", "/healthz"} {
		if r := d.Do("GET", path, nil); r.Status != http.StatusNotFound {
			t.Errorf("GET %s without the prefix: %d, want 404", path, r.Status)
		}
	}
}

// TestUpstreamTakesLargeBodies: the 64 KiB body limit is vigil's API's;
// an upload to the app behind vigil passes whole, with or without a route
// prefix, while vigil's own routes still refuse it.
func TestUpstreamTakesLargeBodies(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, "len=%d err=%v", n, err)
	}))
	defer app.Close()
	big := strings.Repeat("x", 200<<10)
	for _, prefix := range []string{"", "/vigil"} {
		args := []string{"--dev", "--upstream", app.URL}
		if prefix != "" {
			args = append(args, "--route-prefix", prefix)
		}
		srv := startServer(t, "", args...)
		srv.addUser(t, "alice", "patient", alicePW)
		d := srv.device(t)
		expect(t, "login", d.Do("POST", prefix+"/api/auth/login", map[string]string{"username": "alice", "password": alicePW}), 200)
		if r := d.Do("POST", "/records/upload", big, "Content-Type", "application/octet-stream"); r.Status != 200 || r.Raw != "len=204800 err=<nil>" {
			t.Errorf("prefix %q: a 200 KiB upload to the app: %d %q", prefix, r.Status, r.Raw)
		}
		expect(t, "a 200 KiB body to vigil's API", d.Do("POST", prefix+"/api/auth/session/refresh", big), 413, "PAYLOAD_TOO_LARGE")
	}
}
