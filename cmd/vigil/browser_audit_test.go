package main

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestBrowserAuditPage: the audit page read by staff in Tokyo (UTC+9) at
// 1280 px and at 390 px: plain event names, every time on the page in
// local time (the table, the range read, the filter's own fields after a
// search), the filter in one column on a phone without horizontal scroll,
// a sign-in attempt for a name without an account shown as text, not a
// link; axe-core finds nothing in either width. Without JavaScript the
// page says its times are UTC.
func TestBrowserAuditPage(t *testing.T) {
	srv, c, admin := adminTab(t)
	visitor := c.context("visitor", srv)
	visitor.open("/auth/login")
	visitor.submitLogin("someone.who.has.no.account.here", "not the password at all")
	visitor.waitVisible("#login-error")

	admin.do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Tokyo"})
		return err
	}))
	admin.userAgent(desktopUA)
	admin.signIn("root", browserPW)
	admin.open("/auth/admin/audit")
	admin.waitVisible("#audit-table")
	admin.typeInto("#audit-since", "2020-01-02T03:04")
	admin.click("#audit-filter-submit")
	admin.waitVisible("#audit-range")
	admin.waitFor("the page to load", `document.readyState === 'complete'`, stepTimeout)

	// The filter's field shows the local time typed, not the offset sent.
	if got := admin.value("#audit-since"); got != "2020-01-02T03:04" {
		t.Errorf("after the search the From field holds %q, want the local 2020-01-02T03:04", got)
	}
	if !strings.Contains(admin.location(), "since=2020-01-02T03%3A04%3A00%2B09%3A00") {
		t.Errorf("the search went to %s", admin.location())
	}
	// Every time on the page is local: converted by the script, UTC in its title.
	utc := eval[[]string](admin, `[...document.querySelectorAll('main time')].
		filter(t => !t.hasAttribute('data-local') || /UTC/.test(t.textContent) || !/UTC/.test(t.title)).map(t => t.outerHTML)`)
	if len(utc) > 0 || admin.count("main time") < 3 {
		t.Errorf("%d times on the page; not shown in local time: %q", admin.count("main time"), utc)
	}
	if got := admin.text("#audit-range"); !strings.Contains(got, "2020") || !strings.Contains(got, "3:04") || strings.Contains(got, "UTC") {
		t.Errorf("the range read: %q, want 2 Jan 2020 03:04 Tokyo time", got)
	}
	admin.expectText("#audit-time-hint", "UTC+09:00")

	// Plain names, and links only to accounts that exist.
	rows := eval[[][]string](admin, `[...document.querySelectorAll('#audit-table tr[data-event-id]')].map(r => [
		r.dataset.event, r.querySelector('.event-label').textContent,
		r.querySelector('td[data-label="User"]').textContent.trim(),
		String(r.querySelectorAll('td[data-label="User"] a').length)])`)
	var unknown, root bool
	for _, r := range rows {
		switch {
		case r[0] == "login_failed" && strings.HasPrefix(r[2], "someone.who.has.no.account.here"):
			unknown = r[1] == "Sign-in failed" && r[3] == "0" && strings.Contains(r[2], "no account")
		case r[0] == "login_succeeded" && r[2] == "root":
			root = r[1] == "Signed in" && r[3] == "1"
		}
	}
	if !unknown || !root {
		t.Errorf("the failed sign-in of an unknown name shown as text (%v), root's sign-in as a link (%v): rows %q", unknown, root, rows)
	}

	fits := func(width int) {
		t.Helper()
		got := eval[[]float64](admin, shownJS+`(() => {
			const f = [...document.querySelectorAll('#audit-filter-form .field')].map(e => e.getBoundingClientRect());
			const lefts = new Set(f.map(b => Math.round(b.left)));
			const right = Math.max(...[...document.querySelectorAll('main *')].filter(shown).map(e => e.getBoundingClientRect().right));
			return [lefts.size, document.documentElement.scrollWidth, window.innerWidth, right];
		})()`)
		if got[1] > got[2] || got[3] > got[2]+0.5 {
			wide := eval[[]string](admin, shownJS+`[...document.querySelectorAll('main *')].filter(e => shown(e) && e.getBoundingClientRect().right > window.innerWidth + 0.5).
				slice(0, 8).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : ''))`)
			t.Errorf("at %d px the page scrolls sideways: %.0f px wide, %q end at %.0f, the window is %.0f", width, got[1], wide, got[3], got[2])
		}
		if width < 600 && got[0] != 1 {
			t.Errorf("at %d px the filter has %.0f columns, want 1", width, got[0])
		}
		if width >= 1280 && got[0] < 3 {
			t.Errorf("at %d px the filter has %.0f columns, want its fields side by side", width, got[0])
		}
	}
	admin.emulate(looks[0])
	fits(1280)
	admin.emulate(looks[2])
	fits(390)
	admin.emulate(looks[0])

	check := &axeCheck{t: t}
	check.page(admin, "audit with a range and an unknown user")
	check.report()

	// Without the script: the hint and the times say UTC.
	plain := c.context("no-script", srv)
	plain.disableScripts()
	plain.signIn("root", browserPW)
	plain.open("/auth/admin/audit?since=2020-01-02")
	plain.waitVisible("#audit-range")
	plain.expectText("#audit-time-hint", "Times are UTC")
	if got := plain.text("#audit-range"); !strings.Contains(got, "2 Jan 2020, 00:00 UTC") {
		t.Errorf("without JavaScript the range reads %q", got)
	}
}

// shownJS defines shown(e): false for an element inside one clipped to
// nothing, as the table's header is on a phone (read out, not drawn).
const shownJS = `var shown = e => { for (let a = e; a; a = a.parentElement) { if (getComputedStyle(a).clip !== 'auto') { return false; } } return true; };
`
