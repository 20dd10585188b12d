package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vigilauth/vigil/internal/testkit"
)

// The forward-auth configurations the README gives (docs/proxies/) run
// here with the real proxies — Debian's nginx and Caddy — read from the
// repository at test time with only their addresses (and nginx's
// certificate paths) replaced, in front of vigil and an app that echoes
// what it was sent. The tests are what a browser and an attacker see.

const (
	docsNginx = "../../docs/proxies/nginx.conf"
	docsCaddy = "../../docs/proxies/Caddyfile"
	readme    = "../../README.md"
)

// The users' passwords: random words, which pass any password policy
// vigil may grow.
const (
	patientPW   = "walrus plinth saffron orbit quiver"
	clinicianPW = "tundra lantern mosaic pivot gravel"
)

// identityHeaders are every header vigil's forward auth answers with,
// today's and those the open work adds (SPEC §5, §6).
var identityHeaders = []string{"Remote-User", "Remote-Role", "Remote-Clinician-Id", "Remote-Session-Id",
	"Remote-Name", "Remote-Email", "Remote-Groups", "Remote-AAL", "Remote-Device-Bound"}

// TestNginxForwardAuth: docs/proxies/nginx.conf in front of vigil, with
// vigil in development mode (cookie vigil_session) and in production mode
// (__Host-vigil_session, Secure), over HTTP/1.1 and HTTP/2.
func TestNginxForwardAuth(t *testing.T) {
	for _, mode := range []struct {
		name  string
		flags []string
	}{{"dev", []string{"--dev"}}, {"production", nil}} {
		t.Run(mode.name, func(t *testing.T) {
			f := newForwardAuth(t, mode.flags...)
			f.nginx(nil)
			f.check(t)
			f.checkHTTP2(t)
			f.checkHTTPSRedirect(t)
		})
	}
}

// TestNginxSignInNeedsHostOrPublicURL: vigil's cross-origin check compares
// the browser's Origin with the Host it is sent, so sign-in through nginx
// needs the file's proxy_set_header Host, or else --public-url. Without
// either it is refused, as an operator found.
func TestNginxSignInNeedsHostOrPublicURL(t *testing.T) {
	withoutHost := func(conf string) string { return without(t, conf, "proxy_set_header Host $http_host;") }

	f := newForwardAuth(t, "--dev")
	f.nginx(withoutHost)
	expect(t, "sign-in without Host or --public-url", f.browser(t).Do("POST", "/api/auth/login", aliceLogin, "Sec-Fetch-Site", ""), 403, "CSRF_FAILED")

	g := &forwardAuth{t: t, app: newEchoApp(t), ports: [2]int{freePort(t), freePort(t)}}
	g.URL = httpsOrigin(g.ports[0])
	g.start("--dev", "--public-url", g.URL)
	g.nginx(withoutHost)
	g.signIn(t, "alice", patientPW)
	expect(t, "a cross-origin sign-in with --public-url", g.browser(t).Do("POST", "/api/auth/login", aliceLogin,
		"Origin", "https://evil.example", "Sec-Fetch-Site", ""), 403, "CSRF_FAILED")
}

// TestCaddyForwardAuth: docs/proxies/Caddyfile in front of vigil (plain
// HTTP: the test replaces the site's name, for which Caddy would fetch a
// certificate, with a local address).
func TestCaddyForwardAuth(t *testing.T) {
	f := newForwardAuth(t, "--dev")
	f.caddy()
	f.check(t)
}

// TestProxiesDocsInReadme: the README's forward-auth section shows
// docs/proxies/nginx.conf as it is — the file the tests run — and the
// files it links to exist.
func TestProxiesDocsInReadme(t *testing.T) {
	text, conf := readFile(t, readme), readFile(t, docsNginx)
	if !strings.Contains(text, "```nginx\n"+conf+"```\n") {
		t.Errorf("the README does not show %s exactly, in a ```nginx block", docsNginx)
	}
	links := regexp.MustCompile(`\]\((docs/proxies/[^)]+)\)`).FindAllStringSubmatch(text, -1)
	if len(links) < 3 {
		t.Errorf("the README links %d files under docs/proxies/, want the nginx, Caddy and Traefik files", len(links))
	}
	for _, l := range links {
		if _, err := os.Stat("../../" + l[1]); err != nil {
			t.Errorf("the README links %s: %v", l[1], err)
		}
	}
}

// check runs what a browser and an attacker do through the proxy.
func (f *forwardAuth) check(t *testing.T) {
	t.Run("no session: a page is sent to sign in, anything else gets 401", f.checkSignInRedirect)
	t.Run("sign-in through the proxy", f.checkSignIn)
	t.Run("identity reaches the app, a client's never", f.checkIdentity)
	t.Run("vigil's session token never reaches the app", f.checkCookie)
	t.Run("cross-origin requests are refused", f.checkCrossOrigin)
	t.Run("sign-out ends access at once", f.checkSignOut)
}

var aliceLogin = map[string]string{"username": "alice", "password": patientPW}

func (f *forwardAuth) checkSignInRedirect(t *testing.T) {
	hits := f.app.hits.Load()
	b := f.browser(t)
	r := b.Do("GET", "/notes/1?tab=plan", nil, "Accept", "text/html")
	if r.Status != http.StatusSeeOther {
		t.Fatalf("page without a session: %d %s", r.Status, r.Raw)
	}
	loc := mustURL(t, r.Header.Get("Location"))
	if loc.Path != "/auth/login" || loc.Query().Get("rd") != "/notes/1?tab=plan" {
		t.Fatalf("sent to %q, want the sign-in page returning to /notes/1?tab=plan", r.Header.Get("Location"))
	}
	page := b.Do("GET", loc.RequestURI(), nil, "Accept", "text/html")
	if page.Status != 200 || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("the sign-in page through the proxy: %d %s", page.Status, page.Header.Get("Content-Type"))
	}
	expect(t, "API request without a session", b.Do("GET", "/api/notes", nil), 401, "UNAUTHENTICATED")
	// A page's script asking for HTML is not a navigation: it gets the 401.
	expect(t, "a script's request for HTML without a session", b.Do("GET", "/notes/1", nil,
		"Accept", "text/html", "X-Requested-With", "XMLHttpRequest"), 401, "UNAUTHENTICATED")
	expect(t, "same-origin POST without a session", b.Do("POST", "/notes", map[string]string{}), 401, "UNAUTHENTICATED")
	if n := f.app.hits.Load() - hits; n != 0 {
		t.Errorf("the app was reached %d times without a session", n)
	}
}

func (f *forwardAuth) checkSignIn(t *testing.T) {
	// Origin alone (a browser that sends no Sec-Fetch-Site): vigil must see
	// the browser's host to match it.
	b, _, _ := f.signIn(t, "alice", patientPW)
	f.browser(t).Login("alice", patientPW) // as today's browsers, with Sec-Fetch-Site
	// Forward auth called directly through the proxy is a question about
	// that very call, not a misconfigured proxy.
	if r := b.Do("GET", "/api/auth/verify", nil); r.Status != 200 || r.Header.Get("Remote-User") != "alice" {
		t.Errorf("GET /api/auth/verify through the proxy: %d %q %s", r.Status, r.Header.Get("Remote-User"), r.Raw)
	}
	expect(t, "a cross-origin sign-in", f.browser(t).Do("POST", "/api/auth/login", aliceLogin,
		"Origin", "https://evil.example", "Sec-Fetch-Site", ""), 403, "CSRF_FAILED")
}

func (f *forwardAuth) checkIdentity(t *testing.T) {
	b, sid, _ := f.signIn(t, "alice", patientPW)
	v := f.saw(t, "patient with forged headers", b.Do("GET", "/notes/1?tab=plan&page=2", nil, forgeries()...))
	if v.URI != "/notes/1?tab=plan&page=2" {
		t.Errorf("the app was asked for %q", v.URI)
	}
	// A password-only session (AAL1) of a client that did not bind a key.
	wantIdentity(t, "patient", v, map[string]string{"remote-user": "alice", "remote-role": "patient", "remote-groups": "patient", "remote-session-id": sid,
		"remote-aal": "1", "remote-device-bound": "false"})

	dr, sid, _ := f.signIn(t, "dr.bob", clinicianPW)
	v = f.saw(t, "clinician with forged headers", dr.Do("GET", "/notes/1", nil, forgeries()...))
	wantIdentity(t, "clinician", v, map[string]string{"remote-user": "dr.bob", "remote-role": "clinician", "remote-groups": "clinician",
		"remote-clinician-id": "GMC-7012345", "remote-session-id": sid, "remote-aal": "1", "remote-device-bound": "false"})
}

func (f *forwardAuth) checkCookie(t *testing.T) {
	_, _, token := f.signIn(t, "alice", patientPW)
	name := f.cookieName
	// The known-device credential is vigil's too (a value of the right
	// shape; the app must not get it whatever it holds).
	device, cred := strings.Replace(name, "session", "device", 1), "djF8ZGV2aWNl.c2lnbmF0dXJl"
	for _, c := range []struct{ cookie, keep string }{
		{"theme=dark; " + name + "=" + token + "; lang=en", "theme=dark lang=en"},
		{name + "=" + token + "; lang=en", "lang=en"},
		{"theme=dark; " + name + "=" + token, "theme=dark"},
		{name + "=" + token, ""},
		{"theme=dark; __Host-vigil_session=" + token + "; vigil_session=" + token + "; lang=en", ""},
		{"theme=dark; " + name + "=" + token + "; " + device + "=" + cred + "; lang=en", "theme=dark lang=en"},
		{device + "=" + cred + "; " + name + "=" + token, ""},
		{name + "=" + token + "; lang=en; " + device + "=" + cred, "lang=en"},
	} {
		v := f.saw(t, "cookie "+c.cookie, f.bare(t, c.cookie).Do("GET", "/notes/1", nil))
		noToken(t, v, token)
		noToken(t, v, cred)
		for _, k := range strings.Fields(c.keep) {
			if !hasCookie(v.Header.Get("Cookie"), k) {
				t.Errorf("sent %q, the app got Cookie %q: it lost %s", c.cookie, v.Header.Get("Cookie"), k)
			}
		}
	}
}

func (f *forwardAuth) checkCrossOrigin(t *testing.T) {
	b, _, _ := f.signIn(t, "alice", patientPW)
	hits := f.app.hits.Load()
	for _, hdr := range [][]string{
		{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"},
		{"Origin", "https://evil.example", "Sec-Fetch-Site", "same-site"},
		// An older browser (no Sec-Fetch-Site), and an attacker's attempt
		// to name another method or host for the check.
		{"Origin", "https://evil.example", "Sec-Fetch-Site", "", "X-Forwarded-Method", "GET",
			"X-Original-Method", "GET", "X-Forwarded-Host", "evil.example", "X-Forwarded-Uri", "/"},
	} {
		if r := b.Do("POST", "/notes", map[string]string{"note": "x"}, hdr...); r.Status != http.StatusForbidden {
			t.Errorf("cross-origin POST to the app %v: %d %s", hdr, r.Status, r.Raw)
		}
		if r := b.Do("DELETE", "/notes/1", nil, hdr...); r.Status != http.StatusForbidden {
			t.Errorf("cross-origin DELETE to the app %v: %d %s", hdr, r.Status, r.Raw)
		}
	}
	if n := f.app.hits.Load() - hits; n != 0 {
		t.Errorf("cross-origin requests reached the app %d times", n)
	}
	expect(t, "cross-origin sign-out", b.Do("POST", "/api/auth/logout", nil, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"), 403, "CSRF_FAILED")
	expect(t, "session after the refused sign-out", b.Do("GET", "/api/auth/session", nil), 200)
	// The app's own forms need no change: a same-origin POST passes, also
	// from a browser that sends Origin alone (vigil must be told the host
	// the browser used, port and all).
	for _, hdr := range [][]string{nil, {"Sec-Fetch-Site", ""}} {
		v := f.saw(t, fmt.Sprintf("same-origin POST %v", hdr), b.Do("POST", "/notes", map[string]string{"note": "x"}, hdr...))
		if v.Method != "POST" || v.Header.Get("Remote-User") != "alice" {
			t.Errorf("same-origin POST %v: the app saw %s as %q", hdr, v.Method, v.Header.Get("Remote-User"))
		}
	}
}

func (f *forwardAuth) checkSignOut(t *testing.T) {
	b, _, token := f.signIn(t, "alice", patientPW)
	f.saw(t, "signed in", b.Do("GET", "/notes/1", nil))
	expect(t, "sign-out", b.Do("POST", "/api/auth/logout", nil), 200)
	hits := f.app.hits.Load()
	if r := b.Do("GET", "/notes/1", nil, "Accept", "text/html"); r.Status != http.StatusSeeOther {
		t.Errorf("page after sign-out: %d %s", r.Status, r.Raw)
	}
	// Whoever kept the old cookie is refused too, told why, and the
	// cookie is cleared.
	old := f.bare(t, f.cookieName+"="+token)
	r := old.Do("GET", "/api/notes", nil)
	expect(t, "the old cookie after sign-out", r, 401, "SESSION_REVOKED", "logout")
	if !clearsCookie(r.Header, f.cookieName) {
		t.Errorf("the 401 does not clear %s: %v", f.cookieName, r.Header.Values("Set-Cookie"))
	}
	if r := old.Do("GET", "/notes/1", nil, "Accept", "text/html"); r.Status != http.StatusSeeOther {
		t.Errorf("page with the old cookie: %d %s", r.Status, r.Raw)
	}
	if n := f.app.hits.Load() - hits; n != 0 {
		t.Errorf("the app was reached %d times after sign-out", n)
	}
}

// checkHTTP2: over HTTP/2 (nginx's listen ... http2) the forged headers,
// underscores included, and the token (sent as separate cookie fields)
// stay from the app too.
func (f *forwardAuth) checkHTTP2(t *testing.T) {
	_, sid, token := f.signIn(t, "alice", patientPW)
	b := f.bare(t, "theme=dark; "+f.cookieName+"="+token+"; lang=en")
	b.Client = f.client(nil, true)
	var proto int
	b.Client.Transport = protoRecorder{b.Client.Transport, &proto}
	v := f.saw(t, "HTTP/2", b.Do("GET", "/notes/1", nil, forgeries()...))
	if proto != 2 {
		t.Fatalf("the proxy answered over HTTP/%d, want 2", proto)
	}
	wantIdentity(t, "HTTP/2", v, map[string]string{"remote-user": "alice", "remote-role": "patient", "remote-groups": "patient", "remote-session-id": sid,
		"remote-aal": "1", "remote-device-bound": "false"})
	noToken(t, v, token)
	if c := v.Header.Get("Cookie"); !hasCookie(c, "theme=dark") || !hasCookie(c, "lang=en") {
		t.Errorf("over HTTP/2 the app got Cookie %q", c)
	}
}

// checkHTTPSRedirect: the file's plain-HTTP server only sends browsers to
// HTTPS.
func (f *forwardAuth) checkHTTPSRedirect(t *testing.T) {
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(httpOrigin(f.ports[1]) + "/notes/1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMovedPermanently || !strings.HasPrefix(resp.Header.Get("Location"), "https://") {
		t.Errorf("plain HTTP: %d %q, want 301 to https://", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// forgeries are header name/value pairs for testkit's Do: every identity
// header in its own spelling and with underscores (which WSGI and CGI
// apps read as the same name), valued as only a client would choose —
// the clinician id and session id an operator saw pass.
func forgeries() []string {
	var pairs []string
	for _, h := range identityHeaders {
		v := "forged-" + strings.ToLower(h)
		switch h {
		case "Remote-Clinician-Id":
			v = "GMC-9999999"
		case "Remote-Session-Id":
			v = "forged"
		}
		pairs = append(pairs, h, v, strings.ReplaceAll(h, "-", "_"), v)
	}
	return append(pairs, "Remote_Clinician-Id", "GMC-9999999", "Remote-Session_Id", "forged")
}

// wantIdentity fails unless every identity header the app got (by any
// spelling that folds to Remote-…) is vigil's, with the given values;
// others may be absent or empty. No value anywhere may be a forgery.
func wantIdentity(t *testing.T, what string, v appView, want map[string]string) {
	t.Helper()
	for name, vals := range v.Header {
		folded := strings.ToLower(strings.ReplaceAll(name, "_", "-"))
		if strings.Contains(name, "_") && strings.HasPrefix(folded, "remote-") {
			t.Errorf("%s: the app got the client's %s: %q", what, name, vals)
			continue
		}
		if strings.HasPrefix(folded, "remote-") && (len(vals) != 1 || vals[0] != want[folded]) {
			t.Errorf("%s: the app got %s: %q, want %q", what, name, vals, want[folded])
		}
		for _, val := range vals {
			if strings.Contains(val, "forged") || strings.Contains(val, "GMC-9999999") {
				t.Errorf("%s: a forged value reached the app in %s: %q", what, name, val)
			}
		}
	}
	for name, val := range want {
		if got := v.Header.Get(name); got != val {
			t.Errorf("%s: the app got %s %q, want %q", what, name, got, val)
		}
	}
}

// noToken fails if the session token is anywhere in what the app got.
func noToken(t *testing.T, v appView, token string) {
	t.Helper()
	for name, vals := range v.Header {
		for _, val := range vals {
			if strings.Contains(val, token) {
				t.Errorf("the app got vigil's session token in %s: %q", name, val)
			}
		}
	}
}

// hasCookie reports whether the Cookie header value holds the pair.
func hasCookie(header, pair string) bool {
	for _, c := range strings.Split(header, ";") {
		if strings.TrimSpace(c) == pair {
			return true
		}
	}
	return false
}

// echoApp is the app behind the proxy: it answers every request with what
// it was sent, as JSON, and counts them.
type echoApp struct {
	addr string
	hits atomic.Int64
}

// appView is what the app was sent.
type appView struct {
	Method string      `json:"method"`
	URI    string      `json:"uri"`
	Header http.Header `json:"header"`
}

// saw returns what the app was sent, from its answer through the proxy,
// failing the test unless the answer is the app's.
func (f *forwardAuth) saw(t *testing.T, what string, r testkit.Response) appView {
	t.Helper()
	var v appView
	if r.Status != 200 || json.Unmarshal([]byte(r.Raw), &v) != nil || v.URI == "" {
		t.Fatalf("%s: not the app's answer: %d %s", what, r.Status, r.Raw)
	}
	return v
}

// without returns conf with every line that is exactly line (trimmed)
// removed; there must be one.
func without(t *testing.T, conf, line string) string {
	t.Helper()
	var kept []string
	for _, l := range strings.Split(conf, "\n") {
		if strings.TrimSpace(l) != line {
			kept = append(kept, l)
		}
	}
	if len(kept) == strings.Count(conf, "\n")+1 {
		t.Fatalf("the configuration has no line %q", line)
	}
	return strings.Join(kept, "\n")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// protoRecorder notes the HTTP major version of each answer.
type protoRecorder struct {
	rt    http.RoundTripper
	major *int
}

func (p protoRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := p.rt.RoundTrip(r)
	if err == nil {
		*p.major = resp.ProtoMajor
	}
	return resp, err
}
