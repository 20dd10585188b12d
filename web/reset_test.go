package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vigilauth/vigil/auth"
)

// TestResetWithTokenInQuery: /auth/reset?token= (the no-JavaScript link)
// moves the token at once out of the address into a cookie only the reset
// page gets, and the form carries it in a hidden field; a weak password
// lists every problem and keeps the token; success signs every session of
// the user out and the sign-in page says the password is set.
func TestResetWithTokenInQuery(t *testing.T) {
	h := newHarness(t)
	alice := h.browser()
	alice.signIn("alice", alicePW)
	token, _, err := h.Engine.IssueResetToken(context.Background(), "alice", auth.Actor{Username: "root"})
	if err != nil {
		t.Fatal(err)
	}
	b := h.browser()
	p := b.get("/auth/reset?token=" + url.QueryEscape(token))
	expectStatus(t, "reset link", p, http.StatusSeeOther)
	if p.location() != "/auth/reset" {
		t.Fatalf("Location %q: the token must leave the address", p.location())
	}
	if p.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("Referrer-Policy %q", p.Header.Get("Referrer-Policy"))
	}
	ck := setCookie(p, "vigil_reset")
	if ck == nil || ck.Value != token || ck.Path != "/auth/reset" || !ck.HttpOnly {
		t.Fatalf("reset cookie: %+v", ck)
	}
	p = b.get("/auth/reset")
	expectStatus(t, "reset form", p, http.StatusOK)
	checkPage(t, "reset form", p, "")
	field := mustID(t, p, "reset-token")
	if field.Attr["type"] != "hidden" || field.Attr["value"] != token || field.Attr["name"] != "token" {
		t.Errorf("token field: %v", field.Attr)
	}
	if p.Doc.byID("reset-token-field") != nil {
		t.Error("the token is asked for although it is known")
	}

	p = b.post("/auth/reset", url.Values{"token": {token}, "new_password": {"alice"}, "confirm_password": {"alice"}})
	expectStatus(t, "weak", p, http.StatusBadRequest)
	if items := mustID(t, p, "reset-error").find(func(n *node) bool { return n.Tag == "li" }); len(items) < 2 {
		t.Errorf("problems: %q", mustID(t, p, "reset-error").Text())
	}
	if mustID(t, p, "reset-token").Attr["value"] != token {
		t.Error("the token was lost after a weak password")
	}

	p = b.post("/auth/reset", url.Values{"token": {token}, "new_password": {"her brand new passphrase"}, "confirm_password": {"her brand new passphrase"}})
	expectStatus(t, "reset", p, http.StatusSeeOther)
	if p.location() != "/auth/login?reason=password_set&username=alice" {
		t.Errorf("Location %q", p.location())
	}
	if ck := setCookie(p, "vigil_reset"); ck == nil || ck.MaxAge >= 0 {
		t.Errorf("reset cookie not cleared: %+v", ck)
	}
	login := b.get(p.location())
	if got := mustID(t, login, "login-notice").Text(); !strings.Contains(got, "new password is set") {
		t.Errorf("sign-in page: %q", got)
	}
	if got := mustID(t, login, "username").Attr["value"]; got != "alice" {
		t.Errorf("sign-in page: the username field holds %q, want alice", got)
	}
	if r := alice.get("/auth/account"); !strings.HasPrefix(r.location(), "/auth/login?reason=password_reset") {
		t.Errorf("alice's old session: %q", r.location())
	}
	b.signIn("alice", "her brand new passphrase")

	// Used up: the page says so, and what to do, instead of a form.
	p = h.browser().post("/auth/reset", url.Values{"token": {token}, "new_password": {"yet another long passphrase"}, "confirm_password": {"yet another long passphrase"}})
	expectStatus(t, "used token", p, http.StatusBadRequest)
	expectUnusable(t, "used token", p)
}

// expectUnusable fails unless p is the reset page saying its link cannot
// be used, without the form.
func expectUnusable(t *testing.T, what string, p page) {
	t.Helper()
	checkPage(t, what, p, "")
	if got := mustID(t, p, "reset-unusable").Text(); !strings.Contains(got, "already been used, or it has expired") || !strings.Contains(got, "ask your administrator for a new link") {
		t.Errorf("%s: %q", what, got)
	}
	if p.Doc.byID("reset-form") != nil || p.Doc.byID("new-password") != nil {
		t.Errorf("%s: the form is still shown", what)
	}
	mustID(t, p, "reset-signin")
}

// TestResetFormWithoutToken: opened without a token (the fragment link
// before its script ran, or no JavaScript), the form has a field for the
// code; a malformed ?token= sets no cookie.
func TestResetFormWithoutToken(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	p := b.get("/auth/reset?token=not-a-token")
	if p.location() != "/auth/reset" || setCookie(p, "vigil_reset") != nil {
		t.Errorf("malformed token: %q, cookie %v", p.location(), setCookie(p, "vigil_reset"))
	}
	p = b.get("/auth/reset")
	mustID(t, p, "reset-token-field")
	if f := mustID(t, p, "reset-token"); f.Attr["type"] != "text" || f.Attr["value"] != "" {
		t.Errorf("code field: %v", f.Attr)
	}
	p = b.post("/auth/reset", url.Values{"new_password": {"x"}, "confirm_password": {"x"}})
	expectStatus(t, "no token", p, http.StatusBadRequest)
}
