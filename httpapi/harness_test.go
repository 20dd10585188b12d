package httpapi_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/httpapi"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/password"
	"github.com/vigilauth/vigil/vigilhttp"
)

// The users every harness starts with.
const (
	alicePW = "quiet-lantern-harbor-5821"  // alice: patient
	bobPW   = "amber-falcon-meadow-9034"   // bob: clinician C-17
	rootPW  = "silver-canyon-thistle-4476" // root: admin
)

// cookieName is the development cookie (the harness runs with Dev: true).
const cookieName = vigilhttp.DevCookieName

// faultStore wraps a store so a test can make some of its methods fail.
type faultStore struct {
	vigil.Store
	mu     sync.Mutex
	faults map[string]error
}

func (s *faultStore) set(method string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults == nil {
		s.faults = map[string]error{}
	}
	s.faults[method] = err
}

func (s *faultStore) fault(method string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults[method]
}

func (s *faultStore) SessionByToken(ctx context.Context, h vigil.TokenHash) (*vigil.Session, *vigil.User, error) {
	if err := s.fault("SessionByToken"); err != nil {
		return nil, nil, err
	}
	return s.Store.SessionByToken(ctx, h)
}

func (s *faultStore) UserByUsername(ctx context.Context, name string) (*vigil.User, error) {
	if err := s.fault("UserByUsername"); err != nil {
		return nil, err
	}
	return s.Store.UserByUsername(ctx, name)
}

func (s *faultStore) ListSessions(ctx context.Context, userID int64) ([]vigil.Session, error) {
	if err := s.fault("ListSessions"); err != nil {
		return nil, err
	}
	return s.Store.ListSessions(ctx, userID)
}

// harnessConfig is what a test may change before the server starts.
type harnessConfig struct {
	policy   vigil.Policy
	noCache  bool // do not run the engine's revocation follower (no session cache)
	deps     func(*httpapi.Deps)
	sessions func(*vigilhttp.Options)
	engine   func(*auth.Options)
}

// harness is the API served by httptest over an engine on a temp SQLite
// store, with a fake clock and the users alice, bob and root.
type harness struct {
	t       testing.TB
	URL     string
	Handler http.Handler
	Engine  *auth.Engine
	Clock   *testkit.Clock
	Store   *faultStore
	Hasher  *testkit.CountingHasher
	Logs    *testkit.SyncBuffer
}

func withPolicy(f func(*vigil.Policy)) func(*harnessConfig) {
	return func(c *harnessConfig) { f(&c.policy) }
}

func withDeps(f func(*httpapi.Deps)) func(*harnessConfig) {
	return func(c *harnessConfig) { c.deps = f }
}

func withSessions(f func(*vigilhttp.Options)) func(*harnessConfig) {
	return func(c *harnessConfig) { c.sessions = f }
}

func withEngine(f func(*auth.Options)) func(*harnessConfig) {
	return func(c *harnessConfig) { c.engine = f }
}

// newHarness starts a server. The default policy is 8 h lifetime, 30 min
// idle timeout and a 10 min re-authentication window.
func newHarness(t testing.TB, opts ...func(*harnessConfig)) *harness {
	t.Helper()
	cfg := harnessConfig{policy: vigil.Policy{Lifetime: 8 * time.Hour, IdleTimeout: 30 * time.Minute, ReauthWindow: 10 * time.Minute}}
	for _, o := range opts {
		o(&cfg)
	}
	h := &harness{t: t, Clock: testkit.NewClock(time.Now().UTC().Truncate(time.Second)),
		Store: &faultStore{Store: testkit.SQLite(t)}, Hasher: testkit.NewCountingHasher(), Logs: &testkit.SyncBuffer{}}
	logger := slog.New(slog.NewTextHandler(h.Logs, nil))
	eopt := auth.Options{
		Policy: cfg.policy, Now: h.Clock.Now, Logger: logger, Normalize: password.Normalize, PasswordMinLength: 15,
	}
	if cfg.engine != nil {
		cfg.engine(&eopt)
	}
	h.Engine = auth.New(h.Store, h.Hasher, testkit.Policy(), eopt)
	if !cfg.noCache {
		testkit.Run(t, h.Engine)
	}
	testkit.CreateUsers(t, h.Engine, auth.Actor{Username: "test"},
		auth.NewUser{Username: "alice", Role: vigil.RolePatient, Password: alicePW},
		auth.NewUser{Username: "bob", Role: vigil.RoleClinician, ClinicianID: "C-17", Password: bobPW},
		auth.NewUser{Username: "root", Role: vigil.RoleAdmin, Password: rootPW},
	)
	opt := vigilhttp.Options{Dev: true, Logger: logger}
	if cfg.sessions != nil {
		cfg.sessions(&opt)
	}
	deps := httpapi.Deps{Engine: h.Engine, Sessions: vigilhttp.New(h.Engine, opt), Logger: logger}
	if cfg.deps != nil {
		cfg.deps(&deps)
	}
	h.Handler = httpapi.NewServer(deps)
	srv := httptest.NewServer(h.Handler)
	t.Cleanup(srv.Close)
	h.URL = srv.URL
	return h
}

// events returns the audit events named event about username.
func (h *harness) events(username, event string) []vigil.Event {
	h.t.Helper()
	return testkit.Events(h.t, h.Engine, username, event)
}

// client is one browser: a cookie jar (unless it sends a token of its
// own) and the CSRF token it was given.
type client struct {
	*testkit.Browser
	jar *cookiejar.Jar
}

func (h *harness) client() *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		h.t.Fatal(err)
	}
	return &client{jar: jar, Browser: &testkit.Browser{T: h.t, URL: h.URL, UserAgent: "vigil-test",
		Client: &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}}
}

// withToken returns a client without a jar that sends tok as its cookie.
func (h *harness) withToken(tok string) *client {
	c := h.client()
	c.Client.Jar = nil
	c.jar = nil
	c.Cookie = cookieName + "=" + tok
	return c
}

// token returns the session token in the client's jar (or the one it
// sends), or "".
func (c *client) token() string {
	if c.jar == nil {
		return strings.TrimPrefix(c.Cookie, cookieName+"=")
	}
	u, _ := url.Parse(c.URL)
	for _, ck := range c.jar.Cookies(u) {
		if ck.Name == cookieName {
			return ck.Value
		}
	}
	return ""
}

// sessionCookie returns the session cookie the response set, if any.
func sessionCookie(r testkit.Response) *http.Cookie {
	for _, line := range r.Header.Values("Set-Cookie") {
		ck, err := http.ParseSetCookie(line)
		if err == nil && ck.Name == cookieName {
			return ck
		}
	}
	return nil
}

// cleared reports whether the response tells the browser to drop the
// session cookie (Max-Age=0).
func cleared(r testkit.Response) bool {
	ck := sessionCookie(r)
	return ck != nil && ck.MaxAge < 0 && ck.Value == ""
}

// expect fails the test unless r is an error answer of SPEC §3's shape
// with the status, code and reason ("" for none).
func expect(t testing.TB, what string, r testkit.Response, status int, code string, reason vigil.Reason) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, r.Status, status, r.Raw)
	}
	if code == "" {
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s: Content-Type %q, want JSON", what, ct)
	}
	if r.Code() != code {
		t.Fatalf("%s: code %q, want %q: %s", what, r.Code(), code, r.Raw)
	}
	if msg, _ := r.Body["error"].(string); msg == "" {
		t.Errorf("%s: no error message: %s", what, r.Raw)
	}
	if got := r.Reason(); got != string(reason) {
		t.Errorf("%s: reason %q, want %q: %s", what, got, reason, r.Raw)
	}
	for k := range r.Body {
		if !slices.Contains([]string{"error", "code", "reason", "problems", "request_id"}, k) {
			t.Errorf("%s: unexpected field %q in error body: %s", what, k, r.Raw)
		}
	}
}

// must fails the test unless r has status.
func must(t testing.TB, what string, r testkit.Response, status int) testkit.Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, r.Status, status, r.Raw)
	}
	return r
}
