package main

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/vigilauth/vigil/mfa"
)

// Two-factor sign-in as a clinician meets it in Chromium: --require-mfa
// clinician in front of an app (--upstream). Run with VIGIL_TEST_BROWSER=1;
// see browser_helpers_test.go.

// chartApp is the protected app behind vigil: it records every request
// that reaches it, with the identity vigil sent.
type chartApp struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string // "user aal" of each request
}

// startChartApp starts the app; its pages show who vigil says is asking.
func startChartApp(t *testing.T) *chartApp {
	t.Helper()
	a := &chartApp{}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, aal := r.Header.Get("Remote-User"), r.Header.Get("Remote-AAL")
		a.mu.Lock()
		a.seen = append(a.seen, user+" "+aal)
		a.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><title>Chart</title></head><body><main>`+
			`<h1 id="chart">Chart of %s</h1><p id="chart-aal">AAL %s</p></main></body></html>`,
			html.EscapeString(user), html.EscapeString(aal))
	}))
	t.Cleanup(a.Close)
	return a
}

// seenOtherThan returns the requests that reached the app as other than
// want ("user aal").
func (a *chartApp) seenOtherThan(want string) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, s := range a.seen {
		if s != want {
			out = append(out, s)
		}
	}
	return out
}

// hits is how many requests reached the app.
func (a *chartApp) hits() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.seen)
}

// mfaServer starts vigil in --dev with a secret key file and --require-mfa
// clinician in front of app, with the clinician dr.lee.
func mfaServer(t *testing.T, app *chartApp, flags ...string) *server {
	t.Helper()
	srv := startServer(t, "", append([]string{"--dev", "--upstream", app.URL, "--secret-key-file", secretKeyFile(t), "--require-mfa", "clinician"}, flags...)...)
	srv.addUser(t, "dr.lee", "clinician", browserPW)
	return srv
}

// secretKeyFile is a new --secret-key-file.
func secretKeyFile(t *testing.T) string {
	t.Helper()
	keys := filepath.Join(t.TempDir(), "secret.keys")
	if err := mfa.CreateKeyFile(keys, "k1"); err != nil {
		t.Fatal(err)
	}
	return keys
}

// onChart waits until the tab shows the app's chart page and fails unless
// the app was told the user and AAL 2.
func (tb *tab) onChart(user string) {
	tb.t.Helper()
	tb.waitVisible("#chart")
	tb.expectText("#chart", "Chart of "+user)
	tb.expectText("#chart-aal", "AAL 2")
}

// chartBrowser starts the app, vigil in front of it (by start), Chromium,
// and an axe-core check, or skips the test without VIGIL_TEST_BROWSER.
func chartBrowser(t *testing.T, start func(*testing.T, *chartApp, ...string) *server) (*chartApp, *server, *chrome, *axeCheck) {
	t.Helper()
	needBrowser(t)
	app := startChartApp(t)
	srv := start(t, app)
	return app, srv, startChrome(t), &axeCheck{t: t}
}

// passwordStep opens the app in a new browser named name and signs in as
// dr.lee with the password; it fails unless the browser is then at path,
// showing sel.
func passwordStep(c *chrome, srv *server, name, sel, path string) *tab {
	c.t.Helper()
	tb := c.context(name, srv)
	tb.open("/chart/7")
	tb.submitLogin("dr.lee", browserPW)
	tb.waitVisible(sel)
	if p := tb.path(); p != path {
		c.t.Fatalf("%s: after the password: at %s, want %s", name, p, path)
	}
	return tb
}

// codeSignIn signs in as passwordStep does and sends code as the second
// factor.
func codeSignIn(c *chrome, srv *server, name, code string) *tab {
	c.t.Helper()
	tb := passwordStep(c, srv, name, "#mfa-form", "/auth/login/second-factor")
	tb.typeInto("#code", code)
	tb.click("#mfa-submit")
	return tb
}

// wrongCode is a 6-digit code that is none of secret's accepted ones now.
func wrongCode(secret []byte) string {
	now := mfa.TOTP.Step(time.Now())
	for n := 0; ; n++ {
		c := fmt.Sprintf("%06d", n)
		taken := false
		for s := now - mfa.Skew - 1; s <= now+mfa.Skew+1; s++ {
			taken = taken || mfa.TOTP.Code(secret, s) == c
		}
		if !taken {
			return c
		}
	}
}

// A clinician with no second factor signs in with the password, is sent to
// set up an authenticator app, types its code, sees the recovery codes
// once, and reaches the app at AAL2. Another browser with the password
// alone never reaches the app; a wrong code is refused out loud; the next
// code of the app gets through. A recovery code works once.
func TestBrowserRequireMFAWithAnAuthenticatorApp(t *testing.T) {
	app, srv, c, check := chartBrowser(t, mfaServer)

	// Enrolment at sign-in.
	desk := passwordStep(c, srv, "desk", "#totp-qr", "/auth/login/enrol")
	if n := app.hits(); n != 0 {
		t.Fatalf("the app was reached %d times before a second factor", n)
	}
	if alt := desk.attr("#totp-qr", "alt"); !strings.Contains(alt, "QR code") {
		t.Errorf("the QR code's alt text is %q", alt)
	}
	if ok := eval[bool](desk, `(() => { const i = document.getElementById('totp-qr'); return i.complete && i.naturalWidth > 0; })()`); !ok {
		t.Error("the QR code image did not load")
	}
	check.page(desk, "enrolment at sign-in")
	secret, err := mfa.ParseSecretText(desk.text("#totp-secret"))
	if err != nil {
		t.Fatalf("the key text on the page: %v", err)
	}
	enrolStep := mfa.TOTP.Step(time.Now())
	desk.typeInto("#code", mfa.TOTP.Code(secret, enrolStep))
	desk.click("#mfa-submit")
	desk.waitVisible("#recovery-codes")
	check.page(desk, "recovery codes")
	codes := eval[[]string](desk, `[...document.querySelectorAll('#recovery-codes code')].map(c => c.textContent.trim())`)
	if len(codes) != 10 {
		t.Fatalf("the page shows %d recovery codes, want 10: %q", len(codes), codes)
	}
	desk.click("#mfa-continue")
	desk.onChart("dr.lee")
	if p := desk.path(); p != "/chart/7" {
		t.Fatalf("after the recovery codes: at %s, want back at /chart/7", p)
	}
	// The codes were shown once: the page they were on is gone.
	desk.open("/auth/login/enrol")
	desk.waitVisible("body")
	if n := desk.count("#recovery-codes, #totp-secret"); n != 0 {
		t.Fatal("the enrolment page shows a key or the recovery codes again after the sign-in")
	}

	// The password alone does not reach the app.
	before := app.hits()
	laptop := passwordStep(c, srv, "laptop", "#mfa-form", "/auth/login/second-factor")
	laptop.open("/chart/7")
	laptop.waitVisible("#login-form")
	if n := app.hits(); n != before {
		t.Fatalf("a browser with the password alone reached the app (%d requests)", n-before)
	}
	laptop.open("/auth/login/second-factor?rd=%2Fchart%2F7")

	// Keyboard and screen reader: the field has a label and the focus; a
	// wrong code typed and sent with Enter is announced, and the field
	// points at the message.
	if got := laptop.text(`label[for="code"]`); !strings.Contains(got, "authenticator app") {
		t.Errorf("the code field's label says %q", got)
	}
	laptop.waitFor("the focus on the code field", `document.activeElement && document.activeElement.id === 'code'`, stepTimeout)
	laptop.do(chromedp.KeyEvent(wrongCode(secret) + kb.Enter))
	laptop.expectText("#mfa-error", "That code is not right")
	if got := laptop.attr("#mfa-error", "role"); got != "alert" {
		t.Errorf("the error has role %q, want alert", got)
	}
	if got := laptop.attr("#code", "aria-invalid"); got != "true" {
		t.Errorf("after a wrong code the field has aria-invalid %q, want true", got)
	}
	if got := laptop.attr("#code", "aria-describedby"); !strings.Contains(got, "mfa-error") {
		t.Errorf("after a wrong code the field is described by %q, want the error among them", got)
	}
	if got := laptop.focused(); got != "code" {
		t.Errorf("after a wrong code the focus is on %q, want the code field", got)
	}
	if n := app.hits(); n != before {
		t.Fatal("a wrong code reached the app")
	}
	check.page(laptop, "second factor: a wrong code")
	// The enrolment's code is used; the app's next code is accepted. The
	// wrong code's message goes first, so that the used code's is read
	// from the page that answers it, not from this one (both say "used
	// already").
	eval[chromedp.Void](laptop, `document.getElementById('mfa-error').remove()`)
	laptop.do(chromedp.KeyEvent(mfa.TOTP.Code(secret, enrolStep) + kb.Enter))
	laptop.expectText("#mfa-error", "used already")
	laptop.typeInto("#code", mfa.TOTP.Code(secret, mfa.TOTP.Step(time.Now())+1))
	laptop.do(chromedp.KeyEvent(kb.Enter))
	laptop.onChart("dr.lee")

	// A recovery code works once.
	codeSignIn(c, srv, "phone", codes[3]).onChart("dr.lee")
	again := codeSignIn(c, srv, "tablet", codes[3])
	again.expectText("#mfa-error", "used already")
	if p := again.path(); p != "/auth/login/second-factor" {
		t.Fatalf("a used recovery code: at %s, want the second-factor page", p)
	}
	again.typeInto("#code", codes[4])
	again.click("#mfa-submit")
	again.onChart("dr.lee")
	check.report()
}

// The same behind Caddy's forward auth (docs/proxies/Caddyfile): the
// clinician sets up the app at sign-in and the app behind Caddy is sent
// Remote-AAL 2; another browser with the password alone is sent to sign
// in again; the app never sees a request below AAL2.
func TestBrowserRequireMFABehindCaddy(t *testing.T) {
	needBrowser(t)
	f := newForwardAuth(t, "--dev", "--secret-key-file", secretKeyFile(t), "--require-mfa", "clinician")
	app := startChartApp(t)
	f.app = &echoApp{addr: strings.TrimPrefix(app.URL, "http://")} // Caddy forwards to the chart app
	f.caddy()
	front := &server{URL: f.URL}
	c := startChrome(t)

	desk := c.context("desk", front)
	desk.open("/chart/7")
	desk.submitLogin("dr.bob", clinicianPW)
	desk.waitVisible("#totp-secret")
	if n := app.hits(); n != 0 {
		t.Fatalf("the app was reached %d times before a second factor", n)
	}
	secret, err := mfa.ParseSecretText(desk.text("#totp-secret"))
	if err != nil {
		t.Fatalf("the key text on the page: %v", err)
	}
	desk.typeInto("#code", mfa.TOTP.Code(secret, mfa.TOTP.Step(time.Now())))
	desk.click("#mfa-submit")
	desk.click("#mfa-continue")
	desk.onChart("dr.bob")

	laptop := c.context("laptop", front)
	laptop.open("/chart/7")
	laptop.submitLogin("dr.bob", clinicianPW)
	laptop.waitVisible("#mfa-form")
	laptop.open("/chart/7")
	laptop.waitVisible("#login-form")
	if p := laptop.path(); p != "/auth/login" {
		t.Fatalf("the app with the password alone: at %s, want the sign-in page", p)
	}
	if below := app.seenOtherThan("dr.bob 2"); len(below) > 0 {
		t.Fatalf("the app behind Caddy was reached as %q, want dr.bob at AAL2 only", below)
	}
}
