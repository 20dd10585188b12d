package vigilhttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/vigilhttp"
)

const (
	alicePW = "quiet-lantern-harbor-5821" // alice: patient
	bobPW   = "amber-falcon-meadow-9034"  // bob: clinician
)

// fixture is an engine over a temp SQLite store with a fake clock, the
// users alice (patient) and bob (clinician), and the middleware over it.
type fixture struct {
	t      testing.TB
	engine *auth.Engine
	clock  *testkit.Clock
	s      *vigilhttp.Sessions
}

func newFixture(t testing.TB, opt vigilhttp.Options) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: testkit.NewClock(time.Now().UTC().Truncate(time.Second))}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.engine = testkit.Engine(testkit.SQLite(t),
		auth.Options{Policy: vigil.Policy{Lifetime: 8 * time.Hour, IdleTimeout: 30 * time.Minute}, Now: f.clock.Now, Logger: quiet})
	testkit.CreateUsers(t, f.engine, auth.Actor{Username: "test"},
		auth.NewUser{Username: "alice", Role: vigil.RolePatient, Password: alicePW},
		auth.NewUser{Username: "bob", Role: vigil.RoleClinician, ClinicianID: "C-17", Password: bobPW},
	)
	if opt.Logger == nil {
		opt.Logger = quiet
	}
	f.s = vigilhttp.New(f.engine, opt)
	return f
}

// login returns a live session of user.
func (f *fixture) login(user, pw string) *auth.Current {
	f.t.Helper()
	cur, err := f.engine.Login(context.Background(), user, pw, nil, auth.Actor{IP: "192.0.2.1"})
	if err != nil {
		f.t.Fatal(err)
	}
	return cur
}

// request builds a request carrying cur's cookie (if any) and, for unsafe
// methods, its CSRF token unless csrf is false.
func (f *fixture) request(method string, cur *auth.Current, csrf bool, hdr ...string) *http.Request {
	req := httptest.NewRequest(method, "/notes", nil)
	if cur != nil {
		req.AddCookie(&http.Cookie{Name: f.s.Cookies().Name(), Value: cur.Token.String()})
		if csrf {
			req.Header.Set("X-CSRF-Token", cur.Token.CSRF())
		}
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return req
}

// serve runs req through h and returns the recorder.
func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

type errBody struct {
	Error, Code, Reason, RequestID string
	Problems                       []string
}

func decodeErr(t testing.TB, rec *httptest.ResponseRecorder) errBody {
	t.Helper()
	var raw map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
		t.Fatalf("not JSON: %q", rec.Body)
	}
	var b errBody
	b.Error, _ = raw["error"].(string)
	b.Code, _ = raw["code"].(string)
	b.Reason, _ = raw["reason"].(string)
	b.RequestID, _ = raw["request_id"].(string)
	if ps, ok := raw["problems"].([]any); ok {
		for _, p := range ps {
			s, _ := p.(string)
			b.Problems = append(b.Problems, s)
		}
	}
	if b.Error == "" || b.Code == "" {
		t.Fatalf("not an error body: %q", rec.Body)
	}
	return b
}

func cookieCleared(rec *httptest.ResponseRecorder, name string) bool {
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == name && ck.MaxAge < 0 && ck.Value == "" {
			return true
		}
	}
	return false
}

// echo answers 200 with the user, session id and CSRF token in the
// context.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	u, okU := vigilhttp.UserFrom(r.Context())
	s, okS := vigilhttp.SessionFrom(r.Context())
	fmt.Fprintf(w, "%s|%s|%s|%v|%v|%s", u.Username, u.Role, s.ID, okU, okS, vigilhttp.CSRFToken(r.Context()))
})

func TestRequire(t *testing.T) {
	t.Parallel()
	f := newFixture(t, vigilhttp.Options{Dev: true})
	h := f.s.Require(echo)
	cur := f.login("alice", alicePW)

	rec := serve(h, f.request("GET", cur, false))
	if rec.Code != 200 {
		t.Fatalf("GET with a session: %d %s", rec.Code, rec.Body)
	}
	if want := "alice|patient|" + cur.Session.ID + "|true|true|" + cur.Token.CSRF(); rec.Body.String() != want {
		t.Errorf("context: %q, want %q", rec.Body, want)
	}

	rec = serve(h, f.request("GET", nil, false))
	if rec.Code != 401 || decodeErr(t, rec).Code != vigil.CodeUnauthenticated {
		t.Errorf("no cookie: %d %s", rec.Code, rec.Body)
	}
	if len(rec.Result().Cookies()) != 0 {
		t.Error("401 without a cookie set a cookie")
	}

	garbage := httptest.NewRequest("GET", "/notes", nil)
	garbage.AddCookie(&http.Cookie{Name: vigilhttp.DevCookieName, Value: "garbage"})
	rec = serve(h, garbage)
	if rec.Code != 401 || decodeErr(t, rec).Code != vigil.CodeUnauthenticated || !cookieCleared(rec, vigilhttp.DevCookieName) {
		t.Errorf("garbage cookie: %d %s %v", rec.Code, rec.Body, rec.Result().Cookies())
	}

	// Unsafe methods need the session's CSRF token.
	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		rec = serve(h, f.request(m, cur, false))
		if rec.Code != 403 || decodeErr(t, rec).Code != vigil.CodeCSRFFailed {
			t.Errorf("%s without CSRF token: %d %s", m, rec.Code, rec.Body)
		}
		rec = serve(h, f.request(m, cur, false, "X-CSRF-Token", cur.Token.CSRF()+"A"))
		if rec.Code != 403 {
			t.Errorf("%s with a wrong CSRF token: %d", m, rec.Code)
		}
		if rec = serve(h, f.request(m, cur, true)); rec.Code != 200 {
			t.Errorf("%s with the CSRF token: %d %s", m, rec.Code, rec.Body)
		}
	}
	for _, m := range []string{"GET", "HEAD", "OPTIONS"} {
		if rec = serve(h, f.request(m, cur, false)); rec.Code != 200 {
			t.Errorf("safe %s without CSRF token: %d", m, rec.Code)
		}
	}
	other := f.login("alice", alicePW)
	if rec = serve(h, f.request("POST", cur, false, "X-CSRF-Token", other.Token.CSRF())); rec.Code != 403 {
		t.Errorf("another session's CSRF token: %d", rec.Code)
	}
	evs, err := f.engine.Events(context.Background(), vigil.EventFilter{Username: "alice", Event: vigil.EventCSRFRejected})
	if err != nil || len(evs) != 9 {
		t.Errorf("want 9 csrf_rejected events, got %d (%v)", len(evs), err)
	}
}

// TestRequireActivity: ordinary requests are activity; background ones
// and RequirePassive are not.
func TestRequireActivity(t *testing.T) {
	t.Parallel()
	f := newFixture(t, vigilhttp.Options{Dev: true})
	req, passive := f.s.Require(echo), f.s.RequirePassive(echo)
	cur := f.login("alice", alicePW)

	// 29 minutes of background traffic does not keep the session alive.
	for range 29 {
		f.clock.Advance(time.Minute)
		if rec := serve(req, f.request("GET", cur, false, "Vigil-Activity", "background")); rec.Code != 200 {
			t.Fatalf("background: %d", rec.Code)
		}
		if rec := serve(passive, f.request("GET", cur, false)); rec.Code != 200 {
			t.Fatalf("passive: %d", rec.Code)
		}
	}
	f.clock.Advance(time.Minute)
	rec := serve(req, f.request("GET", cur, false, "Vigil-Activity", "background"))
	if rec.Code != 401 {
		t.Fatalf("after 30 minutes of background requests: %d %s", rec.Code, rec.Body)
	}
	if b := decodeErr(t, rec); b.Code != vigil.CodeSessionExpired || b.Reason != string(vigil.ReasonInactivity) {
		t.Errorf("expired: %+v", b)
	}
	if !cookieCleared(rec, vigilhttp.DevCookieName) {
		t.Error("an expired session's cookie was not cleared")
	}

	// An ordinary request every 29 minutes keeps a new session alive.
	cur = f.login("alice", alicePW)
	for range 3 {
		f.clock.Advance(29 * time.Minute)
		if rec := serve(req, f.request("GET", cur, false)); rec.Code != 200 {
			t.Fatalf("active session: %d %s", rec.Code, rec.Body)
		}
	}
}

func TestRequireRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t, vigilhttp.Options{Dev: true})
	clinicians := f.s.Require(f.s.RequireRole(vigil.RoleClinician, vigil.RoleAdmin)(echo))
	alice, bob := f.login("alice", alicePW), f.login("bob", bobPW)

	if rec := serve(clinicians, f.request("GET", bob, false)); rec.Code != 200 || !strings.HasPrefix(rec.Body.String(), "bob|clinician|") {
		t.Errorf("clinician: %d %s", rec.Code, rec.Body)
	}
	rec := serve(clinicians, f.request("GET", alice, false))
	if rec.Code != 403 || decodeErr(t, rec).Code != vigil.CodeForbidden {
		t.Errorf("patient: %d %s", rec.Code, rec.Body)
	}
	if cookieCleared(rec, vigilhttp.DevCookieName) {
		t.Error("403 cleared the cookie")
	}
	evs, err := f.engine.Events(context.Background(), vigil.EventFilter{Username: "alice", Event: vigil.EventAccessForbidden})
	if err != nil || len(evs) != 1 || !strings.Contains(evs[0].Detail, "/notes") {
		t.Errorf("access_forbidden events: %+v %v", evs, err)
	}
	if rec := serve(clinicians, f.request("GET", nil, false)); rec.Code != 401 {
		t.Errorf("no session: %d", rec.Code)
	}
	// Used without Require there is no session in the context: 401.
	if rec := serve(f.s.RequireRole(vigil.RolePatient)(echo), f.request("GET", alice, false)); rec.Code != 401 {
		t.Errorf("RequireRole outside Require: %d", rec.Code)
	}
	// No roles: every signed-in user.
	if rec := serve(f.s.Require(f.s.RequireRole()(echo)), f.request("GET", alice, false)); rec.Code != 200 {
		t.Errorf("RequireRole(): %d", rec.Code)
	}
}

// TestRequireEndedSessions: a revoked or expired session gets 401 with
// its reason and a cleared cookie.
func TestRequireEndedSessions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, vigilhttp.Options{Dev: true})
	h := f.s.Require(echo)
	ctx := context.Background()

	cur := f.login("alice", alicePW)
	if err := f.engine.Logout(ctx, cur.Token, auth.Actor{}); err != nil {
		t.Fatal(err)
	}
	rec := serve(h, f.request("GET", cur, false))
	if b := decodeErr(t, rec); rec.Code != 401 || b.Code != vigil.CodeSessionRevoked || b.Reason != "logout" || !cookieCleared(rec, vigilhttp.DevCookieName) {
		t.Errorf("logged out: %d %+v", rec.Code, b)
	}

	cur = f.login("bob", bobPW)
	if _, err := f.engine.SetDisabled(ctx, "bob", true, auth.Actor{Username: "test"}); err != nil {
		t.Fatal(err)
	}
	rec = serve(h, f.request("GET", cur, false))
	if b := decodeErr(t, rec); rec.Code != 401 || b.Code != vigil.CodeSessionRevoked || b.Reason != "user_disabled" {
		t.Errorf("disabled: %d %+v", rec.Code, b)
	}

	cur = f.login("alice", alicePW)
	f.clock.Advance(8 * time.Hour)
	rec = serve(h, f.request("POST", cur, true))
	if b := decodeErr(t, rec); rec.Code != 401 || b.Code != vigil.CodeSessionExpired || b.Reason != "lifetime" || !cookieCleared(rec, vigilhttp.DevCookieName) {
		t.Errorf("lifetime: %d %+v", rec.Code, b)
	}
}

// TestOptions: ClientIP feeds the audit trail; OnError answers refusals.
func TestOptions(t *testing.T) {
	t.Parallel()
	var got []string
	var mu sync.Mutex
	f := newFixture(t, vigilhttp.Options{
		Dev:      true,
		ClientIP: func(*http.Request) string { return "203.0.113.9" },
		OnError: func(w http.ResponseWriter, r *http.Request, err error) {
			mu.Lock()
			got = append(got, vigil.ErrorCode(err))
			mu.Unlock()
			http.Redirect(w, r, "/login", http.StatusSeeOther)
		},
	})
	h := f.s.Require(echo)
	if rec := serve(h, f.request("GET", nil, false)); rec.Code != http.StatusSeeOther {
		t.Errorf("OnError not used: %d", rec.Code)
	}
	cur := f.login("alice", alicePW)
	serve(h, f.request("POST", cur, false))
	mu.Lock()
	if strings.Join(got, ",") != "UNAUTHENTICATED,CSRF_FAILED" {
		t.Errorf("OnError saw %q", got)
	}
	mu.Unlock()
	evs, err := f.engine.Events(context.Background(), vigil.EventFilter{Event: vigil.EventCSRFRejected})
	if err != nil || len(evs) != 1 || evs[0].IP != "203.0.113.9" {
		t.Errorf("csrf_rejected event ip: %+v %v", evs, err)
	}
	if a := f.s.Actor(httptest.NewRequest("GET", "/", nil)); a.IP != "203.0.113.9" || a.Username != "" {
		t.Errorf("Actor: %+v", a)
	}
}

func TestContextGettersOutsideRequire(t *testing.T) {
	ctx := context.Background()
	if _, ok := vigilhttp.UserFrom(ctx); ok {
		t.Error("UserFrom found a user")
	}
	if _, ok := vigilhttp.SessionFrom(ctx); ok {
		t.Error("SessionFrom found a session")
	}
	if vigilhttp.CSRFToken(ctx) != "" || vigilhttp.CurrentFrom(ctx) != nil {
		t.Error("CSRFToken or CurrentFrom found something")
	}
}

// TestCookies: SPEC §2's cookie, in production and development form.
func TestCookies(t *testing.T) {
	tok := vigil.NewToken()
	exp := time.Date(2031, 2, 3, 4, 5, 6, 0, time.FixedZone("X", 3600))
	for _, dev := range []bool{false, true} {
		c := vigilhttp.Cookies{Dev: dev}
		rec := httptest.NewRecorder()
		c.Set(rec, tok, exp)
		line := rec.Header().Get("Set-Cookie")
		ck, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatal(err)
		}
		wantName := "__Host-vigil_session"
		if dev {
			wantName = "vigil_session"
		}
		if ck.Name != wantName || c.Name() != wantName || ck.Value != tok.String() || ck.Path != "/" || ck.Domain != "" ||
			!ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure == dev || !ck.Expires.Equal(exp) {
			t.Errorf("dev=%v: Set-Cookie %q", dev, line)
		}
		if !strings.Contains(line, "GMT") {
			t.Errorf("dev=%v: Expires not in GMT: %q", dev, line)
		}

		rec = httptest.NewRecorder()
		c.Clear(rec)
		line = rec.Header().Get("Set-Cookie")
		if !strings.Contains(line, wantName+"=;") || !strings.Contains(line, "Max-Age=0") || !strings.Contains(line, "Path=/") || strings.Contains(line, "Secure") == dev {
			t.Errorf("dev=%v: clear %q", dev, line)
		}

		req := httptest.NewRequest("GET", "/", nil)
		if _, present, err := c.Token(req); present || err != nil {
			t.Errorf("dev=%v: no cookie: present=%v err=%v", dev, present, err)
		}
		req.AddCookie(&http.Cookie{Name: wantName, Value: tok.String()})
		if got, present, err := c.Token(req); !present || err != nil || got != tok {
			t.Errorf("dev=%v: cookie not read: %v %v", dev, present, err)
		}
		req = httptest.NewRequest("GET", "/", nil)
		req.AddCookie(&http.Cookie{Name: wantName, Value: "nope"})
		if _, present, err := c.Token(req); !present || !errors.Is(err, vigil.ErrMalformedToken) {
			t.Errorf("dev=%v: garbage: present=%v err=%v", dev, present, err)
		}
	}
	// The production middleware does not read the development cookie.
	f := newFixture(t, vigilhttp.Options{})
	cur := f.login("alice", alicePW)
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(&http.Cookie{Name: vigilhttp.DevCookieName, Value: cur.Token.String()})
	if rec := serve(f.s.Require(echo), req); rec.Code != 401 {
		t.Errorf("production middleware accepted the dev cookie: %d", rec.Code)
	}
	if rec := serve(f.s.Require(echo), f.request("GET", cur, false)); rec.Code != 200 {
		t.Errorf("production cookie: %d", rec.Code)
	}
}

// TestWriteError: the code-to-status map, Retry-After, and opaque 5xx.
func TestWriteError(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	h := vigilhttp.WithRequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var err error
		switch r.URL.Path {
		case "/weak":
			err = &vigil.Error{Code: vigil.CodeWeakPassword, Message: "weak", Problems: []string{"a", "b"}}
		case "/expired":
			err = vigil.SessionEndedError(vigil.ReasonInactivity)
		case "/limited":
			err = &vigil.Error{Code: vigil.CodeRateLimited, Message: "wait", RetryAfter: 1500 * time.Millisecond}
		case "/limited-zero":
			err = &vigil.Error{Code: vigil.CodeRateLimited, Message: "wait"}
		case "/limited-exact":
			err = &vigil.Error{Code: vigil.CodeRateLimited, Message: "wait", RetryAfter: time.Hour}
		case "/internal":
			err = fmt.Errorf("sqlite: select: %w", errors.New("secret-cause"))
		case "/unavailable":
			err = fmt.Errorf("sqlite: ping: %w", vigil.ErrUnavailable)
		case "/deadline":
			err = fmt.Errorf("sqlite: query: %w", context.DeadlineExceeded)
		case "/unknown-code":
			err = &vigil.Error{Code: "SOMETHING_NEW", Message: "m"}
		}
		vigilhttp.WriteError(w, r, log, err)
	}))
	for _, tc := range []struct {
		path, code, retry string
		status            int
	}{
		{"/weak", vigil.CodeWeakPassword, "", 400},
		{"/expired", vigil.CodeSessionExpired, "", 401},
		{"/limited", vigil.CodeRateLimited, "2", 429},
		{"/limited-zero", vigil.CodeRateLimited, "1", 429},
		{"/limited-exact", vigil.CodeRateLimited, "3600", 429},
		{"/internal", vigil.CodeInternal, "", 500},
		{"/unavailable", vigil.CodeUnavailable, "", 503},
		{"/deadline", vigil.CodeUnavailable, "", 503},
		{"/unknown-code", "SOMETHING_NEW", "", 500},
	} {
		rec := serve(h, httptest.NewRequest("GET", tc.path, nil))
		b := decodeErr(t, rec)
		if rec.Code != tc.status || b.Code != tc.code || rec.Header().Get("Retry-After") != tc.retry {
			t.Errorf("%s: %d %s Retry-After %q", tc.path, rec.Code, rec.Body, rec.Header().Get("Retry-After"))
		}
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Errorf("%s: Content-Type %q", tc.path, rec.Header().Get("Content-Type"))
		}
		if tc.status >= 500 && tc.code != "SOMETHING_NEW" {
			if b.RequestID == "" || b.RequestID != rec.Header().Get("X-Request-Id") || !strings.Contains(logs.String(), b.RequestID) {
				t.Errorf("%s: request id %q not in header and log", tc.path, b.RequestID)
			}
			if strings.Contains(rec.Body.String(), "secret-cause") || strings.Contains(rec.Body.String(), "sqlite") {
				t.Errorf("%s: cause leaked: %s", tc.path, rec.Body)
			}
		}
		if tc.status < 500 && b.RequestID != "" {
			t.Errorf("%s: request id on a client error", tc.path)
		}
	}
	if rec := serve(h, httptest.NewRequest("GET", "/weak", nil)); !strings.Contains(rec.Body.String(), `"problems":["a","b"]`) {
		t.Errorf("problems: %s", rec.Body)
	}
	if !strings.Contains(logs.String(), "secret-cause") {
		t.Error("the cause of a 500 is not logged")
	}
	if vigilhttp.Status(vigil.CodeCSRFFailed) != 403 || vigilhttp.Status("NOPE") != 500 {
		t.Error("Status map")
	}
}

// TestRequestIDsDiffer: every request gets its own id.
func TestRequestIDsDiffer(t *testing.T) {
	h := vigilhttp.WithRequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, vigilhttp.RequestID(r))
	}))
	a, b := serve(h, httptest.NewRequest("GET", "/", nil)), serve(h, httptest.NewRequest("GET", "/", nil))
	if a.Body.String() == "" || a.Body.String() == b.Body.String() || a.Header().Get("X-Request-Id") != a.Body.String() {
		t.Errorf("ids %q %q", a.Body, b.Body)
	}
	if vigilhttp.RequestID(httptest.NewRequest("GET", "/", nil)) != "" {
		t.Error("RequestID outside WithRequestID")
	}
}

// FuzzCookie: whatever the cookie header holds, Require answers 200 (only
// for the live session's token) or 401, never a 5xx or a panic.
func FuzzCookie(f *testing.F) {
	fx := newFixture(f, vigilhttp.Options{Dev: true})
	cur := fx.login("alice", alicePW)
	good := cur.Token.String()
	for _, s := range []string{
		good, "", "garbage", good + "=", good[:42], good + good, "\x00", strings.Repeat("A", 43), strings.Repeat("A", 4096),
		`"` + good + `"`, good[:10] + "%00" + good[13:], "é" + good[2:], good + "; vigil_session=" + good,
	} {
		f.Add("vigil_session", s)
	}
	f.Add("", "vigil_session="+good+"; vigil_session=garbage")
	f.Add("__Host-vigil_session", good)
	h := fx.s.Require(echo)
	f.Fuzz(func(t *testing.T, name, value string) {
		req := httptest.NewRequest("GET", "/notes", nil)
		if name == "" {
			req.Header.Set("Cookie", value)
		} else {
			req.Header.Set("Cookie", name+"="+value)
		}
		rec := serve(h, req)
		switch rec.Code {
		case 200:
			if !strings.HasPrefix(rec.Body.String(), "alice|") {
				t.Fatalf("200 for someone else: %s", rec.Body)
			}
		case 401:
			decodeErr(t, rec)
		default:
			t.Fatalf("cookie %q=%q: status %d: %s", name, value, rec.Code, rec.Body)
		}
	})
}
