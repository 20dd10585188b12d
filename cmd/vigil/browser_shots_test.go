package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestBrowserScreenshots opens every page at desktop (1280x800) and phone
// (390x844) width, light and dark. Each page must fit a phone without
// scrolling sideways and must change colours in dark mode. With
// VIGIL_SCREENSHOTS set to a directory (never one inside the repository)
// it writes a PNG of each: <page>-<desktop|phone>-<light|dark>.png.
func TestBrowserScreenshots(t *testing.T) {
	t.Parallel() // long and self-contained: beside the other long ones
	needBrowser(t)
	srv := pagesServer(t)
	c := startChrome(t)
	shots := &shooter{t: t, dir: os.Getenv("VIGIL_SCREENSHOTS")}
	if shots.dir != "" {
		if err := os.MkdirAll(shots.dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	// Other devices and people, so the lists have something in them.
	phone := c.context("admin's phone", srv)
	phone.userAgent(iPhoneUA)
	phone.signIn("admin", browserPW)
	clinician := c.context("clinician", srv)
	clinician.userAgent(firefoxUA)
	clinician.signIn("dr.okafor", browserPW)
	visitor := c.context("visitor", srv)
	visitor.userAgent(androidUA)
	visitor.open("/auth/login")
	visitor.submitLogin("maria.garcia", "wrong password, twice over")
	visitor.waitVisible("#login-error")

	admin := c.context("admin", srv)
	admin.userAgent(desktopUA)
	admin.signIn("admin", browserPW)
	admin.open("/auth/account")
	shots.page(admin, "account", "#sessions-table")
	admin.open("/auth/admin")
	shots.page(admin, "admin-users", "#users-table")
	admin.typeInto("#new-username", "r.patel")
	admin.do(chromedp.SetValue(chromedp.CSS("#new-role"), "clinician"))
	admin.typeInto("#new-clinician-id", "GMC-7099881")
	admin.click("#create-user-submit")
	link := admin.value("#reset-link")
	shots.page(admin, "admin-user-created", "#reset-link-panel")
	admin.open("/auth/admin/users/dr.okafor")
	shots.page(admin, "admin-user", "main h1")
	admin.open("/auth/admin/sessions")
	shots.page(admin, "admin-sessions", "main h1")
	admin.open("/auth/admin/audit")
	shots.page(admin, "admin-audit", "#audit-table")
	admin.open("/auth/admin/policy")
	shots.page(admin, "admin-policy", "#policy-deviations")
	admin.open("/auth/reauth?rd=%2Fauth%2Fadmin")
	shots.page(admin, "reauth", "#reauth-form")

	visitor.open("/auth/login")
	shots.page(visitor, "login", "#login-form")
	visitor.open("/auth/login?reason=inactivity")
	shots.page(visitor, "login-inactivity", "#login-notice")
	visitor.open("/auth/no-such-page")
	shots.page(visitor, "error", "#error-page")
	visitor.openResetLink(link)
	shots.page(visitor, "reset", "#reset-form")

	// The idle warning as it first appears, two minutes before the end.
	idleSrv := startServer(t, "", "--dev", "--idle-timeout", "2m1s", "--idle-warning", "2m")
	idleSrv.addUser(t, "nora", "patient", browserPW)
	idle := c.context("idle", idleSrv)
	idle.userAgent(desktopUA)
	idle.signIn("nora", browserPW)
	idle.waitFor("the idle dialog", `!!window.vigilIdle && window.vigilIdle.state().open`, stepTimeout)
	shots.dialog(idle, "idle-dialog")

	// The end of the absolute lifetime: warned, but it cannot be extended.
	lifeSrv := startServer(t, "", "--dev", "--lifetime", "2m1s")
	lifeSrv.addUser(t, "nora", "patient", browserPW)
	life := c.context("lifetime", lifeSrv)
	life.userAgent(desktopUA)
	life.signIn("nora", browserPW)
	life.waitFor("the lifetime dialog", `!!window.vigilIdle && window.vigilIdle.state().mode === 'lifetime'`, stepTimeout)
	life.waitVisible("#vigil-signin-again")
	if got := eval[string](life, `document.activeElement ? document.activeElement.id : ''`); got != "vigil-signin-again" {
		t.Fatalf("the lifetime dialog has the focus on %q, want #vigil-signin-again", got)
	}
	if eval[bool](life, `!document.getElementById('vigil-stay').hidden`) {
		t.Fatal("the lifetime dialog offers to stay signed in, which cannot work")
	}
	shots.dialog(life, "lifetime-dialog")
}

// pagesServer starts a server whose pages have something in them: the
// administrator admin, the clinician dr.okafor (with a clinician id), the
// patient maria.garcia and the disabled patient j.smith, all with
// browserPW.
func pagesServer(t *testing.T) *server {
	t.Helper()
	srv := startServer(t, "", "--dev")
	srv.addUser(t, "admin", "admin", browserPW)
	for _, u := range [][]string{{"dr.okafor", "clinician", "--clinician-id", "GMC-7012345"}, {"maria.garcia", "patient"}, {"j.smith", "patient"}} {
		args := append([]string{"user", "add", u[0], "--role", u[1], "--password-stdin"}, u[2:]...)
		if code, _, errs := srv.cli(t, browserPW+"\n", args...); code != 0 {
			t.Fatalf("user add %s: %s", u[0], errs)
		}
	}
	if code, _, errs := srv.cli(t, "", "user", "disable", "j.smith"); code != 0 {
		t.Fatalf("user disable: %s", errs)
	}
	return srv
}

const (
	desktopUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	iPhoneUA  = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
	firefoxUA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:133.0) Gecko/20100101 Firefox/133.0"
	androidUA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
)

// userAgent makes the tab present itself as another browser from now on.
func (tb *tab) userAgent(ua string) {
	tb.t.Helper()
	tb.do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: ua})
		return err
	}))
}

// shooter checks pages at each width and colour scheme and, given a
// directory, saves their screenshots there.
type shooter struct {
	t   *testing.T
	dir string
}

type look struct {
	name          string
	width, height int64
	phone, dark   bool
}

var looks = []look{
	{"desktop-light", 1280, 800, false, false},
	{"desktop-dark", 1280, 800, false, true},
	{"phone-light", 390, 844, true, false},
	{"phone-dark", 390, 844, true, true},
}

// page checks and shoots the whole page the tab shows, once sel is shown.
func (s *shooter) page(tb *tab, name, sel string) {
	s.t.Helper()
	tb.waitVisible(sel)
	tb.waitFor("the page to load", `document.readyState === 'complete'`, stepTimeout)
	s.each(tb, name, true)
}

// dialog checks and shoots what the viewport shows (the modal dialog).
func (s *shooter) dialog(tb *tab, name string) {
	s.t.Helper()
	tb.waitVisible("#vigil-idle-dialog")
	s.each(tb, name, false)
}

func (s *shooter) each(tb *tab, name string, full bool) {
	s.t.Helper()
	defer tb.emulate(look{width: 1280, height: 800})
	background := map[bool]string{}
	for _, l := range looks {
		tb.emulate(l)
		bg := eval[string](tb, `getComputedStyle(document.body).backgroundColor`)
		if prev, ok := background[!l.dark]; ok && prev == bg {
			s.t.Errorf("%s: the background is %s in both light and dark", name, bg)
		}
		background[l.dark] = bg
		if l.phone {
			wide := eval[[]int](tb, `[document.documentElement.scrollWidth, window.innerWidth]`)
			if wide[0] > wide[1] {
				s.t.Errorf("%s at phone width: the page is %dpx wide in a %dpx viewport, so it scrolls sideways", name, wide[0], wide[1])
			}
		}
		if s.dir == "" {
			continue
		}
		var png []byte
		if full {
			png = result(tb, chromedp.FullScreenshot(100))
		} else {
			png = result(tb, chromedp.CaptureScreenshot())
		}
		file := filepath.Join(s.dir, fmt.Sprintf("%s-%s.png", name, l.name))
		if err := os.WriteFile(file, png, 0o644); err != nil {
			s.t.Fatal(err)
		}
	}
}

// emulate sets the viewport and the colour scheme, and waits until the
// page has been drawn with them.
func (tb *tab) emulate(l look) {
	tb.t.Helper()
	var opts []chromedp.EmulateViewportOption
	if l.phone {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	scheme := "light"
	if l.dark {
		scheme = "dark"
	}
	tb.do(
		chromedp.EmulateViewport(l.width, l.height, opts...),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
			})
			return err
		}),
	)
	eval[chromedp.Void](tb, `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r())))`)
}
