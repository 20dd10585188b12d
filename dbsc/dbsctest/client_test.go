package dbsctest_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilauth/vigil/dbsc"
	"github.com/vigilauth/vigil/dbsc/dbsctest"
)

// clock is a test clock both the server and the client read.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// server is a tiny DBSC server: /login starts a session and offers
// registration, /auth/dbsc/start and /auth/dbsc/refresh bind and refresh,
// /page needs the bound cookie once bound. The bound cookie's lifetime is
// the server's (lifetime), whatever Max-Age says (maxAge).
type server struct {
	t        *testing.T
	clock    *clock
	lifetime time.Duration
	maxAge   time.Duration
	ahead    bool // send a challenge ahead of time with each new bound cookie
	config   func(*dbsc.Config)

	mu         sync.Mutex
	sessions   map[string]*bound
	refresh500 bool
	bare403    bool              // answer 403 without a challenge
	forbidden  int               // 403 challenges answered
	pages      []http.Header     // headers of /page requests
	verdicts   map[string]string // last refusal per session
}

type bound struct {
	key        dbsc.Key
	challenges map[string]bool // issued, unused
	value      string
	until      time.Time
	revoked    bool
}

const (
	sidCookie   = "sid"
	boundCookie = "bound"
)

func newServer(t *testing.T, c *clock) (*server, *httptest.Server) {
	s := &server{t: t, clock: c, lifetime: time.Minute, maxAge: time.Minute, sessions: map[string]*bound{}, verdicts: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", s.login)
	mux.HandleFunc("POST /auth/dbsc/start", s.start)
	mux.HandleFunc("POST /auth/dbsc/refresh", s.refresh)
	mux.HandleFunc("/page", s.page)
	mux.HandleFunc("/static/x", func(w http.ResponseWriter, r *http.Request) { s.record(r); w.WriteHeader(http.StatusOK) })
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return s, ts
}

func (s *server) record(r *http.Request) {
	s.mu.Lock()
	s.pages = append(s.pages, r.Header.Clone())
	s.mu.Unlock()
}

func (s *server) challenge(b *bound) string {
	c, err := dbsc.NewChallenge()
	if err != nil {
		s.t.Error(err)
	}
	b.challenges[c] = true
	return c
}

func (s *server) login(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	id := fmt.Sprintf("s%d", len(s.sessions)+1)
	b := &bound{challenges: map[string]bool{}}
	s.sessions[id] = b
	c := s.challenge(b)
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sidCookie, Value: id, Path: "/", HttpOnly: true})
	w.Header().Set(dbsc.HeaderRegistration, dbsc.RegistrationHeader("/auth/dbsc/start", c))
	w.WriteHeader(http.StatusOK)
}

func (s *server) session(r *http.Request) (string, *bound) {
	ck, err := r.Cookie(sidCookie)
	if err != nil {
		return "", nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.sessions[ck.Value]
	if b == nil || b.revoked {
		return "", nil
	}
	return ck.Value, b
}

// issue sets a new bound cookie and answers the config.
func (s *server) issue(w http.ResponseWriter, r *http.Request, id string, b *bound) {
	s.mu.Lock()
	b.value = fmt.Sprintf("%s-%d", id, s.clock.Now().UnixNano())
	b.until = s.clock.Now().Add(s.lifetime)
	ahead := ""
	if s.ahead {
		ahead = s.challenge(b)
	}
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: boundCookie, Value: b.value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: int(s.maxAge / time.Second)})
	if ahead != "" {
		w.Header().Set(dbsc.HeaderChallenge, dbsc.ChallengeHeader(ahead, id))
	}
	cfg := dbsc.Config{
		SessionIdentifier: id,
		RefreshURL:        "/auth/dbsc/refresh",
		Scope: dbsc.Scope{Origin: "http://" + r.Host, ScopeSpecification: []dbsc.ScopeRule{
			{Type: "exclude", Domain: "*", Path: "/static"}}},
		Credentials: []dbsc.Credential{{Type: "cookie", Name: boundCookie, Attributes: "Path=/; HttpOnly; SameSite=Lax"}},
	}
	if s.config != nil {
		s.config(&cfg)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(cfg)
}

// use spends a challenge: single use.
func (s *server) use(b *bound, c string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ok := b.challenges[c]
	delete(b.challenges, c)
	return ok
}

func (s *server) refuse(w http.ResponseWriter, id, why string, revoke bool) {
	s.mu.Lock()
	s.verdicts[id] = why
	if b := s.sessions[id]; b != nil && revoke {
		b.revoked = true
	}
	s.mu.Unlock()
	http.Error(w, why, http.StatusUnauthorized)
}

func (s *server) start(w http.ResponseWriter, r *http.Request) {
	id, b := s.session(r)
	if b == nil {
		http.Error(w, "no session", http.StatusUnauthorized)
		return
	}
	if r.Header.Get("Origin") != "http://"+r.Host || r.Header.Get("Sec-Fetch-Site") != "same-origin" {
		s.refuse(w, id, "cross-origin", false)
		return
	}
	p, err := dbsc.VerifyRegistration(r.Header.Get(dbsc.HeaderResponse))
	if err != nil || !s.use(b, p.Challenge) {
		s.refuse(w, id, fmt.Sprintf("registration: %v", err), false)
		return
	}
	s.mu.Lock()
	b.key = p.Key
	s.mu.Unlock()
	s.issue(w, r, id, b)
}

func (s *server) refresh(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	fail := s.refresh500
	s.mu.Unlock()
	if fail {
		http.Error(w, "down", http.StatusInternalServerError)
		return
	}
	id, err := dbsc.ParseSessionID(r.Header.Get(dbsc.HeaderSessionID))
	if err != nil {
		http.Error(w, "no session id", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	b := s.sessions[id]
	s.mu.Unlock()
	if b == nil || b.revoked || b.key.Thumbprint == "" {
		s.refuse(w, id, "unknown session", false)
		return
	}
	proof := r.Header.Get(dbsc.HeaderResponse)
	if proof == "" {
		s.mu.Lock()
		c := s.challenge(b)
		s.forbidden++
		bare := s.bare403
		s.mu.Unlock()
		if !bare {
			w.Header().Set(dbsc.HeaderChallenge, dbsc.ChallengeHeader(c, id))
		}
		w.WriteHeader(http.StatusForbidden)
		return
	}
	p, err := dbsc.VerifyRefresh(proof, b.key)
	switch {
	case errors.Is(err, dbsc.ErrSignature):
		s.refuse(w, id, "wrong key", true)
		return
	case err != nil:
		s.refuse(w, id, "malformed", false)
		return
	case !s.use(b, p.Challenge):
		s.refuse(w, id, "replayed challenge", false)
		return
	}
	s.issue(w, r, id, b)
}

// page is any page of a bound session: the bound cookie must be the
// current one and within the server's lifetime. A lapsed one gets the 307
// that makes Chromium refresh; a missing one gets 401.
func (s *server) page(w http.ResponseWriter, r *http.Request) {
	s.record(r)
	id, b := s.session(r)
	if b == nil {
		http.Error(w, "signed out", http.StatusUnauthorized)
		return
	}
	s.mu.Lock()
	bindingKey, value, until := b.key.Thumbprint, b.value, b.until
	s.mu.Unlock()
	if bindingKey == "" {
		fmt.Fprint(w, "unbound")
		return
	}
	ck, err := r.Cookie(boundCookie)
	if err != nil {
		http.Error(w, "DEVICE_BINDING_REQUIRED", http.StatusUnauthorized)
		return
	}
	if ck.Value != value || !s.clock.Now().Before(until) {
		s.mu.Lock()
		c := s.challenge(b)
		s.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: boundCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: -1})
		w.Header().Set(dbsc.HeaderChallenge, dbsc.ChallengeHeader(c, id))
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, r.URL.String(), http.StatusTemporaryRedirect)
		return
	}
	fmt.Fprint(w, "bound")
}

func get(t *testing.T, do func(*http.Request) (*http.Response, error), u string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 512)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, strings.TrimSpace(b.String())
}

func setup(t *testing.T) (*clock, *server, *httptest.Server, *dbsctest.Client) {
	c := &clock{t: time.Now().UTC()} // real time: a copied cookie in a plain jar lives as long
	s, ts := newServer(t, c)
	cl := dbsctest.NewClient(nil)
	cl.Now = c.Now
	return c, s, ts, cl
}

func signIn(t *testing.T, ts *httptest.Server, cl *dbsctest.Client) string {
	t.Helper()
	if code, _ := get(t, cl.Do, ts.URL+"/login"); code != http.StatusOK {
		t.Fatalf("login: %d", code)
	}
	id, ok := cl.Registered()
	if !ok {
		t.Fatalf("not registered: %+v", cl.Events())
	}
	return id
}

// TestRegisterAndRefresh: the whole life of a bound session as Chromium
// lives it — register at sign-in, refresh through a 403 challenge when the
// bound cookie lapses, keep working.
func TestRegisterAndRefresh(t *testing.T) {
	clk, s, ts, cl := setup(t)
	id := signIn(t, ts, cl)
	if code, body := get(t, cl.Do, ts.URL+"/page"); code != 200 || body != "bound" {
		t.Fatalf("page after registration: %d %s", code, body)
	}
	cfg, _ := cl.Config()
	if cfg.SessionIdentifier != id || cfg.Scope.Origin != ts.URL {
		t.Fatalf("config %+v", cfg)
	}
	for i := range 3 {
		clk.Advance(61 * time.Second) // the bound cookie lapses in the browser
		if code, body := get(t, cl.Do, ts.URL+"/page"); code != 200 || body != "bound" {
			t.Fatalf("page after lapse %d: %d %s; events %+v", i, code, body, cl.Events())
		}
	}
	if n := cl.Count(dbsctest.EventRefreshed); n != 3 {
		t.Fatalf("%d refreshes, want 3: %+v", n, cl.Events())
	}
	if s.forbidden != 3 {
		t.Fatalf("%d 403 rounds, want 3", s.forbidden)
	}
	// Every refresh named the session with a bare id and proved with the
	// registered key (the server checked: it issued cookies).
	if err := cl.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestChallengeAhead: a challenge sent with the bound cookie is signed at the
// next refresh, without a 403 round.
func TestChallengeAhead(t *testing.T) {
	clk, s, ts, cl := setup(t)
	s.ahead = true
	signIn(t, ts, cl)
	clk.Advance(2 * time.Minute)
	if code, _ := get(t, cl.Do, ts.URL+"/page"); code != 200 {
		t.Fatalf("page: %d; %+v", code, cl.Events())
	}
	clk.Advance(2 * time.Minute)
	if code, _ := get(t, cl.Do, ts.URL+"/page"); code != 200 {
		t.Fatalf("page: %d", code)
	}
	if s.forbidden != 0 || cl.Count(dbsctest.EventRefreshed) != 2 {
		t.Fatalf("%d 403 rounds, %d refreshes", s.forbidden, cl.Count(dbsctest.EventRefreshed))
	}
}

// TestCopiedCookies: every cookie copied to a client without the key works
// until the bound cookie lapses, then is refused; the key holder goes on.
func TestCopiedCookies(t *testing.T) {
	clk, _, ts, cl := setup(t)
	signIn(t, ts, cl)
	u, _ := url.Parse(ts.URL + "/page")
	stolen := cl.Cookies(u)
	if len(stolen) != 2 {
		t.Fatalf("cookies %+v", stolen)
	}
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(u, stolen)
	thief := &http.Client{Jar: jar}
	if code, body := get(t, thief.Do, ts.URL+"/page"); code != 200 || body != "bound" {
		t.Fatalf("copied cookies before the lapse: %d %s", code, body)
	}
	// Another browser with its own key and the copied cookies does no better.
	other := dbsctest.NewClient(nil)
	other.Now = clk.Now
	other.HTTP.Jar.SetCookies(u, stolen)

	clk.Advance(61 * time.Second)
	// The thief's real-time jar still sends the bound cookie: the server's
	// lifetime decides. Go's client follows the 307 without the cookie: 401.
	if code, _ := get(t, thief.Do, ts.URL+"/page"); code != http.StatusUnauthorized {
		t.Fatalf("copied cookies after the lapse: %d", code)
	}
	if code, _ := get(t, other.Do, ts.URL+"/page"); code != http.StatusUnauthorized {
		t.Fatalf("other browser after the lapse: %d", code)
	}
	if code, _ := get(t, cl.Do, ts.URL+"/page"); code != 200 {
		t.Fatalf("key holder after the lapse: %d", code)
	}
}

// TestServerLifetimeShorterThanCookie: the browser still has the bound
// cookie but the server holds it lapsed: the 307 with the cookie expired
// makes the client refresh and retry, as the draft describes.
func TestServerLifetimeShorterThanCookie(t *testing.T) {
	clk, s, ts, cl := setup(t)
	s.maxAge = 10 * time.Minute
	signIn(t, ts, cl)
	clk.Advance(2 * time.Minute)
	if code, body := get(t, cl.Do, ts.URL+"/page"); code != 200 || body != "bound" {
		t.Fatalf("page: %d %s; %+v", code, body, cl.Events())
	}
	if cl.Count(dbsctest.EventRefreshed) != 1 {
		t.Fatalf("events %+v", cl.Events())
	}
	// The redirect's challenge was cached: no 403 round.
	if s.forbidden != 0 {
		t.Fatalf("%d 403 rounds", s.forbidden)
	}
}

// TestWrongKey: a refresh proof from another key is refused (401); Chromium
// ends the session and the request goes without a bound cookie.
func TestWrongKey(t *testing.T) {
	clk, s, ts, cl := setup(t)
	id := signIn(t, ts, cl)
	cl.Signer = dbsctest.NewClient(nil).Signer
	clk.Advance(61 * time.Second)
	if code, _ := get(t, cl.Do, ts.URL+"/page"); code != http.StatusUnauthorized {
		t.Fatalf("page: %d", code)
	}
	if _, ok := cl.Registered(); ok {
		t.Fatal("the client kept a session the server refused")
	}
	ev := cl.Events()
	last := ev[len(ev)-1]
	if last.Kind != dbsctest.EventSessionEnded || last.Status != 401 || last.Reason != "kPersistentHttpError" {
		t.Fatalf("last event %+v", last)
	}
	if s.verdicts[id] != "wrong key" || !s.sessions[id].revoked {
		t.Fatalf("server verdict %q", s.verdicts[id])
	}
}

// TestReplayedProof: a refresh that re-sends the previous proof names a
// spent challenge and is refused.
func TestReplayedProof(t *testing.T) {
	clk, s, ts, cl := setup(t)
	id := signIn(t, ts, cl)
	cl.ReplayLastProof = true
	clk.Advance(61 * time.Second)
	get(t, cl.Do, ts.URL+"/page")
	if s.verdicts[id] != "replayed challenge" {
		t.Fatalf("verdict %q; events %+v", s.verdicts[id], cl.Events())
	}
	if _, ok := cl.Registered(); ok {
		t.Fatal("session kept")
	}
}

// TestRefreshServerError: a 5xx is transient: the request goes without the
// cookie and says why in Secure-Session-Skipped; the session stays.
func TestRefreshServerError(t *testing.T) {
	clk, s, ts, cl := setup(t)
	id := signIn(t, ts, cl)
	s.refresh500 = true
	clk.Advance(61 * time.Second)
	if code, _ := get(t, cl.Do, ts.URL+"/page"); code != http.StatusUnauthorized {
		t.Fatalf("page: %d", code)
	}
	last := s.pages[len(s.pages)-1].Get(dbsc.HeaderSkipped)
	if want := `server_error;session_identifier="` + id + `"`; last != want {
		t.Fatalf("Secure-Session-Skipped %q, want %q", last, want)
	}
	if _, ok := cl.Registered(); !ok {
		t.Fatal("session dropped on a 5xx")
	}
	s.refresh500 = false
	if code, _ := get(t, cl.Do, ts.URL+"/page"); code != 200 {
		t.Fatalf("page after recovery: %d", code)
	}
}

// TestScope: the refresh URL, excluded paths and other origins never wait
// for a refresh.
func TestScope(t *testing.T) {
	clk, _, ts, cl := setup(t)
	signIn(t, ts, cl)
	clk.Advance(61 * time.Second)
	if code, _ := get(t, cl.Do, ts.URL+"/static/x"); code != 200 || cl.Count(dbsctest.EventRefreshed) != 0 {
		t.Fatalf("excluded path: %d, %+v", code, cl.Events())
	}
	other := strings.Replace(ts.URL, "127.0.0.1", "localhost", 1)
	if _, err := cl.Get(context.Background(), other+"/static/x"); err != nil || cl.Count(dbsctest.EventRefreshed) != 0 {
		t.Fatalf("other origin: %v, %+v", err, cl.Events())
	}
	if code, _ := get(t, cl.Do, ts.URL+"/page"); code != 200 || cl.Count(dbsctest.EventRefreshed) != 1 {
		t.Fatalf("in scope: %d, %+v", code, cl.Events())
	}
}

// TestConfigsChromiumRefuses: a config Chromium would not accept leaves the
// browser unbound.
func TestConfigsChromiumRefuses(t *testing.T) {
	for name, edit := range map[string]func(*dbsc.Config){
		"origin with a slash":   func(c *dbsc.Config) { c.Scope.Origin += "/" },
		"localhost origin":      func(c *dbsc.Config) { c.Scope.Origin = strings.Replace(c.Scope.Origin, "127.0.0.1", "localhost", 1) },
		"Max-Age in attributes": func(c *dbsc.Config) { c.Credentials[0].Attributes += "; Max-Age=60" },
		"no credentials":        func(c *dbsc.Config) { c.Credentials = nil },
		"continue false":        func(c *dbsc.Config) { f := false; c.Continue = &f },
	} {
		t.Run(name, func(t *testing.T) {
			_, s, ts, cl := setup(t)
			s.config = edit
			get(t, cl.Do, ts.URL+"/login")
			if _, ok := cl.Registered(); ok || cl.Count(dbsctest.EventRegistrationFailed) != 1 {
				t.Fatalf("events %+v", cl.Events())
			}
		})
	}
}

// TestRefreshEndsSession: a refresh answered with continue:false, a 403
// without a usable challenge, or a session id that is not the session's,
// ends it in the browser.
func TestRefreshEndsSession(t *testing.T) {
	for name, edit := range map[string]func(*server){
		"continue false": func(s *server) { s.config = func(c *dbsc.Config) { f := false; c.Continue = &f } },
		"other id":       func(s *server) { s.config = func(c *dbsc.Config) { c.SessionIdentifier = "x" } },
		"bare 403":       func(s *server) { s.bare403 = true },
	} {
		t.Run(name, func(t *testing.T) {
			clk, s, ts, cl := setup(t)
			signIn(t, ts, cl)
			edit(s)
			clk.Advance(61 * time.Second)
			get(t, cl.Do, ts.URL+"/page")
			if _, ok := cl.Registered(); ok || cl.Count(dbsctest.EventSessionEnded) != 1 {
				t.Fatalf("events %+v", cl.Events())
			}
		})
	}
}

func TestRSAKey(t *testing.T) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	clk, s, ts, _ := setup(t)
	cl := dbsctest.NewClient(k)
	cl.Now = clk.Now
	id := signIn(t, ts, cl)
	if s.sessions[id].key.Alg != dbsc.RS256 {
		t.Fatalf("alg %s", s.sessions[id].key.Alg)
	}
	clk.Advance(61 * time.Second)
	if code, _ := get(t, cl.Do, ts.URL+"/page"); code != 200 {
		t.Fatalf("page: %d", code)
	}
}

// TestProactiveAndQuota: with proactive refresh on, a request refreshes
// ahead of the lapse; Chromium's signing quota (6 per 9 minutes) then stops
// refreshes, and the request says quota_exceeded.
func TestProactiveAndQuota(t *testing.T) {
	clk, s, ts, cl := setup(t)
	cl.ProactiveRefresh = 30 * time.Second
	id := signIn(t, ts, cl)
	clk.Advance(40 * time.Second)
	if code, _ := get(t, cl.Do, ts.URL+"/page"); code != 200 || cl.Count(dbsctest.EventRefreshed) != 1 {
		t.Fatalf("proactive: %d %+v", code, cl.Events())
	}
	cl.ProactiveRefresh = 0
	saw := false
	for range 8 {
		clk.Advance(61 * time.Second)
		get(t, cl.Do, ts.URL+"/page")
		if h := s.pages[len(s.pages)-1].Get(dbsc.HeaderSkipped); h != "" {
			if h != `quota_exceeded;session_identifier="`+id+`"` {
				t.Fatalf("skipped %q", h)
			}
			saw = true
			break
		}
	}
	if !saw {
		t.Fatalf("no quota in 8 refreshes: %+v", cl.Events())
	}
}

func TestNoAlgorithmInCommon(t *testing.T) {
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	cl := dbsctest.NewClient(k)
	// A server offering ES256 only.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(dbsc.HeaderRegistration, `(ES256);path="/auth/dbsc/start";challenge="c"`)
	}))
	defer srv.Close()
	get(t, cl.Do, srv.URL)
	if ev := cl.Events(); len(ev) != 1 || ev[0].Reason != "no algorithm in common" {
		t.Fatalf("events %+v", ev)
	}
}
