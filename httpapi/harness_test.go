package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/httpapi"
	"github.com/vigilauth/vigil/password"
	"github.com/vigilauth/vigil/sqlite"
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

// testPolicy builds the password blocklist once for the package.
var testPolicy = sync.OnceValue(func() *password.Policy { return password.NewPolicy(15) })

// fakeClock is a settable clock for auth.Options.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

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

// countingHasher counts the password hashes the engine computes.
type countingHasher struct {
	auth.Hasher
	hashes, verifies, dummies atomic.Int64
}

func (c *countingHasher) Hash(ctx context.Context, pw string) (string, error) {
	c.hashes.Add(1)
	return c.Hasher.Hash(ctx, pw)
}

func (c *countingHasher) Verify(ctx context.Context, pw, phc string) (bool, bool, error) {
	c.verifies.Add(1)
	return c.Hasher.Verify(ctx, pw, phc)
}

func (c *countingHasher) VerifyDummy(ctx context.Context, pw string) {
	c.dummies.Add(1)
	c.Hasher.VerifyDummy(ctx, pw)
}

// total is every argon2 computation so far.
func (c *countingHasher) total() int64 { return c.hashes.Load() + c.verifies.Load() + c.dummies.Load() }

// syncBuffer collects log output from concurrent handlers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// harnessConfig is what a test may change before the server starts.
type harnessConfig struct {
	policy  vigil.Policy
	noCache bool // do not run the engine's revocation follower (no session cache)
	deps    func(*httpapi.Deps)
}

// harness is the API served by httptest over an engine on a temp SQLite
// store, with a fake clock and the users alice, bob and root.
type harness struct {
	t       testing.TB
	URL     string
	Handler http.Handler
	Engine  *auth.Engine
	Clock   *fakeClock
	Store   *faultStore
	Hasher  *countingHasher
	Logs    *syncBuffer
}

func withPolicy(f func(*vigil.Policy)) func(*harnessConfig) {
	return func(c *harnessConfig) { f(&c.policy) }
}

func withDeps(f func(*httpapi.Deps)) func(*harnessConfig) {
	return func(c *harnessConfig) { c.deps = f }
}

// newHarness starts a server. The default policy is 8 h lifetime, 30 min
// idle timeout and a 10 min re-authentication window.
func newHarness(t testing.TB, opts ...func(*harnessConfig)) *harness {
	t.Helper()
	cfg := harnessConfig{policy: vigil.Policy{Lifetime: 8 * time.Hour, IdleTimeout: 30 * time.Minute, ReauthWindow: 10 * time.Minute}}
	for _, o := range opts {
		o(&cfg)
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "vigil.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := &harness{t: t, Clock: &fakeClock{now: time.Now().UTC().Truncate(time.Second)}, Store: &faultStore{Store: st}, Logs: &syncBuffer{}}
	logger := slog.New(slog.NewTextHandler(h.Logs, nil))
	h.Hasher = &countingHasher{Hasher: password.NewHasher(password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 0)}
	h.Engine = auth.New(h.Store, h.Hasher, testPolicy(), auth.Options{
		Policy: cfg.policy, Now: h.Clock.Now, Logger: logger, Normalize: password.Normalize, PasswordMinLength: 15,
	})
	if !cfg.noCache {
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); h.Engine.Run(runCtx) }()
		t.Cleanup(func() { cancel(); <-done })
	}
	for _, u := range []auth.NewUser{
		{Username: "alice", Role: vigil.RolePatient, Password: alicePW},
		{Username: "bob", Role: vigil.RoleClinician, ClinicianID: "C-17", Password: bobPW},
		{Username: "root", Role: vigil.RoleAdmin, Password: rootPW},
	} {
		if _, err := h.Engine.CreateUser(ctx, u, auth.Actor{Username: "test"}); err != nil {
			t.Fatalf("create %s: %v", u.Username, err)
		}
	}
	deps := httpapi.Deps{Engine: h.Engine, Logger: logger, Dev: true}
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
	evs, err := h.Engine.Events(context.Background(), vigil.EventFilter{Username: username, Event: event})
	if err != nil {
		h.t.Fatal(err)
	}
	return evs
}

// client is one browser: a cookie jar and the CSRF token it was given.
type client struct {
	t    testing.TB
	h    *harness
	c    *http.Client
	jar  *cookiejar.Jar
	csrf string
	ua   string
	// setCookie, for a client without a jar, is the token it sends.
	setCookie string
}

func (h *harness) client() *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		h.t.Fatal(err)
	}
	return &client{t: h.t, h: h, jar: jar, ua: "vigil-test",
		c: &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// withToken returns a client without a jar that sends tok as its cookie.
func (h *harness) withToken(tok string) *client {
	c := h.client()
	c.c.Jar = nil
	c.jar = nil
	c.setCookie = tok
	return c
}

// response is a decoded answer.
type response struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

func (r response) code() string   { s, _ := r.Body["code"].(string); return s }
func (r response) reason() string { s, _ := r.Body["reason"].(string); return s }

// str returns a string at a path of object keys.
func (r response) str(path ...string) string {
	var v any = r.Body
	for _, k := range path {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	s, _ := v.(string)
	return s
}

// do sends a request as a same-origin page would: Origin and
// Sec-Fetch-Site on unsafe methods, the CSRF token attached. body is JSON
// encoded unless it is a string, []byte or io.Reader (sent as is, the
// last chunked). hdr are name/value pairs that override; "" deletes; a
// name given twice sends two header lines.
func (c *client) do(method, path string, body any, hdr ...string) response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd = b
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.h.URL+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", c.ua)
	if method != http.MethodGet && method != http.MethodHead {
		req.Header.Set("Origin", c.h.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		if c.csrf != "" {
			req.Header.Set("X-CSRF-Token", c.csrf)
		}
	}
	if c.setCookie != "" {
		req.Header.Set("Cookie", cookieName+"="+c.setCookie)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(hdr); i += 2 {
		switch name := http.CanonicalHeaderKey(hdr[i]); {
		case hdr[i+1] == "":
			req.Header.Del(name)
		case seen[name]: // a repeated name adds a header line
			req.Header.Add(name, hdr[i+1])
		default:
			req.Header.Set(name, hdr[i+1])
		}
		seen[http.CanonicalHeaderKey(hdr[i])] = true
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := response{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &out.Body)
	if tok, ok := out.Body["csrf_token"].(string); ok {
		c.csrf = tok
	}
	return out
}

// login signs the client in and fails the test otherwise.
func (c *client) login(user, pw string) response {
	c.t.Helper()
	r := c.do("POST", "/api/auth/login", map[string]string{"username": user, "password": pw})
	if r.Status != http.StatusOK {
		c.t.Fatalf("login %s: %d %s", user, r.Status, r.Raw)
	}
	return r
}

// token returns the session token in the client's jar, or "".
func (c *client) token() string {
	if c.jar == nil {
		return c.setCookie
	}
	u, _ := url.Parse(c.h.URL)
	for _, ck := range c.jar.Cookies(u) {
		if ck.Name == cookieName {
			return ck.Value
		}
	}
	return ""
}

// sessionCookie returns the session cookie the response set, if any.
func sessionCookie(r response) *http.Cookie {
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
func cleared(r response) bool {
	ck := sessionCookie(r)
	return ck != nil && ck.MaxAge < 0 && ck.Value == ""
}

// expect fails the test unless r is an error answer of SPEC §3's shape
// with the status, code and reason ("" for none).
func expect(t testing.TB, what string, r response, status int, code string, reason vigil.Reason) {
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
	if r.code() != code {
		t.Fatalf("%s: code %q, want %q: %s", what, r.code(), code, r.Raw)
	}
	if msg, _ := r.Body["error"].(string); msg == "" {
		t.Errorf("%s: no error message: %s", what, r.Raw)
	}
	if got := r.reason(); got != string(reason) {
		t.Errorf("%s: reason %q, want %q: %s", what, got, reason, r.Raw)
	}
	for k := range r.Body {
		if !slices.Contains([]string{"error", "code", "reason", "problems", "request_id"}, k) {
			t.Errorf("%s: unexpected field %q in error body: %s", what, k, r.Raw)
		}
	}
}

// must fails the test unless r has status.
func must(t testing.TB, what string, r response, status int) response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, r.Status, status, r.Raw)
	}
	return r
}
