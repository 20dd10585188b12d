package main

import (
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
