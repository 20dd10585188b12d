package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

// TestSignIn: the form signs in without JavaScript: 303 to the account
// page with the session cookie (HttpOnly, SameSite=Lax, expiring with the
// session's lifetime).
func TestSignIn(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	p := b.post("/auth/login", url.Values{"username": {"Alice"}, "password": {alicePW}})
	expectStatus(t, "sign in", p, http.StatusSeeOther)
	if p.location() != "/auth/account" {
		t.Errorf("Location %q, want /auth/account", p.location())
	}
	ck := setCookie(p, cookieName)
	if ck == nil || ck.Value == "" || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" {
		t.Fatalf("session cookie: %+v", ck)
	}
	if want := h.Clock.Now().Add(8 * time.Hour); !ck.Expires.Equal(want) {
		t.Errorf("cookie expires %v, want the lifetime's end %v", ck.Expires, want)
	}
	acc := b.get("/auth/account")
	expectStatus(t, "account", acc, 200)
	if got := mustID(t, acc, "account-username").Text(); got != "alice" {
		t.Errorf("account page for %q", got)
	}
	// Signed in already: the sign-in page goes on to rd.
	if p := b.get("/auth/login?rd=%2Fauth%2Fadmin"); p.Status != http.StatusSeeOther || p.location() != "/auth/admin" {
		t.Errorf("sign-in page while signed in: %d %q", p.Status, p.location())
	}
}

// TestSignInRefused: unknown user, wrong password and disabled account
// get one message (no enumeration); the username is kept in the form, the
// password never comes back.
func TestSignInRefused(t *testing.T) {
	h := newHarness(t)
	if _, err := h.Engine.SetDisabled(t.Context(), "bob", true, auth.Actor{Username: "test"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ user, pw string }{
		{"alice", "not-her-password-at-all"},
		{"nobody", "not-anyones-password-1"},
		{"bob", bobPW},
	} {
		b := h.browser()
		p := b.post("/auth/login", url.Values{"username": {c.user}, "password": {c.pw}, "rd": {"/auth/admin"}})
		expectStatus(t, c.user, p, http.StatusUnauthorized)
		if got := mustID(t, p, "login-error").Text(); got != "Invalid username or password." {
			t.Errorf("%s: message %q", c.user, got)
		}
		if v := mustID(t, p, "username").Attr["value"]; v != c.user {
			t.Errorf("%s: username field %q", c.user, v)
		}
		if strings.Contains(p.Body, c.pw) {
			t.Errorf("%s: the password is in the page", c.user)
		}
		if v := mustID(t, p, "rd").Attr["value"]; v != "/auth/admin" {
			t.Errorf("%s: rd kept as %q", c.user, v)
		}
		if setCookie(p, cookieName) != nil {
			t.Errorf("%s: a refused sign-in set a cookie", c.user)
		}
	}
	b := h.browser()
	p := b.post("/auth/login", url.Values{"username": {"alice"}})
	expectStatus(t, "no password", p, http.StatusBadRequest)
	mustID(t, p, "login-error")
}

// TestSignInThrottled: after five failures the sixth attempt says when to
// try again, with Retry-After, even with the right password.
func TestSignInThrottled(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	for i := 0; i < 5; i++ {
		p := b.post("/auth/login", url.Values{"username": {"alice"}, "password": {"wrong-password-number-x"}})
		expectStatus(t, "failure", p, http.StatusUnauthorized)
	}
	p := b.post("/auth/login", url.Values{"username": {"alice"}, "password": {alicePW}})
	expectStatus(t, "throttled", p, http.StatusTooManyRequests)
	if got := mustID(t, p, "login-error").Text(); got != "Too many attempts. Try again in 1 minute." {
		t.Errorf("message %q", got)
	}
	if ra := p.Header.Get("Retry-After"); ra != "60" {
		t.Errorf("Retry-After %q, want 60", ra)
	}
	h.Clock.Advance(61 * time.Second)
	b.signIn("alice", alicePW)
}

// TestNoOpenRedirect: rd sends the user back only to a path on this
// origin; anything else goes to the account page.
func TestNoOpenRedirect(t *testing.T) {
	h := newHarness(t)
	for _, rd := range []string{
		"//evil.example", "//evil.example/auth/account", `/\evil.example`, `/\/evil.example`,
		"https://evil.example", "http://evil.example/x", "HTTPS://evil.example", "javascript:alert(1)",
		"JavaScript:alert(document.cookie)", "data:text/html,<script>alert(1)</script>", "evil.example",
		"/\t/evil.example", "/\n/evil.example", " //evil.example", "/ /evil", "https:evil.example",
		"///evil.example", "/auth/login?rd=//evil.example", "\\\\evil.example", "", "auth/account",
	} {
		b := h.browser()
		p := b.post("/auth/login", url.Values{"username": {"alice"}, "password": {alicePW}, "rd": {rd}})
		expectStatus(t, "sign in rd="+rd, p, http.StatusSeeOther)
		if p.location() != "/auth/account" {
			t.Errorf("rd=%q: Location %q, want /auth/account", rd, p.location())
		}
		// The form never carries a refused rd forward either.
		form := b.get("/auth/login?rd=" + url.QueryEscape(rd))
		if f := form.Doc; f != nil && f.byID("rd") != nil {
			t.Errorf("rd=%q: kept in the sign-in form as %q", rd, f.byID("rd").Attr["value"])
		}
	}
	for _, rd := range []string{"/auth/admin", "/auth/admin/audit?event=logout&username=bob", "/app/notes/42#top"} {
		b := h.browser()
		p := b.post("/auth/login", url.Values{"username": {"alice"}, "password": {alicePW}, "rd": {rd}})
		if p.location() != rd {
			t.Errorf("rd=%q: Location %q", rd, p.location())
		}
	}
}

// TestSignOut: the sign-out form needs the session's CSRF token; with it
// the session ends, the cookie is cleared with Clear-Site-Data, and the
// sign-in page says so.
func TestSignOut(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	b.signIn("alice", alicePW)
	csrf := b.csrf()
	for name, form := range map[string]url.Values{"without a token": {}, "with a wrong token": {"csrf_token": {"x" + csrf[1:]}}} {
		p := b.post("/auth/logout", form)
		expectStatus(t, "sign out "+name, p, http.StatusForbidden)
		mustID(t, p, "error-page")
		if cleared(p) {
			t.Errorf("sign out %s cleared the cookie", name)
		}
	}
	if n := len(h.events("alice", vigil.EventCSRFRejected)); n != 2 {
		t.Errorf("%d csrf_rejected events, want 2", n)
	}
	expectStatus(t, "still signed in", b.get("/auth/account"), 200)

	old := b.token()
	p := b.post("/auth/logout", url.Values{"csrf_token": {csrf}})
	expectStatus(t, "sign out", p, http.StatusSeeOther)
	if p.location() != "/auth/login?reason=logout" {
		t.Errorf("Location %q", p.location())
	}
	if !cleared(p) || p.Header.Get("Clear-Site-Data") != `"cookies", "storage"` {
		t.Errorf("cookie cleared %v, Clear-Site-Data %q", cleared(p), p.Header.Get("Clear-Site-Data"))
	}
	if got := mustID(t, b.get(p.location()), "login-notice").Text(); got != "You have signed out." {
		t.Errorf("sign-in page says %q", got)
	}
	// The old cookie is dead, not just forgotten.
	c := h.browser()
	c.jar.SetCookies(mustURL(t, h.URL), []*http.Cookie{{Name: cookieName, Value: old, Path: "/"}})
	if p := c.get("/auth/account"); p.location() != "/auth/login?reason=logout&rd=%2Fauth%2Faccount" {
		t.Errorf("old cookie: %d %q", p.Status, p.location())
	}
	// Signing out without a session still clears and lands on sign-in.
	if p := h.browser().post("/auth/logout", nil); p.Status != http.StatusSeeOther {
		t.Errorf("sign out without a session: %d", p.Status)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestCrossOriginFormRefused: a form posted to vigil from another site is
// refused before it reaches a page (SPEC CSRF layer 1).
func TestCrossOriginFormRefused(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	b.signIn("alice", alicePW)
	csrf := b.csrf()
	for _, path := range []string{"/auth/logout", "/auth/login", "/auth/account/sessions/revoke-others"} {
		p := b.post(path, url.Values{"csrf_token": {csrf}, "username": {"alice"}, "password": {alicePW}},
			"Origin", "http://evil.example", "Sec-Fetch-Site", "cross-site")
		expectStatus(t, "cross-site "+path, p, http.StatusForbidden)
	}
	expectStatus(t, "still signed in", b.get("/auth/account"), 200)
}

// TestReasons: the sign-in page says why the session ended, from fixed
// messages only.
func TestReasons(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	for reason, want := range map[string]string{
		"inactivity":       "You were signed out after 30 minutes of inactivity.",
		"lifetime":         "Your session reached its maximum length of 8 hours, so you were signed out. Please sign in again.",
		"password_changed": "Your password was changed, so you were signed out everywhere.",
		"password_reset":   "Your password was reset, so you were signed out everywhere.",
		"revoked":          "You were signed out from another device or by an administrator.",
		"user_disabled":    "You were signed out because this account was disabled.",
		"session_limit":    "You were signed out because this account signed in on too many devices.",
		"logout":           "You have signed out.",
		"password_set":     "Your new password is set. Sign in with it now.",
	} {
		p := b.get("/auth/login?reason=" + reason)
		expectStatus(t, reason, p, 200)
		if got := mustID(t, p, "login-notice").Text(); !strings.HasPrefix(got, want) {
			t.Errorf("reason %s: %q, want %q", reason, got, want)
		}
	}
	for _, reason := range []string{"", "nonsense", "<script>alert(1)</script>", "Inactivity"} {
		p := b.get("/auth/login?reason=" + url.QueryEscape(reason))
		if p.Doc.byID("login-notice") != nil || strings.Contains(p.Body, "<script>alert") {
			t.Errorf("reason %q shown", reason)
		}
	}
}

// TestEndedSession: a page opened with an ended session goes to sign-in
// with the reason and the way back, and the cookie is cleared.
func TestEndedSession(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	b.signIn("alice", alicePW)
	h.Clock.Advance(31 * time.Minute)
	p := b.get("/auth/account?tab=devices")
	expectStatus(t, "expired", p, http.StatusSeeOther)
	if want := "/auth/login?reason=inactivity&rd=%2Fauth%2Faccount%3Ftab%3Ddevices"; p.location() != want {
		t.Errorf("Location %q, want %q", p.location(), want)
	}
	if !cleared(p) {
		t.Error("cookie not cleared")
	}
	login := b.get(p.location())
	if got := mustID(t, login, "rd").Attr["value"]; got != "/auth/account?tab=devices" {
		t.Errorf("rd in the form: %q", got)
	}
	p = b.post("/auth/login", url.Values{"username": {"alice"}, "password": {alicePW}, "rd": {"/auth/account?tab=devices"}})
	if p.location() != "/auth/account?tab=devices" {
		t.Errorf("back to %q", p.location())
	}

	// Revoked from another device; an administrator page keeps its rd.
	phone, laptop := h.browser(), h.browser()
	phone.signIn("root", rootPW)
	laptop.signIn("root", rootPW)
	expectStatus(t, "revoke others", laptop.post("/auth/account/sessions/revoke-others", url.Values{"csrf_token": {laptop.csrf()}}), http.StatusSeeOther)
	p = phone.get("/auth/admin/audit")
	if want := "/auth/login?reason=revoked&rd=%2Fauth%2Fadmin%2Faudit"; p.location() != want || !cleared(p) {
		t.Errorf("revoked: Location %q (want %q), cleared %v", p.location(), want, cleared(p))
	}

	// No cookie at all: sign in, then come back; no reason.
	if p := h.browser().get("/auth/account"); p.location() != "/auth/login?rd=%2Fauth%2Faccount" {
		t.Errorf("no session: Location %q", p.location())
	}
	// A form posted after the session ended goes to sign-in too.
	old := h.browser()
	old.signIn("bob", bobPW)
	csrf := old.csrf()
	h.Clock.Advance(31 * time.Minute)
	p = old.post("/auth/account/sessions/revoke-others", url.Values{"csrf_token": {csrf}})
	if p.location() != "/auth/login?reason=inactivity&rd=%2Fauth%2Faccount" {
		t.Errorf("form after expiry: %d %q", p.Status, p.location())
	}
}

// TestHome: "/" sends a visitor to the account page or to sign in.
func TestHome(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	if p := b.get("/"); p.location() != "/auth/login" {
		t.Errorf("signed out: %q", p.location())
	}
	b.signIn("alice", alicePW)
	if p := b.get("/"); p.location() != "/auth/account" {
		t.Errorf("signed in: %q", p.location())
	}
	h.Clock.Advance(31 * time.Minute)
	if p := b.get("/"); p.location() != "/auth/login?reason=inactivity" || !cleared(p) {
		t.Errorf("expired: %q", p.location())
	}
}
