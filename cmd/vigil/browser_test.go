package main

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The browser tests of issue 4: vigil's pages and idle warning as a person
// uses them, in Chromium. Run with VIGIL_TEST_BROWSER=1; see
// browser_helpers_test.go. Every test also fails on any CSP violation or
// JavaScript exception in any tab it opened.

const (
	browserPW    = "orchid walrus copper lantern"
	browserNewPW = "plum tractor velvet lantern"
)

// Sign in through the form, having been sent there from the account page,
// and see my devices.
func TestBrowserSignInShowsMyDevices(t *testing.T) {
	needBrowser(t)
	srv := startServer(t, "", "--dev")
	srv.addUser(t, "nora", "patient", browserPW)
	c := startChrome(t)
	laptop := c.context("laptop", srv)

	laptop.open("/auth/account")
	laptop.waitVisible("#login-form")
	laptop.submitLogin("nora", "not the password at all")
	laptop.expectText("#login-error", "Invalid username or password.")
	if got := laptop.value("#username"); got != "nora" {
		t.Fatalf("after a failed sign-in the username field holds %q, want nora", got)
	}
	laptop.submitLogin("nora", browserPW)

	laptop.waitVisible("#sessions-table")
	if p := laptop.path(); p != "/auth/account" {
		t.Fatalf("signed in at %s, want /auth/account", p)
	}
	laptop.expectText("#signed-in-as", "nora")
	laptop.expectText("#account-username", "nora")
	if n := laptop.count("#sessions-table tbody tr[data-session-id]"); n != 1 {
		t.Fatalf("my devices list %d sessions, want 1", n)
	}
	laptop.expectText("#this-session #this-device", "This device")
	laptop.expectText("#this-session", "Chrome")
	// The idle warning's script runs on the page and knows the session.
	laptop.waitFor("vigil.js to read the session", `!!window.vigilIdle && window.vigilIdle.state().known`, stepTimeout)
}

// A second browser signs in as the same user; the first signs it out; the
// second, at its next page, is on the sign-in page and told why.
func TestBrowserSignOutAnotherDevice(t *testing.T) {
	needBrowser(t)
	srv := startServer(t, "", "--dev")
	srv.addUser(t, "nora", "patient", browserPW)
	c := startChrome(t)
	laptop, phone := c.context("laptop", srv), c.context("phone", srv)
	laptop.signIn("nora", browserPW)
	phone.signIn("nora", browserPW)
	phoneSession := phone.attr("#this-session", "data-session-id")

	laptop.open("/auth/account")
	if n := laptop.count("#sessions-table tbody tr[data-session-id]"); n != 2 {
		t.Fatalf("the laptop lists %d sessions, want 2", n)
	}
	if laptop.attr("#this-session", "data-session-id") == phoneSession {
		t.Fatal("the laptop marks the phone's session as this device")
	}
	laptop.click("#revoke-" + phoneSession)
	laptop.expectText("#notice", "The device was signed out.")
	if n := laptop.count("#sessions-table tbody tr[data-session-id]"); n != 1 {
		t.Fatalf("after signing out the phone the laptop lists %d sessions, want 1", n)
	}

	phone.reload()
	phone.onSignIn("signed out from another device")
	laptop.open("/auth/account") // the laptop itself is still signed in
	laptop.waitVisible("#this-session")
}

// Changing the password in one browser signs out every other browser, and
// the changing one ends on the sign-in page with the message.
func TestBrowserPasswordChangeSignsOutEverywhere(t *testing.T) {
	needBrowser(t)
	srv := startServer(t, "", "--dev")
	srv.addUser(t, "nora", "patient", browserPW)
	c := startChrome(t)
	desk, laptop, phone := c.context("desk", srv), c.context("laptop", srv), c.context("phone", srv)
	for _, tb := range []*tab{desk, laptop, phone} {
		tb.signIn("nora", browserPW)
	}
	desk.open("/auth/account")
	desk.waitVisible("#password-rules")

	// A bad new password: every problem at once, and nobody signed out.
	desk.typeInto("#current-password", browserPW)
	desk.typeInto("#new-password", "nora12345")
	desk.waitFor("the strength meter to call it too short", `document.getElementById('strength-bar').dataset.score === '1'`, stepTimeout)
	desk.typeInto("#confirm-password", "nora12345")
	desk.click("#change-password-submit")
	desk.expectText("#password-errors", "Your password was not changed")
	if n := desk.count("#password-errors li"); n < 2 {
		t.Fatalf("a too short password containing the username shows %d problems, want both: %s", n, desk.text("#password-errors"))
	}

	desk.typeInto("#current-password", browserPW)
	desk.typeInto("#new-password", browserNewPW)
	desk.waitFor("the strength meter to rate a long passphrase", `Number(document.getElementById('strength-bar').dataset.score) >= 3`, stepTimeout)
	desk.typeInto("#confirm-password", browserNewPW)
	desk.click("#change-password-submit")
	desk.onSignIn("Your password was changed")

	for _, tb := range []*tab{laptop, phone} {
		tb.reload()
		tb.onSignIn("Your password was changed")
	}
	laptop.submitLogin("nora", browserPW)
	laptop.expectText("#login-error", "Invalid username or password.")
	desk.submitLogin("nora", browserNewPW)
	desk.waitVisible("#this-session")
}

// The idle warning with --idle-timeout 6s --idle-warning 4s: the dialog
// appears, accessible; "Stay signed in" keeps the session and closes the
// dialog in the other tab; Escape does the same from the keyboard; doing
// nothing ends on the sign-in page with the inactivity message.
func TestBrowserIdleWarning(t *testing.T) {
	needBrowser(t)
	srv := startServer(t, "", "--dev", "--idle-timeout", "6s", "--idle-warning", "4s")
	srv.addUser(t, "nora", "patient", browserPW)
	c := startChrome(t)
	tabA := c.context("tab A", srv)
	tabA.signIn("nora", browserPW)
	tabB := tabA.another("tab B")
	tabB.open("/auth/account") // also activity: both tabs now share one deadline
	tabB.waitVisible("#this-session")

	for _, tb := range []*tab{tabA, tabB} {
		tb.waitFor("the idle dialog", `!!window.vigilIdle && window.vigilIdle.state().open`, stepTimeout)
		tb.waitVisible("#vigil-idle-dialog")
	}
	// The session's idle deadline, the later of the two tabs' readings (B's
	// page load was the last activity).
	deadline := tabA.idleDeadline()
	if d := tabB.idleDeadline(); d.After(deadline) {
		deadline = d
	}
	// Accessible: an alertdialog, modal, named, and holding the focus on
	// "Stay signed in".
	if got := tabA.attr("#vigil-idle-dialog", "role"); got != "alertdialog" {
		t.Fatalf("the idle dialog has role %q, want alertdialog", got)
	}
	if got := tabA.attr("#vigil-idle-dialog", "aria-modal"); got != "true" {
		t.Fatalf("the idle dialog has aria-modal %q, want true", got)
	}
	tabA.expectText("#vigil-idle-title", "Are you still there?")
	for _, tb := range []*tab{tabA, tabB} {
		if got := eval[string](tb, `document.activeElement ? document.activeElement.id : ''`); got != "vigil-stay" {
			t.Fatalf("%s: the focus is on %q, want the dialog's #vigil-stay", tb.name, got)
		}
	}
	// The countdown is live.
	first := tabA.text("#vigil-countdown")
	tabA.waitFor("the countdown to move", fmt.Sprintf(`document.getElementById('vigil-countdown').textContent !== %s`, jsString(first)), 10*time.Second)

	// Stay signed in in tab A closes the dialog in tab B before B's own
	// deadline, when B alone would next have asked the server.
	tabA.click("#vigil-stay")
	tabA.waitFor("tab A's dialog to close", `!window.vigilIdle.state().open`, 10*time.Second)
	tabB.waitFor("tab B's dialog to close", `!window.vigilIdle.state().open`, max(time.Until(deadline), time.Second))

	// The session outlives the deadline it had before "Stay signed in".
	time.Sleep(time.Until(deadline.Add(500 * time.Millisecond)))
	if got := eval[int](tabA, `fetch('/api/auth/session', {cache: 'no-store'}).then(r => r.status)`); got != http.StatusOK {
		t.Fatalf("after the original idle deadline GET /api/auth/session answers %d, want 200", got)
	}

	// Keyboard only: the dialog comes back; Escape means stay signed in.
	for _, tb := range []*tab{tabA, tabB} {
		tb.waitFor("the idle dialog again", `window.vigilIdle.state().open`, stepTimeout)
	}
	tabA.do(chromedp.KeyEvent(kb.Escape))
	for _, tb := range []*tab{tabA, tabB} {
		tb.waitFor("Escape to close the dialog", `!window.vigilIdle.state().open`, 10*time.Second)
	}

	// Doing nothing: both tabs end on the sign-in page, told why.
	for _, tb := range []*tab{tabA, tabB} {
		tb.onSignIn("inactivity")
	}
}

// A page of another origin (another port of the same host, so the same
// site: the session cookie goes along) that posts forms to vigil gets 403
// from the origin check, even with the right CSRF token in the forms (as
// if it had leaked), and nothing changes. A page form's refusal is the
// error page; the API's is its JSON error.
func TestBrowserCrossOriginFormsRefused(t *testing.T) {
	needBrowser(t)
	srv := startServer(t, "", "--dev")
	srv.addUser(t, "nora", "patient", browserPW)
	c := startChrome(t)
	laptop, phone := c.context("laptop", srv), c.context("phone", srv)
	phone.signIn("nora", browserPW)
	laptop.signIn("nora", browserPW)
	token := laptop.value(`#signout-form input[name="csrf_token"]`)
	other := httptest.NewServer(crossOriginPage(srv.URL, token))
	t.Cleanup(other.Close)

	for _, id := range []string{"change-password", "api-logout", "page-logout", "revoke-others"} {
		laptop.open(other.URL)
		resp := laptop.clickResponse("#" + id)
		if resp.Status != http.StatusForbidden {
			t.Errorf("the cross-origin form %s got %d from vigil, want 403", id, resp.Status)
		}
		if id == "api-logout" { // the API answers JSON; a page form gets a page
			laptop.expectText("body", "Cross-origin request refused.")
		} else {
			laptop.expectText("main", "This form was sent from another site, so nothing was done.")
		}
	}

	for _, tb := range []*tab{laptop, phone} {
		tb.open("/auth/account")
		tb.waitVisible("#this-session")
		if p := tb.path(); p != "/auth/account" {
			t.Fatalf("%s: after the cross-origin posts /auth/account is %s, want the account page (still signed in)", tb.name, p)
		}
		if n := tb.count("#sessions-table tbody tr[data-session-id]"); n != 2 {
			t.Fatalf("%s: %d sessions after the cross-origin posts, want both still there", tb.name, n)
		}
	}
}

// crossOriginPage serves a plain page whose forms post to vigil, as a page
// of another site would; each is sent by clicking its button.
func crossOriginPage(vigilURL, csrf string) http.Handler {
	token := `<input type="hidden" name="csrf_token" value="` + html.EscapeString(csrf) + `">`
	forms := []struct{ id, action, fields string }{
		{"change-password", "/auth/account/password", token + `<input name="current_password" value="` + browserPW + `"><input name="new_password" value="` + browserNewPW + `"><input name="confirm_password" value="` + browserNewPW + `">`},
		{"api-logout", "/api/auth/logout", ""},
		{"page-logout", "/auth/logout", token},
		{"revoke-others", "/auth/account/sessions/revoke-others", token},
	}
	var b strings.Builder
	b.WriteString("<!doctype html><html><head><title>Another site</title></head><body><h1>Win a prize</h1>")
	for _, f := range forms {
		fmt.Fprintf(&b, `<form method="post" action="%s">%s<button id="%s" type="submit">%s</button></form>`,
			html.EscapeString(vigilURL+f.action), f.fields, f.id, f.id)
	}
	b.WriteString("</body></html>")
	page := b.String()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	})
}

// With JavaScript off, signing in and out work through the plain forms.
func TestBrowserWithoutJavaScript(t *testing.T) {
	needBrowser(t)
	srv := startServer(t, "", "--dev")
	srv.addUser(t, "nora", "patient", browserPW)
	c := startChrome(t)
	plain := c.context("no JavaScript", srv)
	plain.disableScripts()

	plain.open("/auth/login")
	plain.submitLogin("nora", "not the password at all")
	plain.expectText("#login-error", "Invalid username or password.")
	plain.submitLogin("nora", browserPW)
	plain.waitVisible("#this-session")
	if p := plain.path(); p != "/auth/account" {
		t.Fatalf("signed in without JavaScript at %s, want /auth/account", p)
	}
	if got := eval[string](plain, `typeof window.vigilIdle`); got != "undefined" {
		t.Fatalf("window.vigilIdle is %s: the page's scripts ran, so this test does not test pages without JavaScript", got)
	}

	plain.click("#signout")
	plain.onSignIn("You have signed out.")
	plain.open("/auth/account")
	plain.waitVisible("#login-form")
	if p := plain.path(); p != "/auth/login" {
		t.Fatalf("after signing out /auth/account shows %s, want the sign-in page", p)
	}
}

// An administrator creates a user; the user opens the one-time link in
// their own browser, sets a password and signs in; the administrator
// signs them out everywhere.
func TestBrowserAdminCreatesUser(t *testing.T) {
	srv, c, admin := adminTab(t)
	admin.signIn("root", browserPW)
	admin.open("/auth/admin")
	admin.waitVisible(`#users-table tr[data-username="root"]`)

	admin.typeInto("#new-username", "dr.lee")
	admin.do(chromedp.SetValue(chromedp.CSS("#new-role"), "clinician"))
	admin.typeInto("#new-clinician-id", "GMC-7654321")
	admin.click("#create-user-submit")
	admin.waitVisible("#reset-link-panel")
	link := admin.value("#reset-link")
	if !strings.HasPrefix(link, srv.URL+"/auth/reset#token=") {
		t.Fatalf("the reset link is %q, want %s/auth/reset#token=...", link, srv.URL)
	}
	row := `#users-table tr[data-username="dr.lee"]`
	admin.expectText(row, "clinician")
	admin.expectText(row, "GMC-7654321")
	admin.expectText(row, "Awaiting first password")

	newcomer := c.context("new user", srv)
	resp := result(newcomer, chromedp.NavigateResponse(link))
	if got, _ := resp.Headers["Referrer-Policy"].(string); got != "no-referrer" {
		t.Fatalf("the reset page has Referrer-Policy %q, want no-referrer", got)
	}
	newcomer.awaitResetPage()
	if newcomer.value("#reset-token") == "" {
		t.Fatal("the reset form lost the link's token")
	}
	newcomer.typeInto("#new-password", browserNewPW)
	newcomer.typeInto("#confirm-password", browserNewPW)
	newcomer.click("#reset-submit")
	newcomer.onSignIn("Your new password is set")
	newcomer.submitLogin("dr.lee", browserNewPW)
	newcomer.waitVisible("#this-session")
	newcomer.expectText("#account-username", "dr.lee")
	newcomer.expectText("#account-role", "clinician")
	newcomer.expectText("#account-clinician-id", "GMC-7654321")

	admin.open("/auth/admin")
	admin.expectText(row, "Active")
	admin.click(row + " .revoke-user")
	admin.expectText("#notice", "dr.lee was signed out everywhere")
	newcomer.reload()
	newcomer.onSignIn("by an administrator")
}

// No page reports a Content-Security-Policy violation (or a script error)
// in the console, signed in or not; and the watch over the console does
// see a violation when there is one.
func TestBrowserNoCSPViolation(t *testing.T) {
	needBrowser(t)
	srv := startServer(t, "", "--dev")
	srv.addUser(t, "root", "admin", browserPW)
	srv.addUser(t, "nora", "patient", browserPW)
	c := startChrome(t)

	visitor := c.context("visitor", srv)
	for _, p := range []string{"/auth/login", "/auth/login?reason=inactivity&rd=%2Fauth%2Faccount", "/auth/reset", "/auth/no-such-page"} {
		visitor.visitChecked(p, "main h1")
	}

	admin := c.context("admin", srv)
	admin.signIn("root", browserPW)
	admin.open("/auth/admin")
	admin.typeInto("#new-username", "dr.lee")
	admin.click("#create-user-submit")
	link := admin.value("#reset-link")
	for _, p := range []string{
		"/auth/account", "/auth/admin", "/auth/admin/users/nora", "/auth/admin/sessions",
		"/auth/admin/audit", "/auth/admin/audit?event=login_succeeded&since=1h", "/auth/admin/audit?since=yesterday",
		"/auth/admin/policy", "/auth/reauth?rd=%2Fauth%2Fadmin",
	} {
		admin.visitChecked(p, "main h1")
		admin.waitFor("vigil.js to read the session", `!!window.vigilIdle && window.vigilIdle.state().known`, stepTimeout)
	}
	admin.visitChecked("/auth/no-such-page", "main h1") // served without the session

	patient := c.context("patient", srv)
	patient.signIn("nora", browserPW)
	patient.visitChecked("/auth/admin", "main h1") // the 403 page
	visitor.openResetLink(link)
	visitor.waitVisible("#reset-form")

	// The watch works: a deliberate violation is reported.
	patient.do(chromedp.Evaluate[chromedp.Void](`(function () { var s = document.createElement('script'); s.textContent = 'window.vigilCanary = 1'; document.body.appendChild(s); })()`))
	deadline := time.Now().Add(stepTimeout)
	for {
		if got := c.watch.take(func(l consoleLine) bool { return l.tab == "patient" && violatesCSP(l.text) }); len(got) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("an inline script injected on purpose was reported by no console message: the CSP check of these tests sees nothing")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := eval[string](patient, `typeof window.vigilCanary`); got != "undefined" {
		t.Fatal("an injected inline script ran: the pages' CSP does not forbid inline scripts")
	}
}

// Under --route-prefix, with an app behind vigil that has its own /auth/
// and /api/ paths: signing in through vigil's page under the prefix lands
// on the account page there; an app page that loads vigil.js from the
// prefix has it talk to vigil's API under the prefix (it finds the prefix
// from its own address), and its "Sign out" goes to vigil's sign-in page
// under the prefix.
func TestBrowserUnderARoutePrefix(t *testing.T) {
	needBrowser(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/auth/session" { // the app's own, not vigil's
			http.Error(w, "the app's own API", http.StatusTeapot)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><title>Patients</title>`+
			`<script src="/sso/auth/static/vigil.js" defer></script></head>`+
			`<body><main><h1 id="app-title">Patients of %s</h1></main></body></html>`, html.EscapeString(r.Header.Get("Remote-User")))
	}))
	t.Cleanup(app.Close)
	srv := startServer(t, "", "--dev", "--upstream", app.URL, "--route-prefix", "/sso")
	srv.addUser(t, "nora", "clinician", browserPW)
	c := startChrome(t)
	laptop := c.context("laptop", srv)

	laptop.open("/patients")
	laptop.submitLogin("nora", browserPW) // sent to vigil's sign-in page, then back
	laptop.waitVisible("#app-title")
	laptop.expectText("#app-title", "Patients of nora")
	laptop.waitFor("vigil.js on the app's page to read the session under the prefix",
		`!!window.vigilIdle && window.vigilIdle.state().known`, stepTimeout)

	laptop.open("/sso/auth/account")
	laptop.waitVisible("#sessions-table")
	laptop.waitFor("vigil.js on vigil's page to read the session", `!!window.vigilIdle && window.vigilIdle.state().known`, stepTimeout)

	laptop.open("/patients")
	laptop.waitFor("vigil.js to read the session again", `!!window.vigilIdle && window.vigilIdle.state().known`, stepTimeout)
	laptop.do(chromedp.Evaluate[chromedp.Void](`window.vigilIdle.signOut()`))
	laptop.waitVisible("#login-form")
	if p := laptop.path(); p != "/sso/auth/login" {
		t.Fatalf("after signing out from the app's page: at %s, want /sso/auth/login", p)
	}
}

// The audit log shows local times, so its filter reads local times too: in
// a browser in Tokyo (UTC+9), "From 2026-01-02T03:04" and "Until
// 2026-01-02" go to the server with that offset (the end of that local
// day), the hint says which zone, and the events shown are those of the
// local window.
func TestBrowserAuditFilterInLocalTime(t *testing.T) {
	_, _, admin := adminTab(t)
	admin.do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Tokyo"})
		return err
	}))
	admin.signIn("root", browserPW)
	admin.open("/auth/admin/audit")
	admin.expectText("#audit-time-hint", "Times are your local time (UTC+09:00)")

	admin.typeInto("#audit-since", "2026-01-02T03:04")
	admin.typeInto("#audit-until", "2026-01-02")
	admin.click("#audit-filter-submit")
	deadline := time.Now().Add(stepTimeout)
	for !strings.Contains(admin.location(), "since=") { // the form's GET navigates
		if time.Now().After(deadline) {
			t.Fatalf("the filter was not sent (at %s)", admin.location())
		}
		time.Sleep(20 * time.Millisecond)
	}
	admin.waitVisible("#audit-filter-form")
	u, err := url.Parse(admin.location())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("since") != "2026-01-02T03:04:00+09:00" || q.Get("until") != "2026-01-03T00:00:00+09:00" {
		t.Errorf("the filter sent since=%q until=%q, want local times with +09:00 (the until date's end)", q.Get("since"), q.Get("until"))
	}
	if n := admin.count("#audit-error"); n != 0 {
		t.Errorf("the server refused the local times: %s", admin.text("#audit-error"))
	}
}

// adminTab starts a server with the administrator root and a browser tab
// for them, not yet signed in.
func adminTab(t *testing.T) (*server, *chrome, *tab) {
	t.Helper()
	needBrowser(t)
	srv := startServer(t, "", "--dev")
	srv.addUser(t, "root", "admin", browserPW)
	c := startChrome(t)
	return srv, c, c.context("admin", srv)
}
