package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The pages as staff use them (issue 15): a form's problems all at once,
// with the focus on their summary; the reset link naming its account;
// tables and header that fit their width.

// settle waits until the JavaScript condition is true in the tab, across
// the navigations the page itself starts (chromedp's Poll ends with an
// error when one interrupts it; here it is tried again).
func (tb *tab) settle(what, cond string) {
	tb.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		ctx, cancel := context.WithTimeout(tb.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			tb.t.Fatalf("%s: waiting for %s: %v (at %s, showing %q)", tb.name, what, err, tb.location(),
				eval[string](tb, `document.querySelector('main') ? document.querySelector('main').innerText : document.body.innerText`))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// openResetLink opens a reset link (/auth/reset#token=...) and waits for
// the page its script brings, the token gone from the address: the form
// naming the account, or the page saying the link cannot be used.
func (tb *tab) openResetLink(link string) {
	tb.t.Helper()
	tb.open(link)
	tb.awaitResetPage()
}

// awaitResetPage waits for the page a reset link leads to (see
// openResetLink), once the link is open.
func (tb *tab) awaitResetPage() {
	tb.t.Helper()
	tb.settle("the reset page of the link", `!location.href.includes('token') && document.readyState === 'complete' && !!document.querySelector('#reset-account, #reset-unusable')`)
}

// focused is the id of the element that has the focus.
func (tb *tab) focused() string {
	tb.t.Helper()
	return eval[string](tb, `document.activeElement ? document.activeElement.id : ''`)
}

// expectSummary waits for the error summary id, and fails unless it has
// the focus (so a screen reader reads it out), is an alert, and lists at
// least n problems.
func (tb *tab) expectSummary(id string, n int) {
	tb.t.Helper()
	tb.waitVisible("#" + id)
	tb.waitFor("the error summary to take the focus", fmt.Sprintf(`document.activeElement && document.activeElement.id === %s`, jsString(id)), stepTimeout)
	if got := tb.attr("#"+id, "role"); got != "alert" {
		tb.t.Errorf("%s: #%s has role %q, want alert", tb.name, id, got)
	}
	if got := tb.count("#" + id + " li"); got < n {
		tb.t.Errorf("%s: #%s lists %d problems, want at least %d: %s", tb.name, id, got, n, tb.text("#"+id))
	}
}

// Every problem of the change-password form at once, the focus on their
// summary, and a link in it taking the focus to its field; the rules are
// two lines, every rule one click away.
func TestBrowserFormProblemsAtOnce(t *testing.T) {
	_, _, admin := adminTab(t)
	admin.signIn("root", browserPW)
	admin.open("/auth/account")
	admin.waitVisible("#password-rules-lines")
	if n := admin.count("#password-rules-lines p"); n != 2 {
		t.Errorf("the rules have %d plain lines, want 2", n)
	}
	if eval[bool](admin, `document.querySelector('#password-rules-all li').checkVisibility()`) {
		t.Error("every rule is shown before it is asked for")
	}
	admin.click("#password-rules-all summary")
	admin.waitFor("every rule to show", `document.querySelector('#password-rules-all li').checkVisibility()`, stepTimeout)

	admin.typeInto("#new-password", "root1")
	admin.typeInto("#confirm-password", "root2")
	admin.click("#change-password-submit")
	admin.expectSummary("password-errors", 4) // no current password, too short, the username, no match
	for _, want := range []string{"Enter your current password.", "at least 15 characters", "username", "do not match"} {
		admin.expectText("#password-errors", want)
	}
	admin.click(`#password-errors a[href="#new-password"]`)
	admin.waitFor("the link to focus its field", `document.activeElement.id === 'new-password'`, stepTimeout)

	admin.open("/auth/admin")
	admin.typeInto("#new-username", "no spaces please")
	admin.typeInto("#new-clinician-id", strings.Repeat("7", 65))
	admin.typeInto("#new-email", "not an address")
	admin.click("#create-user-submit")
	admin.expectSummary("create-user-error", 3)

	admin.open("/auth/reauth?rd=%2Fauth%2Fadmin")
	admin.typeInto("#reauth-password", "not the password at all")
	admin.click("#reauth-submit")
	admin.expectSummary("reauth-error", 1)
}

// The reset link names the account; for a new one it speaks of its first
// password; problems are summarised with the focus; after it the sign-in
// form has the username and the focus on the password; the link opened
// again says it cannot be used, without a form. Without JavaScript the
// ?token= link does the same.
func TestBrowserResetNamesTheAccount(t *testing.T) {
	srv, c, admin := adminTab(t)
	admin.signIn("root", browserPW)
	admin.open("/auth/admin")
	admin.typeInto("#new-username", "dr.lee")
	admin.typeInto("#new-display-name", "Amara Lee")
	admin.click("#create-user-submit")
	link := admin.value("#reset-link")

	newcomer := c.context("new user", srv)
	newcomer.openResetLink(link)
	newcomer.expectText("#reset-account", "dr.lee")
	newcomer.expectText("#reset-account", "Amara Lee")
	newcomer.expectText("#reset-title", "Choose your password")
	if loc := newcomer.location(); strings.Contains(loc, "token") {
		t.Fatalf("the token is still in the address: %s", loc)
	}
	if main := newcomer.text("main"); strings.Contains(main, "new password") || strings.Contains(main, "Change") {
		t.Errorf("the page for a first password speaks of changing one: %s", main)
	}
	newcomer.typeInto("#new-password", "dr.lee")
	newcomer.click("#reset-submit")
	newcomer.expectSummary("reset-error", 3) // too short, the username, no confirmation
	newcomer.expectText("#reset-account", "dr.lee")

	newcomer.setPasswordByReset(browserNewPW, "dr.lee")
	if got := newcomer.focused(); got != "password" {
		t.Errorf("the focus is on %q, want the password", got)
	}
	newcomer.typeInto("#password", browserNewPW)
	newcomer.click("#login-submit")
	newcomer.expectText("#account-username", "dr.lee")

	newcomer.openResetLink(link)
	newcomer.expectText("#reset-unusable", "already been used, or it has expired")
	newcomer.expectText("#reset-unusable", "ask your administrator for a new link")
	if n := newcomer.count("#reset-form"); n != 0 {
		t.Error("the used link still shows the form")
	}
	if got := newcomer.attr("#reset-signin", "href"); got != "/auth/login" {
		t.Errorf("the used link's page leads to %q, want the sign-in page", got)
	}

	// An existing account, without JavaScript: the ?token= link.
	admin.open("/auth/admin/users/dr.lee")
	admin.click(".reset-user")
	token := strings.TrimPrefix(admin.value("#reset-link"), srv.URL+"/auth/reset#token=")
	plain := c.context("no JavaScript", srv)
	plain.disableScripts()
	plain.open("/auth/reset?token=" + token)
	plain.expectText("#reset-title", "Choose a new password")
	plain.expectText("#reset-account", "dr.lee")
	plain.expectText("main", "signs dr.lee out everywhere")
	plain.setPasswordByReset(browserPW, "dr.lee")
}

// setPasswordByReset sets pw on the reset form the tab shows, and fails
// unless the tab then shows the sign-in page saying so, with username
// filled in.
func (tb *tab) setPasswordByReset(pw, username string) {
	tb.t.Helper()
	tb.typeInto("#new-password", pw)
	tb.typeInto("#confirm-password", pw)
	tb.click("#reset-submit")
	tb.onSignIn("Your new password is set")
	if got := tb.value("#username"); got != username {
		tb.t.Fatalf("%s: the sign-in form holds the username %q, want %s", tb.name, got, username)
	}
}

// At 1280 px the users table wraps neither a header nor an id; at 390 px
// the header is one row.
func TestBrowserTablesAndHeaderFit(t *testing.T) {
	srv, _, admin := adminTab(t)
	for _, u := range [][]string{{"dr.okafor-consultant", "clinician", "--clinician-id", "GMC-7012345-A"}, {"maria.garcia", "patient"}} {
		args := append([]string{"user", "add", u[0], "--role", u[1], "--password-stdin"}, u[2:]...)
		if code, _, errs := srv.cli(t, browserPW+"\n", args...); code != 0 {
			t.Fatalf("user add %s: %s", u[0], errs)
		}
	}
	admin.userAgent(desktopUA)
	admin.signIn("root", browserPW)
	admin.open("/auth/admin")
	admin.waitVisible("#users-table")
	// Each header and id cell: its text's boxes all on one line.
	wrapped := eval[[]string](admin, `(() => {
		const out = [];
		for (const el of document.querySelectorAll('#users-table th, #users-table td.id')) {
			const r = document.createRange();
			r.selectNodeContents(el);
			const tops = [...r.getClientRects()].filter(b => b.width > 1).map(b => b.top);
			const line = parseFloat(getComputedStyle(el).lineHeight) || 20;
			if (tops.length && Math.max(...tops) - Math.min(...tops) > line / 2) { out.push(el.textContent.trim()); }
		}
		return out;
	})()`)
	if len(wrapped) > 0 {
		t.Errorf("at 1280 px the users table wraps %q", wrapped)
	}

	for _, who := range []string{"admin", "patient"} {
		tb := admin
		if who == "patient" {
			tb = admin.chrome.context("patient", srv)
			tb.signIn("maria.garcia", browserPW)
		}
		tb.emulate(looks[2]) // phone, light
		spread := eval[[]float64](tb, `(() => {
			const kids = [...document.querySelectorAll('.site-header .bar > *')].filter(e => e.getBoundingClientRect().width > 1);
			const mids = kids.map(e => { const b = e.getBoundingClientRect(); return b.top + b.height / 2; });
			const right = Math.max(...kids.map(e => e.getBoundingClientRect().right));
			return [Math.max(...mids) - Math.min(...mids), right, window.innerWidth, kids.length];
		})()`)
		if spread[0] > 4 || spread[1] > spread[2] || spread[3] < 3 {
			t.Errorf("%s at 390 px: the header's %v parts are not in one row (their middles %.0f px apart, the last ends at %.0f of %.0f px)",
				who, spread[3], spread[0], spread[1], spread[2])
		}
		tb.expectText("#signed-in-as", map[string]string{"admin": "root", "patient": "maria.garcia"}[who]) // still read out
	}
}
