package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vigilauth/vigil"
)

// TestMyDevices: the account page lists my sessions with the device read
// from the User-Agent, marks this one, and signs out another one or all
// others; the device signed out lands on sign-in with the reason.
func TestMyDevices(t *testing.T) {
	h := newHarness(t)
	laptop, phone, tablet := h.browser(), h.browser(), h.browser()
	phone.ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
	tablet.ua = "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	phone.signIn("bob", bobPW)
	tablet.signIn("bob", bobPW)
	laptop.signIn("bob", bobPW)

	p := laptop.get("/auth/account")
	expectStatus(t, "account", p, 200)
	checkPage(t, "account with three devices", p, laptop.csrf())
	if got := mustID(t, p, "account-clinician-id").Text(); got != "C-17" {
		t.Errorf("clinician id %q", got)
	}
	rows := mustID(t, p, "sessions-table").find(func(n *node) bool { return n.Tag == "tr" && n.Attr["data-session-id"] != "" })
	if len(rows) != 3 {
		t.Fatalf("%d sessions listed, want 3", len(rows))
	}
	devices := map[string]string{} // device -> session id
	for _, r := range rows {
		devices[r.find(func(n *node) bool { return n.Attr["class"] == "device" })[0].Text()] = r.Attr["data-session-id"]
	}
	for _, want := range []string{"Firefox on Windows", "Safari on iPhone", "Chrome on Android"} {
		if devices[want] == "" {
			t.Errorf("no %q in %v", want, devices)
		}
	}
	this := mustID(t, p, "this-session")
	if this.Attr["data-session-id"] != devices["Firefox on Windows"] || !strings.Contains(this.Text(), "This device") {
		t.Errorf("this device marked on %q", this.Text())
	}
	if this.byID("revoke-"+this.Attr["data-session-id"]) != nil {
		t.Error("a sign-out button for this device")
	}
	phoneID := devices["Safari on iPhone"]
	mustID(t, p, "revoke-"+phoneID)
	mustID(t, p, "signout-others")

	csrf := laptop.csrf()
	r := laptop.post("/auth/account/sessions/"+phoneID+"/revoke", url.Values{"csrf_token": {csrf}})
	if r.Status != http.StatusSeeOther || r.location() != "/auth/account?done=revoked" {
		t.Fatalf("revoke: %d %q", r.Status, r.location())
	}
	if got := mustID(t, laptop.get(r.location()), "notice").Text(); got != "The device was signed out." {
		t.Errorf("notice %q", got)
	}
	if r := phone.get("/auth/account"); r.location() != "/auth/login?reason=revoked&rd=%2Fauth%2Faccount" {
		t.Errorf("phone: %q", r.location())
	}
	// Again: it is gone already.
	if r := laptop.post("/auth/account/sessions/"+phoneID+"/revoke", url.Values{"csrf_token": {csrf}}); r.Status != http.StatusNotFound {
		t.Errorf("revoke twice: %d", r.Status)
	}

	// Sign out all others: needs the token too.
	if r := laptop.post("/auth/account/sessions/revoke-others", nil); r.Status != http.StatusForbidden {
		t.Errorf("revoke others without a token: %d", r.Status)
	}
	r = laptop.post("/auth/account/sessions/revoke-others", url.Values{"csrf_token": {csrf}})
	if r.location() != "/auth/account?done=revoked-others&n=1" {
		t.Fatalf("revoke others: %d %q", r.Status, r.location())
	}
	if got := mustID(t, laptop.get(r.location()), "notice").Text(); got != "Signed out 1 other device." {
		t.Errorf("notice %q", got)
	}
	if r := tablet.get("/auth/account"); !strings.HasPrefix(r.location(), "/auth/login?reason=revoked") {
		t.Errorf("tablet: %q", r.location())
	}
	p = laptop.get("/auth/account")
	if p.Doc.byID("signout-others") != nil {
		t.Error("'sign out all other devices' with no other device")
	}
}

// TestChangePassword: the policy is explained before; every problem is
// listed at once; a wrong current password is said so; success signs out
// every session and the sign-in page says why.
func TestChangePassword(t *testing.T) {
	h := newHarness(t)
	b, other := h.browser(), h.browser()
	other.signIn("alice", alicePW)
	b.signIn("alice", alicePW)
	csrf := b.csrf()
	p := b.get("/auth/account")
	rules := mustID(t, p, "password-rules").find(func(n *node) bool { return n.Tag == "li" })
	if len(rules) < 3 || !strings.Contains(rules[0].Text(), "15 characters") {
		t.Errorf("rules: %q", mustID(t, p, "password-rules").Text())
	}
	if in := mustID(t, p, "new-password"); in.Attr["data-min-length"] != "15" || in.Attr["autocomplete"] != "new-password" {
		t.Errorf("new-password field: %v", in.Attr)
	}
	mustID(t, p, "strength")

	change := func(current, next, confirm string) page {
		return b.post("/auth/account/password", url.Values{"csrf_token": {csrf}, "current_password": {current}, "new_password": {next}, "confirm_password": {confirm}})
	}
	p = change(alicePW, "alice123", "alice123")
	expectStatus(t, "weak", p, http.StatusBadRequest)
	items := mustID(t, p, "password-errors").find(func(n *node) bool { return n.Tag == "li" })
	text := mustID(t, p, "password-errors").Text()
	if len(items) < 2 || !strings.Contains(text, "at least 15 characters") || !strings.Contains(text, "username") {
		t.Errorf("problems not all listed: %q", text)
	}
	if strings.Contains(p.Body, "alice123") {
		t.Error("the new password is echoed")
	}
	p = change(alicePW, "a long new passphrase here", "a long new passphrase HERE")
	expectStatus(t, "mismatch", p, http.StatusBadRequest)
	if !strings.Contains(mustID(t, p, "password-errors").Text(), "do not match") {
		t.Errorf("mismatch: %q", mustID(t, p, "password-errors").Text())
	}
	p = change("not my password at all", "a long new passphrase here", "a long new passphrase here")
	expectStatus(t, "wrong current", p, http.StatusUnauthorized)
	if got := mustID(t, p, "password-errors").Text(); !strings.Contains(got, "Your current password is not correct.") {
		t.Errorf("wrong current: %q", got)
	}
	if p := change("", "", ""); p.Status != http.StatusBadRequest {
		t.Errorf("empty: %d", p.Status)
	}

	p = change(alicePW, "a long new passphrase here", "a long new passphrase here")
	expectStatus(t, "change", p, http.StatusSeeOther)
	if p.location() != "/auth/login?reason=password_changed" || !cleared(p) {
		t.Errorf("after the change: %q, cleared %v", p.location(), cleared(p))
	}
	if n := len(h.events("alice", vigil.EventPasswordChanged)); n != 1 {
		t.Errorf("%d password_changed events", n)
	}
	if r := other.get("/auth/account"); r.location() != "/auth/login?reason=password_changed&rd=%2Fauth%2Faccount" {
		t.Errorf("other device: %q", r.location())
	}
	b.signIn("alice", "a long new passphrase here")
}
