package vigilhttp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/vigilhttp"
)

// cookieOf returns the cookie named name that rec sets, or nil.
func cookieOf(rec *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// live reports whether the session of tok still passes a check.
func (f *fixture) live(tok vigil.Token) bool {
	_, err := f.engine.Check(context.Background(), tok, false)
	return err == nil
}

// TestSignIn: a good password sets the session and known-device cookies
// and ends a session cookie sent along; a wrong one sets nothing.
func TestSignIn(t *testing.T) {
	t.Parallel()
	f := newFixture(t, vigilhttp.Options{Dev: true})
	old := f.login("alice", alicePW)

	rec := httptest.NewRecorder()
	cur, err := f.s.SignIn(rec, f.request("POST", old, false), "alice", alicePW)
	if err != nil {
		t.Fatal(err)
	}
	ck := cookieOf(rec, vigilhttp.DevCookieName)
	if ck == nil || ck.Value != cur.Token.String() || !ck.HttpOnly {
		t.Fatalf("session cookie %v, want the new token", ck)
	}
	if cookieOf(rec, vigilhttp.DevDeviceCookieName) == nil {
		t.Error("no known-device cookie")
	}
	if f.live(old.Token) {
		t.Error("the session cookie sent along was not ended (session fixation)")
	}

	rec = httptest.NewRecorder()
	if _, err := f.s.SignIn(rec, f.request("POST", nil, false), "alice", "not her password at all"); vigil.ErrorCode(err) != vigil.CodeInvalidCredentials {
		t.Errorf("wrong password: %v, want INVALID_CREDENTIALS", err)
	}
	if len(rec.Result().Cookies()) != 0 {
		t.Errorf("a failed sign-in set cookies: %v", rec.Header().Values("Set-Cookie"))
	}
}

// formPost is a page form post with cur's cookie and the form's
// csrf_token, its body parsed (as the pages do) when parse is set.
func (f *fixture) formPost(t *testing.T, cur *auth.Current, token string, parse bool) *http.Request {
	t.Helper()
	req := httptest.NewRequest("POST", "/auth/logout", strings.NewReader("csrf_token="+url.QueryEscape(token)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: f.s.Cookies().Name(), Value: cur.Token.String()})
	if parse {
		if err := req.ParseForm(); err != nil {
			t.Fatal(err)
		}
	}
	return req
}

// TestSignOut: without a session it only clears the cookie; with one it
// needs the CSRF token, from the header or from a parsed page form, and a
// refusal changes nothing.
func TestSignOut(t *testing.T) {
	t.Parallel()
	f := newFixture(t, vigilhttp.Options{Dev: true})
	signOut := func(req *http.Request) (*httptest.ResponseRecorder, *auth.Current, error) {
		rec := httptest.NewRecorder()
		cur, err := f.s.SignOut(rec, req)
		return rec, cur, err
	}
	cleared := func(rec *httptest.ResponseRecorder) bool {
		return cookieCleared(rec, vigilhttp.DevCookieName) && rec.Header().Get("Clear-Site-Data") == `"cookies", "storage"`
	}

	rec, cur, err := signOut(f.request("POST", nil, false))
	if err != nil || cur != nil || !cleared(rec) {
		t.Errorf("without a session: %v %v, cleared %v", cur, err, cleared(rec))
	}

	alice, other := f.login("alice", alicePW), f.login("alice", alicePW)
	refused := map[string]*http.Request{
		"no token":                   f.request("POST", alice, false),
		"a wrong header":             f.request("POST", alice, false, "X-CSRF-Token", alice.Token.CSRF()+"x"),
		"another session's token":    f.request("POST", alice, false, "X-CSRF-Token", other.Token.CSRF()),
		"a wrong form field":         f.formPost(t, alice, "x"+alice.Token.CSRF(), true),
		"a form field never parsed":  f.formPost(t, alice, alice.Token.CSRF(), false),
		"another session's in forms": f.formPost(t, alice, other.Token.CSRF(), true),
	}
	for name, req := range refused {
		rec, cur, err := signOut(req)
		if vigil.ErrorCode(err) != vigil.CodeCSRFFailed || cur == nil || cur.Session.ID != alice.Session.ID {
			t.Errorf("%s: %v (session %v), want CSRF_FAILED and alice's session", name, err, cur)
		}
		if len(rec.Result().Cookies()) != 0 || !f.live(alice.Token) {
			t.Errorf("%s: a refused sign-out changed something", name)
		}
	}
	evs, err := f.engine.Events(context.Background(), vigil.EventFilter{Username: "alice", Event: vigil.EventCSRFRejected})
	if err != nil || len(evs) != len(refused) {
		t.Errorf("%d csrf_rejected events (%v), want %d", len(evs), err, len(refused))
	}

	for name, req := range map[string]*http.Request{
		"the header":     f.request("POST", alice, true),
		"the form field": f.formPost(t, other, other.Token.CSRF(), true),
	} {
		rec, cur, err := signOut(req)
		if err != nil || cur == nil || !cleared(rec) || f.live(cur.Token) {
			t.Errorf("with %s: %v, cleared %v", name, err, cleared(rec))
		}
	}
}

// TestReauthenticate: the right password gives the session a new token
// and cookie and ends the old token; a wrong one changes nothing.
func TestReauthenticate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, vigilhttp.Options{Dev: true})
	cur := f.login("alice", alicePW)
	rec := httptest.NewRecorder()
	if _, err := f.s.Reauthenticate(rec, f.request("POST", cur, true), cur, "not her password at all"); vigil.ErrorCode(err) != vigil.CodeInvalidCredentials {
		t.Errorf("wrong password: %v", err)
	}
	if len(rec.Result().Cookies()) != 0 || !f.live(cur.Token) {
		t.Error("a refused re-authentication changed something")
	}
	rec = httptest.NewRecorder()
	next, err := f.s.Reauthenticate(rec, f.request("POST", cur, true), cur, alicePW)
	if err != nil {
		t.Fatal(err)
	}
	if ck := cookieOf(rec, vigilhttp.DevCookieName); ck == nil || ck.Value != next.Token.String() || ck.Value == cur.Token.String() {
		t.Errorf("cookie %v, want the new token", ck)
	}
	if f.live(cur.Token) || !f.live(next.Token) {
		t.Error("the token was not rotated")
	}
}

// TestPeek: looking (Peek) is never activity; Check and Verify are,
// unless the request says "Vigil-Activity: background".
func TestPeek(t *testing.T) {
	t.Parallel()
	f := newFixture(t, vigilhttp.Options{Dev: true})
	peeked, checked, background := f.login("alice", alicePW), f.login("bob", bobPW), f.login("bob", bobPW)
	f.clock.Advance(20 * time.Minute)
	_, errPeek := f.s.Peek(f.request("GET", peeked, false))
	_, errCheck := f.s.Check(f.request("GET", checked, false))
	_, errBackground := f.s.Check(f.request("GET", background, false, "Vigil-Activity", "background"))
	if errPeek != nil || errCheck != nil || errBackground != nil {
		t.Fatalf("within the idle timeout: %v, %v, %v", errPeek, errCheck, errBackground)
	}
	f.clock.Advance(20 * time.Minute) // 40 minutes after sign-in, 20 after the check
	if _, err := f.s.Peek(f.request("GET", peeked, false)); vigil.ErrorCode(err) != vigil.CodeSessionExpired {
		t.Errorf("peeked at only: %v, want SESSION_EXPIRED", err)
	}
	if _, err := f.s.Verify(f.request("GET", background, false)); vigil.ErrorCode(err) != vigil.CodeSessionExpired {
		t.Errorf("checked in the background only: %v, want SESSION_EXPIRED", err)
	}
	if _, err := f.s.Verify(f.request("GET", checked, false)); err != nil {
		t.Errorf("checked 20 minutes ago: %v", err)
	}
}

// TestClientIP: X-Forwarded-For is read only from a trusted proxy, from
// the right, the first untrusted hop being the client.
func TestClientIP(t *testing.T) {
	t.Parallel()
	f := newFixture(t, vigilhttp.Options{Dev: true, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}})
	for _, c := range []struct {
		peer, xff, want string
		trusted         bool
	}{
		{"192.0.2.7:5000", "", "192.0.2.7", false},
		{"192.0.2.7:5000", "203.0.113.9", "192.0.2.7", false}, // an untrusted peer's header is ignored
		{"10.1.2.3:5000", "203.0.113.9", "203.0.113.9", true},
		{"10.1.2.3:5000", "198.51.100.1, 203.0.113.9, 10.9.9.9", "203.0.113.9", true}, // the client cannot prepend itself past a hop
		{"10.1.2.3:5000", "203.0.113.9, not-an-ip", "10.1.2.3", true},                 // a hop that is no address stops the reading
		{"[::1]:5000", "10.0.0.5", "10.0.0.5", true},                                  // every hop trusted: the last one
		{"[::ffff:10.1.2.3]:5000", "203.0.113.9", "203.0.113.9", true},                // an IPv4-mapped peer
	} {
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr = c.peer
		if c.xff != "" {
			req.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := f.s.ClientIP(req); got != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q: ClientIP %q, want %q", c.peer, c.xff, got, c.want)
		}
		if got := f.s.FromTrustedProxy(req); got != c.trusted {
			t.Errorf("peer %s: FromTrustedProxy %v", c.peer, got)
		}
		if a := f.s.Actor(req); a.IP != c.want || a.Username != "" {
			t.Errorf("peer %s: Actor %+v", c.peer, a)
		}
	}
}
