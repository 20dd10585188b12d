package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserAccessibility runs axe-core (testdata/axe, vendored) on every
// page, in the states staff meet (a form's problems, a reset link new,
// used or for an existing account, a user just created), at desktop and
// phone width and in dark mode, and fails on any violation: headings out
// of order, unlabelled fields, content outside landmarks, low contrast and
// every other rule axe runs by default (WCAG 2 A and AA, and its best
// practices).
func TestBrowserAccessibility(t *testing.T) {
	t.Parallel() // long and self-contained: beside the other long ones
	needBrowser(t)
	srv := pagesServer(t)
	c := startChrome(t)
	check := &axeCheck{t: t}

	visitor := c.context("visitor", srv)
	visitor.userAgent(androidUA)
	for _, p := range []string{"/auth/login", "/auth/login?reason=inactivity&rd=%2Fauth%2Faccount", "/auth/reset", "/auth/no-such-page"} {
		visitor.open(p)
		check.page(visitor, p)
	}
	visitor.open("/auth/login")
	visitor.submitLogin("maria.garcia", "not the password at all")
	visitor.waitVisible("#login-error")
	check.page(visitor, "sign-in refused")

	admin := c.context("admin", srv)
	admin.userAgent(desktopUA)
	admin.signIn("admin", browserPW)
	for _, p := range []string{"/auth/account", "/auth/admin", "/auth/admin/users/dr.okafor", "/auth/admin/sessions",
		"/auth/admin/audit", "/auth/admin/policy", "/auth/reauth?rd=%2Fauth%2Fadmin"} {
		admin.open(p)
		check.page(admin, p)
	}
	admin.open("/auth/reauth?rd=%2Fauth%2Fadmin")
	admin.typeInto("#reauth-password", "not the password at all")
	admin.click("#reauth-submit")
	admin.waitVisible("#reauth-error")
	check.page(admin, "re-authentication refused")

	admin.open("/auth/account")
	admin.typeInto("#new-password", "admin1")
	admin.click("#change-password-submit")
	admin.waitVisible("#password-errors")
	check.page(admin, "password change refused")

	admin.open("/auth/admin")
	admin.typeInto("#new-username", "no spaces please")
	admin.typeInto("#new-email", "not an address")
	admin.click("#create-user-submit")
	admin.waitVisible("#create-user-error")
	check.page(admin, "user not created")
	admin.typeInto("#new-username", "dr.lee")
	eval[chromedp.Void](admin, `document.getElementById('new-email').value = ''`)
	admin.click("#create-user-submit")
	admin.waitVisible("#reset-link-panel")
	check.page(admin, "user created")
	link := admin.value("#reset-link")

	visitor.openResetLink(link)
	check.page(visitor, "reset: a new account")
	visitor.typeInto("#new-password", "dr.lee")
	visitor.click("#reset-submit")
	visitor.waitVisible("#reset-error")
	check.page(visitor, "reset refused")
	visitor.typeInto("#new-password", browserNewPW)
	visitor.typeInto("#confirm-password", browserNewPW)
	visitor.click("#reset-submit")
	visitor.waitVisible("#login-notice")
	check.page(visitor, "sign-in after the reset")
	visitor.openResetLink(link)
	check.page(visitor, "reset: a used link")

	admin.open("/auth/admin/users/maria.garcia")
	admin.click(".reset-user")
	admin.waitVisible("#reset-link-panel")
	check.page(admin, "reset link issued")
	visitor.openResetLink(admin.value("#reset-link"))
	check.page(visitor, "reset: an existing account")

	patient := c.context("patient", srv)
	patient.signIn("maria.garcia", browserPW)
	patient.open("/auth/admin")
	check.page(patient, "administration refused")

	check.report()

	// The check works: a field without a label and a skipped heading
	// level, added on purpose, are reported.
	patient.do(chromedp.Evaluate[chromedp.Void](`(() => {
		const m = document.querySelector('main');
		m.insertAdjacentHTML('beforeend', '<h4 id="axe-canary-heading">Skipped</h4><input id="axe-canary-field" type="text">');
	})()`))
	canary := &axeCheck{t: t}
	canary.page(patient, "canary")
	for _, rule := range []string{"heading-order", "label"} {
		if !slices.ContainsFunc(canary.found, func(f string) bool { return strings.Contains(f, ": "+rule+" [") }) {
			t.Errorf("axe-core did not report the %s violation added on purpose: the check sees nothing (found %q)", rule, canary.found)
		}
	}
}

// axeLooks are the widths and colour schemes each page is checked in.
var axeLooks = []look{looks[0], looks[2], looks[1]} // desktop light, phone light, desktop dark

// axeCheck runs axe-core on pages and gathers what it finds.
type axeCheck struct {
	t     *testing.T
	found []string
}

var (
	axeOnce   sync.Once
	axeSource string
	axeErr    error
)

// axeScript is axe.min.js, read once.
func axeScript(t *testing.T) string {
	t.Helper()
	axeOnce.Do(func() {
		b, err := os.ReadFile("testdata/axe/axe.min.js")
		axeSource, axeErr = string(b), err
	})
	if axeErr != nil {
		t.Fatalf("axe-core: %v", axeErr)
	}
	return axeSource
}

// axeViolation is one rule axe-core found broken, with where.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// page checks the page the tab shows, once loaded, in every look.
func (a *axeCheck) page(tb *tab, name string) {
	a.t.Helper()
	tb.waitVisible("main h1")
	tb.waitFor("the page to load", `document.readyState === 'complete'`, stepTimeout)
	if !eval[bool](tb, `typeof window.axe === 'object'`) {
		eval[chromedp.Void](tb, axeScript(a.t)+"\n;undefined")
	}
	defer tb.emulate(look{width: 1280, height: 800})
	for _, l := range axeLooks {
		tb.emulate(l)
		found := eval[[]axeViolation](tb, `axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
			id: v.id, impact: v.impact || '', help: v.help,
			nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').replace(/\s+/g, ' '))})))`)
		for _, v := range found {
			a.found = append(a.found, fmt.Sprintf("%s (%s, %s): %s [%s] %s\n      %s", name, l.name, tb.path(), v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n      ")))
		}
	}
}

// report fails the test with every violation found.
func (a *axeCheck) report() {
	a.t.Helper()
	if len(a.found) > 0 {
		a.t.Errorf("axe-core found %d violations:\n  %s", len(a.found), strings.Join(a.found, "\n  "))
	}
}
