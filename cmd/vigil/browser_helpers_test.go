package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/vigilauth/vigil/internal/testkit"
)

// The browser tests drive Debian's Chromium (or $VIGIL_CHROMIUM) through
// the DevTools protocol against a vigil started by startServer. They run
// only when VIGIL_TEST_BROWSER is set (CI sets it).

// stepTimeout bounds one browser step (a navigation, a wait for an
// element): generous, because a loaded CI machine running -race can be
// slow, and a step that passes never waits for it.
const stepTimeout = 30 * time.Second

// chrome is one headless Chromium process for one test. Every tab it opens
// reports its console to watch, and the test fails at its end on any
// Content-Security-Policy violation or uncaught JavaScript exception.
type chrome struct {
	t     *testing.T
	root  context.Context // the browser's first tab
	watch *consoleWatch
	out   *testkit.SyncBuffer // the browser's own stdout and stderr
}

// needBrowser skips the test unless VIGIL_TEST_BROWSER is set.
func needBrowser(t *testing.T) {
	t.Helper()
	if os.Getenv("VIGIL_TEST_BROWSER") == "" {
		t.Skip("browser test: set VIGIL_TEST_BROWSER=1 (needs Chromium at /usr/bin/chromium or $VIGIL_CHROMIUM)")
	}
}

// startChrome starts Chromium headless with a fresh profile, or skips the
// test when VIGIL_TEST_BROWSER is not set.
func startChrome(t *testing.T) *chrome {
	t.Helper()
	needBrowser(t)
	exe := os.Getenv("VIGIL_CHROMIUM")
	if exe == "" {
		exe = "/usr/bin/chromium"
	}
	if _, err := os.Stat(exe); err != nil {
		t.Fatalf("VIGIL_TEST_BROWSER is set but Chromium is missing: %v", err)
	}
	return launchChrome(t, exe)
}

// launchChrome starts the Chromium at exe headless with a fresh profile
// and the extra options (flags) besides the usual ones.
func launchChrome(t *testing.T, exe string, extra ...chromedp.ExecAllocatorOption) *chrome {
	t.Helper()
	c := &chrome{t: t, watch: &consoleWatch{}, out: &testkit.SyncBuffer{}}
	// The watch is checked after the browser has stopped (cleanups run last
	// in, first out), so it has every message.
	t.Cleanup(func() {
		c.watch.check(t)
		if t.Failed() {
			t.Logf("Chromium's output:\n%s", c.out.String())
		}
	})

	profile := filepath.Join(t.TempDir(), "profile")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 800),
		chromedp.CombinedOutput(c.out),
	)
	opts = append(opts, extra...)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	root, cancelRoot := chromedp.NewContext(alloc, chromedp.WithListener(c.watch.listener("first tab")))
	t.Cleanup(func() {
		cancelRoot()
		cancelAlloc()
	})
	// The first Do starts the browser; it lives as long as root.
	if err := chromedp.Do(root); err != nil {
		t.Fatalf("start Chromium: %v\n%s", err, c.out.String())
	}
	c.root = root
	return c
}

// context opens a new browser context (its own cookie jar and storage, as
// a second browser would have) with one tab on srv.
func (c *chrome) context(name string, srv *server) *tab {
	c.t.Helper()
	return c.attach(name, srv, c.root, chromedp.WithNewBrowserContext())
}

// attach opens a tab as a child of parent (in parent's browser context
// unless opts say otherwise), in a window of its own so that it is never
// a hidden background tab.
func (c *chrome) attach(name string, srv *server, parent context.Context, opts ...chromedp.ContextOption) *tab {
	c.t.Helper()
	ctx, cancel := chromedp.NewContext(parent, append(opts, chromedp.WithListener(c.watch.listener(name)))...)
	c.t.Cleanup(cancel)
	// The first Do opens the tab, whose event loop then lives as long as
	// the context given to it: ctx itself, never a timeout.
	if err := chromedp.Do(ctx); err != nil {
		c.t.Fatalf("%s: open a tab: %v", name, err)
	}
	return &tab{t: c.t, name: name, ctx: ctx, srv: srv, chrome: c}
}

// tab is one browser tab, on srv's origin unless told otherwise.
type tab struct {
	t      *testing.T
	name   string
	ctx    context.Context
	srv    *server
	chrome *chrome
}

// another opens a second tab in the same browser context: same cookies,
// same BroadcastChannel, as a user opening a second tab would have.
func (tb *tab) another(name string) *tab {
	tb.t.Helper()
	return tb.chrome.attach(name, tb.srv, tb.ctx)
}

// do runs steps in the tab, failing the test on the first error.
func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.t.Fatalf("%s: %v (at %s)", tb.name, err, tb.location())
	}
}

// location is the tab's address, or why it is not known.
func (tb *tab) location() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "unknown address: " + err.Error()
	}
	return loc
}

// path is the path of the tab's address.
func (tb *tab) path() string {
	tb.t.Helper()
	u, err := url.Parse(tb.location())
	if err != nil {
		tb.t.Fatalf("%s: %v", tb.name, err)
	}
	return u.Path
}

// open goes to a path on the server (or a full URL).
func (tb *tab) open(path string) {
	tb.t.Helper()
	if !strings.Contains(path, "://") {
		path = tb.srv.URL + path
	}
	tb.do(chromedp.Navigate(path))
}

// waitVisible waits until the element is shown.
func (tb *tab) waitVisible(sel string) {
	tb.t.Helper()
	tb.do(chromedp.WaitVisible(chromedp.CSS(sel)))
}

// click clicks the element once it is shown.
func (tb *tab) click(sel string) {
	tb.t.Helper()
	tb.do(chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)))
}

// typeInto replaces the text of a field with text, typed in one go as a
// keyboard's input method would (the page sees input events).
func (tb *tab) typeInto(sel, text string) {
	tb.t.Helper()
	tb.do(chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Focus(chromedp.CSS(sel)))
	eval[chromedp.Void](tb, fmt.Sprintf(`document.querySelector(%s).select()`, jsString(sel)))
	tb.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Call(ctx, input.InsertText, input.InsertTextParams{Text: text})
		return err
	}))
}

// text is the shown text of the element, once it is shown.
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	tb.waitVisible(sel)
	return result(tb, chromedp.Text(chromedp.CSS(sel)))
}

// expectText waits for the element and fails unless its text contains want.
func (tb *tab) expectText(sel, want string) {
	tb.t.Helper()
	if got := tb.text(sel); !strings.Contains(got, want) {
		tb.t.Fatalf("%s: %s says %q, want it to contain %q (at %s)", tb.name, sel, got, want, tb.location())
	}
}

// signIn signs in through the sign-in form and waits for a signed-in page.
func (tb *tab) signIn(user, pw string) {
	tb.t.Helper()
	tb.open("/auth/login")
	tb.submitLogin(user, pw)
	tb.waitVisible("#signed-in-as")
}

// submitLogin fills in and sends the sign-in form shown in the tab.
func (tb *tab) submitLogin(user, pw string) {
	tb.t.Helper()
	tb.waitVisible("#login-form")
	tb.typeInto("#username", user)
	tb.typeInto("#password", pw)
	tb.click("#login-submit")
}

// onSignIn waits until the tab shows the sign-in page with a notice
// containing want, as it does after a session ended.
func (tb *tab) onSignIn(want string) {
	tb.t.Helper()
	tb.waitVisible("#login-form")
	tb.expectText("#login-notice", want)
	if p := tb.path(); p != "/auth/login" {
		tb.t.Fatalf("%s: at %s, want the sign-in page", tb.name, p)
	}
}

// reload reloads the page.
func (tb *tab) reload() {
	tb.t.Helper()
	tb.do(chromedp.Reload())
}

// eval evaluates a JavaScript expression in the tab (awaiting a promise)
// and decodes its value.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	return result(tb, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// result runs one action with a result in the tab.
func result[T any](tb *tab, a chromedp.Action[T]) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tb.t.Fatalf("%s: %v (at %s)", tb.name, err, tb.location())
	}
	return v
}

// waitFor polls a JavaScript condition in the tab until it is true.
func (tb *tab) waitFor(what, cond string, timeout time.Duration) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, timeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(timeout))); err != nil {
		tb.t.Fatalf("%s: waiting for %s: %v (at %s)", tb.name, what, err, tb.location())
	}
}

// value is the current value of a form field (hidden ones too), once it
// is in the page.
func (tb *tab) value(sel string) string {
	tb.t.Helper()
	tb.do(chromedp.WaitReady(chromedp.CSS(sel)))
	return eval[string](tb, fmt.Sprintf(`document.querySelector(%s).value`, jsString(sel)))
}

// attr is an attribute of the element, "" if it has none.
func (tb *tab) attr(sel, name string) string {
	tb.t.Helper()
	tb.do(chromedp.WaitReady(chromedp.CSS(sel)))
	return eval[string](tb, fmt.Sprintf(`document.querySelector(%s).getAttribute(%s) || ''`, jsString(sel), jsString(name)))
}

// count is how many elements match sel now.
func (tb *tab) count(sel string) int {
	tb.t.Helper()
	return eval[int](tb, fmt.Sprintf(`document.querySelectorAll(%s).length`, jsString(sel)))
}

// clickResponse clicks the element and returns the response of the page
// the click leads to.
func (tb *tab) clickResponse(sel string) *network.Response {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		tb.t.Fatalf("%s: click %s: %v (at %s)", tb.name, sel, err, tb.location())
	}
	return resp
}

// visitChecked opens a page, checks that it came with the strict
// Content-Security-Policy, and waits for the element and for the page to
// finish loading (so its scripts have run).
func (tb *tab) visitChecked(path, sel string) {
	tb.t.Helper()
	resp := result(tb, chromedp.NavigateResponse(tb.srv.URL+path))
	policy := header(resp, "Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(policy, want) {
			tb.t.Errorf("%s: %s came with Content-Security-Policy %q, which lacks %s", tb.name, path, policy, want)
		}
	}
	if strings.Contains(policy, "unsafe-inline") || strings.Contains(policy, "unsafe-eval") {
		tb.t.Errorf("%s: %s allows unsafe script or style: %q", tb.name, path, policy)
	}
	tb.waitVisible(sel)
	tb.waitFor("the page to load", `document.readyState === 'complete'`, stepTimeout)
}

// header is a response header, whatever the case of its name.
func header(resp *network.Response, name string) string {
	for k, v := range resp.Headers {
		if strings.EqualFold(k, name) {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}

// idleDeadline is when the tab's idle warning expects the session to end
// for inactivity.
func (tb *tab) idleDeadline() time.Time {
	tb.t.Helper()
	left := eval[float64](tb, `window.vigilIdle.state().idleLeftMs`)
	return time.Now().Add(time.Duration(left * float64(time.Millisecond)))
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// disableScripts turns JavaScript off in the tab, for this and every later
// page.
func (tb *tab) disableScripts() {
	tb.t.Helper()
	tb.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
}

// consoleWatch records what every tab writes to its console.
type consoleWatch struct {
	mu  sync.Mutex
	all []consoleLine
	bad []consoleLine // CSP violations and uncaught exceptions
}

type consoleLine struct {
	tab, kind, text, url string
}

func (l consoleLine) String() string {
	return fmt.Sprintf("[%s] %s: %s (%s)", l.tab, l.kind, l.text, l.url)
}

// listener returns the event func for one tab. It runs in the tab's event
// loop, so it only records.
func (w *consoleWatch) listener(tab string) func(ev any) {
	return func(ev any) {
		var l consoleLine
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			text := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				text += " " + d.Exception.Description
			}
			l = consoleLine{tab: tab, kind: "exception", text: text, url: d.URL}
		case *runtime.EventConsoleAPICalled:
			var parts []string
			for _, a := range ev.Args {
				if a.Value != nil {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			l = consoleLine{tab: tab, kind: "console." + string(ev.Type), text: strings.Join(parts, " ")}
		case *cdplog.EventEntryAdded:
			e := ev.Entry
			l = consoleLine{tab: tab, kind: "log " + string(e.Source) + " " + string(e.Level), text: e.Text, url: e.URL}
		default:
			return
		}
		w.add(l)
	}
}

func (w *consoleWatch) add(l consoleLine) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.all = append(w.all, l)
	if l.kind == "exception" || violatesCSP(l.text) {
		w.bad = append(w.bad, l)
	}
}

// violatesCSP reports whether a console message is a Content-Security-Policy
// violation report.
func violatesCSP(text string) bool {
	return strings.Contains(text, "Content Security Policy") || strings.Contains(text, "Refused to")
}

// take removes and returns the bad lines that match.
func (w *consoleWatch) take(match func(consoleLine) bool) []consoleLine {
	w.mu.Lock()
	defer w.mu.Unlock()
	var got, keep []consoleLine
	for _, l := range w.bad {
		if match(l) {
			got = append(got, l)
		} else {
			keep = append(keep, l)
		}
	}
	w.bad = keep
	return got
}

// check fails the test for every CSP violation or exception recorded.
func (w *consoleWatch) check(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.bad) == 0 {
		return
	}
	var b strings.Builder
	for _, l := range w.bad {
		fmt.Fprintf(&b, "\n  %s", l)
	}
	b.WriteString("\nthe whole console:")
	for _, l := range w.all {
		fmt.Fprintf(&b, "\n  %s", l)
	}
	t.Errorf("the browser console reported a CSP violation or a JavaScript exception:%s", b.String())
}
