package proxy_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/proxy"
	"github.com/vigilauth/vigil/vigilhttp"
)

// seen is what the upstream received.
type seen struct {
	Path    string      `json:"path"`
	Header  http.Header `json:"header"`
	Cookies []string    `json:"cookies"`
}

// setup returns the proxy in front of an upstream that echoes what it got,
// and a token of alice's live session.
func setup(t *testing.T, public ...string) (*httptest.Server, *auth.Engine, vigil.Token) {
	t.Helper()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var names []string
		for _, c := range r.Cookies() {
			names = append(names, c.Name+"="+c.Value)
		}
		json.NewEncoder(w).Encode(seen{Path: r.URL.Path, Header: r.Header, Cookies: names})
	}))
	t.Cleanup(upstream.Close)
	e := testkit.Engine(testkit.SQLite(t), auth.Options{
		Policy: vigil.Policy{Lifetime: 12 * time.Hour, IdleTimeout: 15 * time.Minute}})
	cur := testkit.SignIn(t, e, auth.NewUser{Username: "dr.carol", Role: vigil.RoleClinician, ClinicianID: "GMC-1", Password: "a long and quiet afternoon"},
		auth.Actor{})
	u, _ := url.Parse(upstream.URL)
	s := vigilhttp.New(e, vigilhttp.Options{Dev: true})
	front := httptest.NewServer(proxy.New(u, s, proxy.Options{PublicPaths: public}))
	t.Cleanup(front.Close)
	return front, e, cur.Token
}

func get(t *testing.T, url string, cookie string, headers ...string) (*http.Response, seen) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var s seen
	json.Unmarshal(body, &s)
	return resp, s
}

// TestIdentityComesFromTheSession: the upstream gets who the user is from
// vigil, never from the client, and never sees the session token.
func TestIdentityComesFromTheSession(t *testing.T) {
	front, _, tok := setup(t)
	resp, got := get(t, front.URL+"/notes/42", "vigil_session="+tok.String()+"; app_pref=dark; vigil_device=djF8.c2ln",
		"Remote-User", "admin", "Remote-Role", "admin")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got.Path != "/notes/42" || got.Header.Get("Remote-User") != "dr.carol" || got.Header.Get("Remote-Role") != "clinician" ||
		got.Header.Get("Remote-Clinician-Id") != "GMC-1" || got.Header.Get("Remote-Session-Id") == "" {
		t.Fatalf("upstream saw %+v", got)
	}
	if len(got.Header.Values("Remote-User")) != 1 {
		t.Fatalf("client's Remote-User passed through: %v", got.Header.Values("Remote-User"))
	}
	if strings.Contains(strings.Join(got.Cookies, ";"), tok.String()) || len(got.Cookies) != 1 || got.Cookies[0] != "app_pref=dark" {
		t.Fatalf("upstream cookies %v: want only app_pref (no session token, no device credential)", got.Cookies)
	}
	if got.Header.Get("X-Forwarded-Host") == "" {
		t.Errorf("no X-Forwarded-Host")
	}
}

// TestWithoutSession: a page is sent to sign in (same-origin rd), an API
// call gets 401 JSON, and nothing reaches the upstream.
func TestWithoutSession(t *testing.T) {
	front, _, _ := setup(t)
	resp, got := get(t, front.URL+"/notes?x=1", "", "Accept", "text/html,application/xhtml+xml")
	if resp.StatusCode != http.StatusSeeOther || got.Path != "" {
		t.Fatalf("page without session: %d, upstream saw %q", resp.StatusCode, got.Path)
	}
	if loc := resp.Header.Get("Location"); loc != "/auth/login?rd=%2Fnotes%3Fx%3D1" {
		t.Fatalf("Location %q", loc)
	}
	resp, got = get(t, front.URL+"/api/notes", "", "Accept", "application/json", "Remote-User", "admin")
	if resp.StatusCode != 401 || got.Path != "" {
		t.Fatalf("API without session: %d, upstream saw %q", resp.StatusCode, got.Path)
	}
}

// TestEndedSession: a revoked session is sent to sign in with the reason,
// and the cookie is cleared.
func TestEndedSession(t *testing.T) {
	front, e, tok := setup(t)
	if _, err := e.RevokeUserSessions(context.Background(), "dr.carol", auth.Actor{Username: "admin"}); err != nil {
		t.Fatal(err)
	}
	resp, got := get(t, front.URL+"/notes", "vigil_session="+tok.String(), "Sec-Fetch-Mode", "navigate")
	if resp.StatusCode != http.StatusSeeOther || got.Path != "" {
		t.Fatalf("revoked: %d, upstream saw %q", resp.StatusCode, got.Path)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc.Path != "/auth/login" || loc.Query().Get("reason") != "revoked" || loc.Query().Get("rd") != "/notes" {
		t.Fatalf("Location %q", resp.Header.Get("Location"))
	}
	if !strings.Contains(resp.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("cookie not cleared: %q", resp.Header.Get("Set-Cookie"))
	}
}

// TestPublicPaths are served without a session, on segment boundaries, and
// still never carry a client's identity headers.
func TestPublicPaths(t *testing.T) {
	front, _, _ := setup(t, "/static", "/health")
	resp, got := get(t, front.URL+"/static/app.css", "", "Remote-User", "admin")
	if resp.StatusCode != 200 || got.Path != "/static/app.css" || got.Header.Get("Remote-User") != "" {
		t.Fatalf("public path: %d %+v", resp.StatusCode, got)
	}
	if resp, _ := get(t, front.URL+"/statics/x", ""); resp.StatusCode != 401 {
		t.Fatalf("/statics is not under /static: %d", resp.StatusCode)
	}
	// A path the app could decode or normalise into one outside the
	// public prefix is not public.
	for _, p := range []string{"/static/%2e%2e/records/7", "/static/..%2Frecords/7", "/static%2F..%2Frecords/7",
		"/static/%2E%2E/records", "/static/..%5Crecords", "/static/a%5c..%5c..%5crecords", "/static/./x", "/static//x"} {
		if resp, got := get(t, front.URL+p, ""); resp.StatusCode != 401 {
			t.Errorf("%s without a session: %d, the app saw %q; want 401", p, resp.StatusCode, got.Path)
		}
	}
	if resp, _ := get(t, front.URL+"/static/", ""); resp.StatusCode != 200 {
		t.Errorf("/static/ itself: %d, want it public", resp.StatusCode)
	}
}
