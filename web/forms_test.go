package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

// summary returns the error summary with id on p, failing unless it is one
// as every form's is: an alert, focusable, named by its title, listing
// each problem and linking each to its field, which is marked invalid.
func summary(t *testing.T, what string, p page, id string) (title string, items []string) {
	t.Helper()
	s := mustID(t, p, id)
	if s.Attr["role"] != "alert" || s.Attr["tabindex"] != "-1" || s.Attr["aria-labelledby"] != id+"-title" {
		t.Errorf("%s: the summary is not a focusable, named alert: %v", what, s.Attr)
	}
	title = mustID(t, p, id+"-title").Text()
	for _, li := range s.find(func(n *node) bool { return n.Tag == "li" }) {
		items = append(items, li.Text())
		links := li.find(func(n *node) bool { return n.Tag == "a" })
		if len(links) == 0 {
			continue
		}
		field := strings.TrimPrefix(links[0].Attr["href"], "#")
		if f := p.Doc.byID(field); f == nil || f.Attr["aria-invalid"] != "true" {
			t.Errorf("%s: %q links to #%s, which is not a field marked invalid", what, li.Text(), field)
		}
	}
	return title, items
}

// hasItem reports whether an item contains want.
func hasItem(items []string, want string) bool {
	for _, it := range items {
		if strings.Contains(it, want) {
			return true
		}
	}
	return false
}

// TestChangePasswordEveryProblemAtOnce: a form with the current password
// left out, a weak new password and a confirmation that differs lists all
// of them at once, each linked to its field; the rules are two plain lines
// with every rule on demand.
func TestChangePasswordEveryProblemAtOnce(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	b.signIn("alice", alicePW)
	csrf := b.csrf()

	p := b.get("/auth/account")
	lines := mustID(t, p, "password-rules-lines").find(func(n *node) bool { return n.Tag == "p" })
	if len(lines) != 2 || !strings.Contains(lines[0].Text(), "At least 15 characters") {
		t.Errorf("the rules' plain lines: %q", mustID(t, p, "password-rules-lines").Text())
	}
	all := mustID(t, p, "password-rules-all")
	if all.Tag != "details" || len(all.find(func(n *node) bool { return n.Tag == "summary" })) != 1 ||
		len(all.find(func(n *node) bool { return n.Tag == "li" })) < 5 {
		t.Errorf("every rule on demand: <%s> %q", all.Tag, all.Text())
	}
	if got := mustID(t, p, "new-password").Attr["aria-describedby"]; !strings.Contains(got, "password-rules-lines") {
		t.Errorf("the new password is described by %q, not the rules' lines", got)
	}
	if p.Doc.byID("password-errors") != nil {
		t.Error("an error summary before anything was sent")
	}

	p = b.post("/auth/account/password", url.Values{"csrf_token": {csrf}, "current_password": {""},
		"new_password": {"alice123"}, "confirm_password": {"alice124"}})
	expectStatus(t, "three problems", p, http.StatusBadRequest)
	checkPage(t, "three problems", p, csrf)
	title, items := summary(t, "three problems", p, "password-errors")
	if title != "Your password was not changed:" {
		t.Errorf("title %q", title)
	}
	for _, want := range []string{"Enter your current password.", "The new password must be at least 15 characters.",
		"The new password must not contain your username.", "The new password and its confirmation do not match."} {
		if !hasItem(items, want) {
			t.Errorf("no %q among %q", want, items)
		}
	}
	if strings.Contains(p.Body, "alice12") {
		t.Error("a password is echoed")
	}

	// Nothing at all: each field is asked for.
	p = b.post("/auth/account/password", url.Values{"csrf_token": {csrf}})
	expectStatus(t, "empty", p, http.StatusBadRequest)
	if _, items := summary(t, "empty", p, "password-errors"); len(items) != 3 {
		t.Errorf("empty form: %q, want the three fields asked for", items)
	}
	if n := len(h.events("alice", vigil.EventInvalidCurrentPassword)); n != 0 {
		t.Errorf("a form with problems was checked against the password: %d events", n)
	}
}

// TestResetNamesTheAccount: a link for a new account names it and speaks
// of its first password; a link for an existing account names it and says
// every session ends; the link opened from its fragment (the token posted
// alone) is moved into the cookie; a used link shows no form but what to
// do; after success the sign-in form has the username filled in.
func TestResetNamesTheAccount(t *testing.T) {
	h := newHarness(t)
	created, err := h.Engine.CreateUser(t.Context(), auth.NewUser{Username: "dr.lee", Role: vigil.RoleClinician, DisplayName: "Amara Lee"}, auth.Actor{Username: "root"})
	if err != nil {
		t.Fatal(err)
	}
	b := h.browser()
	p := b.post("/auth/reset", url.Values{"token": {created.ResetToken}})
	expectStatus(t, "open the link", p, http.StatusSeeOther)
	if p.location() != "/auth/reset" {
		t.Fatalf("opening the link: Location %q", p.location())
	}
	if ck := setCookie(p, "vigil_reset"); ck == nil || ck.Value != created.ResetToken || ck.Path != "/auth/reset" || !ck.HttpOnly {
		t.Fatalf("opening the link: cookie %+v", ck)
	}
	p = b.get("/auth/reset")
	expectStatus(t, "new account", p, http.StatusOK)
	checkPage(t, "new account", p, "")
	if got := mustID(t, p, "reset-title").Text(); got != "Choose your password" {
		t.Errorf("new account: heading %q", got)
	}
	if got := mustID(t, p, "reset-account").Text(); !strings.Contains(got, "dr.lee") || !strings.Contains(got, "Amara Lee") {
		t.Errorf("new account: %q does not name it", got)
	}
	for _, words := range []string{"new password", "Change", "signs dr.lee out"} {
		if strings.Contains(mustID(t, p, "main").Text(), words) {
			t.Errorf("the page for a first password says %q: %s", words, mustID(t, p, "main").Text())
		}
	}
	if got := mustID(t, p, "reset-submit").Text(); got != "Set my password" {
		t.Errorf("new account: button %q", got)
	}

	// Problems, all at once, with the account's name checked.
	p = b.post("/auth/reset", url.Values{"token": {created.ResetToken}, "new_password": {"dr.lee"}, "confirm_password": {""}})
	expectStatus(t, "weak first password", p, http.StatusBadRequest)
	_, items := summary(t, "weak first password", p, "reset-error")
	for _, want := range []string{"The password must be at least 15 characters.", "The password must not contain your username.", "Enter the password again, to confirm it."} {
		if !hasItem(items, want) {
			t.Errorf("no %q among %q", want, items)
		}
	}
	mustID(t, p, "reset-account")

	pw := "a quiet harbour at dawn"
	p = b.post("/auth/reset", url.Values{"new_password": {pw}, "confirm_password": {pw}})
	expectStatus(t, "set", p, http.StatusSeeOther)
	if p.location() != "/auth/login?reason=password_set&username=dr.lee" {
		t.Fatalf("after the reset: Location %q", p.location())
	}
	login := b.get(p.location())
	if f := mustID(t, login, "username"); f.Attr["value"] != "dr.lee" {
		t.Errorf("sign-in: username %q", f.Attr["value"])
	}
	if _, ok := mustID(t, login, "password").Attr["autofocus"]; !ok {
		t.Error("sign-in: the password field does not have the focus")
	}

	// The used link, opened again: no form, and what to do.
	p = b.post("/auth/reset", url.Values{"token": {created.ResetToken}})
	expectStatus(t, "used link", p, http.StatusSeeOther)
	p = b.get("/auth/reset")
	expectStatus(t, "used link", p, http.StatusBadRequest)
	expectUnusable(t, "used link", p)
	if ck := setCookie(p, "vigil_reset"); ck == nil || ck.MaxAge >= 0 {
		t.Errorf("used link: cookie not cleared: %+v", ck)
	}
	p = b.post("/auth/reset", url.Values{"token": {"not-a-token"}})
	expectStatus(t, "malformed link", p, http.StatusBadRequest)
	expectUnusable(t, "malformed link", p)

	// An existing account: named, and told that it is signed out.
	tok, _, err := h.Engine.IssueResetToken(t.Context(), "alice", auth.Actor{Username: "root"})
	if err != nil {
		t.Fatal(err)
	}
	b = h.browser()
	b.get("/auth/reset?token=" + url.QueryEscape(tok))
	p = b.get("/auth/reset")
	expectStatus(t, "existing account", p, http.StatusOK)
	if got := mustID(t, p, "reset-title").Text(); got != "Choose a new password" {
		t.Errorf("existing account: heading %q", got)
	}
	if got := mustID(t, p, "main").Text(); !strings.Contains(got, "alice") || !strings.Contains(got, "signs alice out everywhere") {
		t.Errorf("existing account: %q", got)
	}

	// Only a valid username is filled in.
	for _, q := range []string{"username=%3Cscript%3E", "username=" + strings.Repeat("a", 65)} {
		if got := mustID(t, b.get("/auth/login?"+q), "username").Attr["value"]; got != "" {
			t.Errorf("?%s fills in %q", q, got)
		}
	}
}

// TestAdminCreateEveryProblemAtOnce: every field's problem is listed at
// once, linked to its field, and the form keeps what was typed.
func TestAdminCreateEveryProblemAtOnce(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	b.signIn("root", rootPW)
	csrf := b.csrf()
	p := b.post("/auth/admin/users", url.Values{"csrf_token": {csrf}, "username": {"no spaces please"}, "role": {"superuser"},
		"email": {"erin.example.org"}, "display_name": {"Erin Roe"}})
	expectStatus(t, "bad form", p, http.StatusBadRequest)
	checkPage(t, "bad form", p, csrf)
	title, items := summary(t, "bad form", p, "create-user-error")
	if title != "The user was not created:" || len(items) != 3 {
		t.Errorf("%q %q, want the username, the role and the email", title, items)
	}
	for _, id := range []string{"new-username", "new-role", "new-email"} {
		if mustID(t, p, id).Attr["aria-invalid"] != "true" {
			t.Errorf("#%s is not marked invalid", id)
		}
	}
	if mustID(t, p, "new-display-name").Attr["aria-invalid"] != "" || mustID(t, p, "new-display-name").Attr["value"] != "Erin Roe" {
		t.Errorf("the display name: %v", mustID(t, p, "new-display-name").Attr)
	}
	if users, _ := h.Engine.Users(t.Context()); len(users) != 3 {
		t.Errorf("%d users after a refused form", len(users))
	}
}

// TestReauthErrorSummary: the re-authentication form's problem is an
// error summary linked to the password field.
func TestReauthErrorSummary(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	b.signIn("root", rootPW)
	csrf := b.csrf()
	for pw, want := range map[string]string{"": "Enter your password.", "not the password": "The password is not correct."} {
		p := b.post("/auth/reauth", url.Values{"csrf_token": {csrf}, "password": {pw}, "rd": {"/auth/admin"}})
		checkPage(t, "reauth", p, "")
		if _, items := summary(t, "reauth", p, "reauth-error"); len(items) != 1 || items[0] != want {
			t.Errorf("password %q: %q, want %q", pw, items, want)
		}
		if _, ok := mustID(t, p, "reauth-password").Attr["autofocus"]; ok {
			t.Error("the password field takes the focus from the error summary")
		}
	}
}
