package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/dbsc/dbsctest"
	"github.com/vigilauth/vigil/httpapi"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/proxy"
	"github.com/vigilauth/vigil/vigilhttp"
	"github.com/vigilauth/vigil/web"
)

// These tests drive device-bound sessions as a browser would, with
// dbsctest.Client (a Go client that behaves as Chromium does, with its own
// key), against the whole tree: the API, the pages, forward auth and the
// reverse proxy in front of an app. The client and the server share a
// fake clock, so a bound cookie lapses without sleeping.

// world is vigil with pages, in front of an app, with device binding.
type world struct {
	t   *testing.T
	h   *harness
	app *appLog
}

// appLog records what the app behind the proxy received.
type appLog struct {
	mu      sync.Mutex
	cookies []string
}

func (a *appLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.cookies = append(a.cookies, r.Header.Get("Cookie"))
	a.mu.Unlock()
	io.WriteString(w, "the app for "+r.Header.Get("Remote-User"))
}

// last returns the Cookie header of the app's last request.
func (a *appLog) last() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.cookies) == 0 {
		return ""
	}
	return a.cookies[len(a.cookies)-1]
}

// newWorld starts vigil with device binding (its options changed by mod)
// in front of a recording app.
func newWorld(t *testing.T, mod func(*auth.DeviceBinding)) *world {
	t.Helper()
	w := &world{t: t, app: &appLog{}}
	up := httptest.NewServer(w.app)
	t.Cleanup(up.Close)
	upURL, _ := url.Parse(up.URL)
	w.h = newHarness(t, withEngine(func(o *auth.Options) {
		o.DeviceBinding = auth.DeviceBinding{Offer: true, CookieLifetime: boundLife}
		if mod != nil {
			mod(&o.DeviceBinding)
		}
	}), withDeps(func(d *httpapi.Deps) {
		d.Pages = web.New(web.Deps{Engine: d.Engine, Sessions: d.Sessions})
		d.App = proxy.New(upURL, d.Sessions, proxy.Options{})
	}))
	return w
}

// browser is a Chromium-like client holding its own key, on the world's
// clock.
func (w *world) browser() *dbsctest.Client {
	c := dbsctest.NewClient(nil)
	c.Now = w.h.Clock.Now
	return c
}

// doer sends a request: a dbsctest.Client, or an *http.Client without the
// key.
type doer interface {
	Do(*http.Request) (*http.Response, error)
}

// call sends method path as the pages' script would (a same-origin fetch:
// Origin, Fetch Metadata, the CSRF token when csrf is set, JSON), and
// reads the answer; it does not follow redirects.
func (w *world) call(c doer, csrf, method, path string, body any, hdr ...string) testkit.Response {
	w.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, w.h.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Sec-Fetch-Mode", "cors")
	if method != http.MethodGet {
		req.Header.Set("Origin", w.h.URL)
	}
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	return testkit.ReadResponse(resp)
}

// signIn signs in with the API and returns the CSRF token.
func (w *world) signIn(c doer, user, pw string) string {
	w.t.Helper()
	r := must(w.t, "login", w.call(c, "", "POST", "/api/auth/login", map[string]string{"username": user, "password": pw}), http.StatusOK)
	return r.Str("csrf_token")
}

// copyOf returns a client without the key holding every cookie c holds:
// what cookie-stealing malware takes to another machine. Its jar keeps
// the cookies by real time, so the copied bound cookie is still sent after
// the world's clock has passed its lapse: only the server's clock refuses
// it.
func (w *world) copyOf(c *dbsctest.Client) *http.Client {
	w.t.Helper()
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(w.h.URL)
	jar.SetCookies(u, c.Cookies(u))
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// hasCookie reports whether the client holds the named cookie for the
// world's URL.
func (w *world) hasCookie(c *dbsctest.Client, name string) bool {
	u, _ := url.Parse(w.h.URL)
	for _, k := range c.Cookies(u) {
		if k.Name == name {
			return true
		}
	}
	return false
}

// surfaces are one request on each surface, with the status a session
// that may pass gets.
var surfaces = []struct {
	name, path string
	ok         int
}{
	{"the API", "/api/auth/sessions", http.StatusOK},
	{"a page", "/auth/account", http.StatusOK},
	{"forward auth", "/api/auth/verify", http.StatusOK},
	{"the reverse proxy", "/records/7", http.StatusOK},
}

// TestBrowserKeepsItsBoundSession: a browser with DBSC binds at sign-in,
// its session says so, and it keeps working on every surface across
// lapses of its bound cookie, renewing it with its key.
func TestBrowserKeepsItsBoundSession(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	c := w.browser()
	csrf := w.signIn(c, "alice", alicePW)
	id, ok := c.Registered()
	if !ok {
		t.Fatalf("the browser did not bind the session: %+v", c.Events())
	}
	s := must(t, "session", w.call(c, "", "GET", "/api/auth/session", nil), http.StatusOK)
	if s.Str("session", "id") != id || !strings.Contains(s.Raw, `"device_bound":true`) {
		t.Fatalf("GET /api/auth/session %s, want session %s bound", s.Raw, id)
	}
	for round := range 3 {
		for _, sf := range surfaces {
			r := w.call(c, "", "GET", sf.path, nil)
			if r.Status != sf.ok {
				t.Fatalf("round %d, %s: %d %s", round, sf.name, r.Status, r.Raw)
			}
		}
		if got := w.app.last(); strings.Contains(got, vigilhttp.DevBoundCookieName) || strings.Contains(got, vigilhttp.DevCookieName) {
			t.Errorf("the app received vigil's cookies: %q", got)
		}
		v := w.call(c, "", "GET", "/api/auth/verify", nil)
		if v.Header.Get("Remote-Device-Bound") != "true" {
			t.Errorf("forward auth: Remote-Device-Bound %q, want true", v.Header.Get("Remote-Device-Bound"))
		}
		w.h.Clock.Advance(boundLife + time.Second) // the bound cookie lapses
	}
	must(t, "an unsafe request with the CSRF token", w.call(c, csrf, "POST", "/api/auth/session/refresh", nil), http.StatusOK)
	if c.Count(dbsctest.EventRefreshed) == 0 {
		t.Error("the browser never refreshed its bound cookie")
	}
	if n := len(w.h.events("alice", vigil.EventDeviceBindingRefreshed)); n == 0 {
		t.Error("no refresh audited")
	}
	if n := len(w.h.events("alice", vigil.EventDeviceBound)); n != 1 {
		t.Errorf("%d device_bound events, want 1", n)
	}
	page := w.call(c, "", "GET", "/auth/account", nil)
	if !strings.Contains(page.Raw, "device-bound") {
		t.Error("the account page does not show the session as device-bound")
	}
}

// TestCopiedCookiesStopWhenTheBoundCookieLapses: every cookie copied to a
// client without the key works on every surface until the copied bound
// cookie lapses by the server's clock, and is refused after, while the
// browser holding the key goes on.
func TestCopiedCookiesStopWhenTheBoundCookieLapses(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	c := w.browser()
	w.signIn(c, "alice", alicePW)
	if _, ok := c.Registered(); !ok {
		t.Fatal("the browser did not bind the session")
	}
	// The copies are taken now, while the bound cookie lives: two per
	// surface, since a refusal expires the copied bound cookie.
	var api, browsers []*http.Client
	for _, sf := range surfaces {
		stolen := w.copyOf(c)
		if r := w.call(stolen, "", "GET", sf.path, nil); r.Status != sf.ok {
			t.Fatalf("the copy on %s before the lapse: %d %s", sf.name, r.Status, r.Raw)
		}
		api, browsers = append(api, stolen), append(browsers, w.copyOf(c))
	}
	w.h.Clock.Advance(boundLife)
	for i, sf := range surfaces {
		// As an API client: no Fetch Metadata, so no redirect to refresh.
		r := w.call(api[i], "", "GET", sf.path, nil, "Sec-Fetch-Mode", "", "Sec-Fetch-Site", "")
		switch sf.path {
		case "/auth/account":
			if r.Status != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "/auth/login?reason=device_binding") {
				t.Errorf("the copy on %s after the lapse: %d to %q, want the sign-in page", sf.name, r.Status, r.Header.Get("Location"))
			}
		default:
			if r.Status != http.StatusUnauthorized || r.Code() != vigil.CodeDeviceBindingRequired {
				t.Errorf("the copy on %s after the lapse: %d %s, want 401 DEVICE_BINDING_REQUIRED", sf.name, r.Status, r.Raw)
			}
		}
		// As a browser: sent to refresh (307 to the same URL, the copied
		// bound cookie expired), which it cannot do without the key; back
		// without the bound cookie, refused. Forward auth never redirects.
		copied := browsers[i]
		r = w.call(copied, "", "GET", sf.path, nil)
		if want := http.StatusTemporaryRedirect; sf.path != "/api/auth/verify" && (r.Status != want || r.Header.Get("Location") != sf.path) {
			t.Errorf("the copy as a browser on %s: %d to %q, want 307 to refresh", sf.name, r.Status, r.Header.Get("Location"))
		}
		if r = w.call(copied, "", "GET", sf.path, nil); r.Status == sf.ok {
			t.Errorf("the copy as a browser on %s, back: %d, want refused", sf.name, r.Status)
		}
	}
	// The session cookie alone (a copy whose jar dropped the bound cookie
	// by its Expires, as a browser's does).
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(w.h.URL)
	for _, k := range c.Cookies(u) {
		if k.Name == vigilhttp.DevCookieName {
			jar.SetCookies(u, []*http.Cookie{k})
		}
	}
	bare := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, sf := range surfaces {
		if r := w.call(bare, "", "GET", sf.path, nil); r.Status == sf.ok {
			t.Errorf("the session cookie alone on %s: %d, want refused", sf.name, r.Status)
		}
	}
	for _, sf := range surfaces { // the key holder is unaffected
		if r := w.call(c, "", "GET", sf.path, nil); r.Status != sf.ok {
			t.Errorf("the browser with the key on %s: %d %s", sf.name, r.Status, r.Raw)
		}
	}
}

// TestWrongKeyRevokesTheSession: a refresh signed by another key (someone
// who has the session cookie but not the key) is refused and revokes the
// session.
func TestWrongKeyRevokesTheSession(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	c := w.browser()
	w.signIn(c, "alice", alicePW)
	other := w.browser()
	c.Signer = other.Signer
	if err := c.Refresh(t.Context()); err == nil {
		t.Fatal("a refresh signed by another key succeeded")
	}
	for _, ev := range c.Events() {
		if ev.Kind == dbsctest.EventSessionEnded && ev.Status != http.StatusUnauthorized {
			t.Errorf("the browser ended its DBSC session on %d, want the 401", ev.Status)
		}
	}
	r := w.call(c, "", "GET", "/api/auth/session", nil)
	if r.Code() != vigil.CodeSessionRevoked && r.Code() != vigil.CodeUnauthenticated {
		t.Fatalf("after the foreign proof: %d %s, want the session revoked", r.Status, r.Raw)
	}
	if n := len(w.h.events("alice", vigil.EventDeviceBindingFailed)); n != 1 {
		t.Errorf("%d device_binding_failed events, want 1", n)
	}
	sessions, err := w.h.Engine.AllSessions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(sessions) != 0 {
		t.Errorf("live sessions after the foreign proof: %+v", sessions)
	}
}

// TestReplayedChallengeIsRefused: a refresh that sends again a proof
// already used is refused (and audited); the session is not revoked.
func TestReplayedChallengeIsRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	c := w.browser()
	w.signIn(c, "alice", alicePW)
	if err := c.Refresh(t.Context()); err != nil {
		t.Fatalf("first refresh: %v", err)
	}
	c.ReplayLastProof = true
	if err := c.Refresh(t.Context()); err == nil {
		t.Fatal("a replayed proof renewed the bound cookie")
	}
	if n := len(w.h.events("alice", vigil.EventDeviceBindingFailed)); n == 0 {
		t.Error("the replay was not audited")
	}
	for _, e := range w.h.events("alice", vigil.EventDeviceBindingFailed) {
		if !strings.Contains(e.Detail, "challenge") {
			t.Errorf("device_binding_failed %q, want the challenge named", e.Detail)
		}
	}
	if n := len(w.h.events("alice", vigil.EventSessionRevoked)); n != 0 {
		t.Errorf("a replay revoked the session: %d session_revoked events", n)
	}
}

// TestBindingOffSendsNoOffer: with --device-binding off the browser is
// offered nothing and works with the session cookie alone.
func TestBindingOffSendsNoOffer(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(d *auth.DeviceBinding) { *d = auth.DeviceBinding{} })
	c := w.browser()
	w.signIn(c, "alice", alicePW)
	if _, ok := c.Registered(); ok || c.Count(dbsctest.EventRegistrationFailed) != 0 {
		t.Fatalf("with binding off the browser registered: %+v", c.Events())
	}
	w.h.Clock.Advance(20 * time.Minute) // past any bound cookie, inside the idle timeout
	for _, sf := range surfaces {
		if r := w.call(c, "", "GET", sf.path, nil); r.Status != sf.ok {
			t.Errorf("%s: %d %s", sf.name, r.Status, r.Raw)
		}
	}
	if v := w.call(c, "", "GET", "/api/auth/verify", nil); v.Header.Get("Remote-Device-Bound") != "false" {
		t.Errorf("Remote-Device-Bound %q, want false", v.Header.Get("Remote-Device-Bound"))
	}
}

// TestRequiredRoleGraceRevokes: with --device-binding-required clinician,
// a clinician whose browser does not bind works within the grace and is
// revoked (device_binding_missing) after it; one whose browser binds goes
// on; other roles are not held to it.
func TestRequiredRoleGraceRevokes(t *testing.T) {
	t.Parallel()
	const grace = time.Minute
	w := newWorld(t, func(d *auth.DeviceBinding) {
		d.Required, d.Grace = []vigil.Role{vigil.RoleClinician}, grace
	})
	jar, _ := cookiejar.New(nil)
	plain := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	w.signIn(plain, "bob", bobPW) // a browser without DBSC
	bound := w.browser()
	w.signIn(bound, "bob", bobPW)
	jar2, _ := cookiejar.New(nil)
	patient := &http.Client{Jar: jar2}
	w.signIn(patient, "alice", alicePW)

	w.h.Clock.Advance(grace - time.Second)
	must(t, "unbound clinician within the grace", w.call(plain, "", "GET", "/api/auth/session", nil), http.StatusOK)
	w.h.Clock.Advance(time.Second)
	r := w.call(plain, "", "GET", "/api/auth/session", nil)
	expect(t, "unbound clinician past the grace", r, http.StatusUnauthorized, vigil.CodeSessionRevoked, vigil.ReasonDeviceBindingMissing)
	must(t, "bound clinician past the grace", w.call(bound, "", "GET", "/api/auth/session", nil), http.StatusOK)
	must(t, "unbound patient past the grace", w.call(patient, "", "GET", "/api/auth/session", nil), http.StatusOK)
	revoked := w.h.events("bob", vigil.EventSessionRevoked)
	if len(revoked) != 1 || revoked[0].Detail != "reason=device_binding_missing" {
		t.Errorf("session_revoked events %+v, want one with reason=device_binding_missing", revoked)
	}
}

// TestSignOutEndsTheBoundSession: signing out clears both cookies, and the
// browser's next refresh is refused, so it drops its DBSC session.
func TestSignOutEndsTheBoundSession(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	c := w.browser()
	csrf := w.signIn(c, "alice", alicePW)
	must(t, "logout", w.call(c, csrf, "POST", "/api/auth/logout", nil), http.StatusOK)
	if w.hasCookie(c, vigilhttp.DevBoundCookieName) || w.hasCookie(c, vigilhttp.DevCookieName) {
		t.Error("signing out left a cookie in the browser")
	}
	if err := c.Refresh(t.Context()); err == nil {
		t.Error("a refresh after signing out succeeded")
	}
	if _, ok := c.Registered(); ok {
		t.Error("the browser kept its DBSC session after the server refused its refresh")
	}
}
