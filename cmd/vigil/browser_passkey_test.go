package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// Passkeys as people use them, in Chromium with its virtual authenticator
// (the DevTools WebAuthn domain) standing in for the device's screen lock.
// vigil runs in --dev on a fixed port, and the browser opens it at
// http://localhost:<port>: localhost is a secure context and a valid RP
// ID, which 127.0.0.1 is not (WebAuthn §5.1.2).

// passkeyServer starts vigil as mfaServer does (--require-mfa clinician
// in front of app, the clinician dr.lee) on a fixed port, with the patient
// nora, and points the browser tabs at http://localhost:<port>.
func passkeyServer(t *testing.T, app *chartApp, flags ...string) *server {
	t.Helper()
	port := freePort(t)
	srv := mfaServer(t, app, append([]string{"--addr", fmt.Sprintf("127.0.0.1:%d", port)}, flags...)...)
	srv.URL = fmt.Sprintf("http://localhost:%d", port)
	srv.addUser(t, "nora", "patient", browserPW)
	return srv
}

// virtualAuthenticator gives the tab a platform authenticator that holds
// discoverable credentials, verifies the user and needs no touch; its
// credentials are marked backed up (synced), as a password manager's are.
func (tb *tab) virtualAuthenticator() webauthn.AuthenticatorID {
	tb.t.Helper()
	var id webauthn.AuthenticatorID
	tb.do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			return err
		}
		res, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
			Options: &webauthn.VirtualAuthenticatorOptions{
				Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21,
				Transport: webauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
				IsUserVerified: true, AutomaticPresenceSimulation: true, DefaultBackupEligibility: true, DefaultBackupState: true,
			},
		})
		id = res.AuthenticatorID
		return err
	}))
	return id
}

// userVerified makes the authenticator's user verification succeed or
// fail, as a person who passes or cancels the screen lock.
func (tb *tab) userVerified(id webauthn.AuthenticatorID, ok bool) {
	tb.t.Helper()
	tb.do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, webauthn.SetUserVerified, webauthn.SetUserVerifiedParams{AuthenticatorID: id, IsUserVerified: ok})
		return err
	}))
}

// withoutJSONHelpers takes PublicKeyCredential's JSON helpers
// (parse*OptionsFromJSON, toJSON) away from the page, as a browser from
// before WebAuthn Level 3 lacks them, so that passkey.js's own base64url
// conversion does the work.
func (tb *tab) withoutJSONHelpers() {
	tb.t.Helper()
	eval[bool](tb, `(() => {
		PublicKeyCredential.parseCreationOptionsFromJSON = undefined;
		PublicKeyCredential.parseRequestOptionsFromJSON = undefined;
		PublicKeyCredential.prototype.toJSON = undefined;
		return true;
	})()`)
}

// passkeyError waits for the passkey part's alert to say something, and
// fails unless it contains want.
func (tb *tab) passkeyError(want string) {
	tb.t.Helper()
	tb.waitFor("the passkey's message", `document.getElementById('passkey-error').textContent.trim() !== ''`, stepTimeout)
	tb.expectText("#passkey-error", want)
}

// sessionAAL is the AAL of the tab's session and the factors it used, as
// the API tells the page's own script.
func (tb *tab) sessionAAL() (int, string) {
	tb.t.Helper()
	got := eval[[]any](tb, `fetch('/api/auth/session', {cache: 'no-store'}).then(r => r.json()).then(b => [b.session.aal, (b.session.factors || []).join(',')])`)
	aal, _ := got[0].(float64)
	factors, _ := got[1].(string)
	return int(aal), factors
}

// expectAAL2 fails unless the tab's session is at AAL2 through a passkey.
func (tb *tab) expectAAL2() {
	tb.t.Helper()
	if aal, factors := tb.sessionAAL(); aal != 2 || !strings.Contains(factors, "passkey") {
		tb.t.Fatalf("%s: the session is at AAL%d with the factors %q, want AAL2 with a passkey", tb.name, aal, factors)
	}
}

// savedCodes waits for the recovery codes shown once after a first
// second factor, checks there are ten with the focus on their heading,
// and goes on.
func (tb *tab) savedCodes() {
	tb.t.Helper()
	tb.awaitCodes()
	if n := tb.count("#recovery-codes code"); n != 10 {
		tb.t.Fatalf("%s: %d recovery codes shown, want 10", tb.name, n)
	}
	if got := tb.focused(); got != "codes-title" {
		tb.t.Errorf("%s: with the recovery codes shown the focus is on %q, want their heading", tb.name, got)
	}
	tb.click("#mfa-continue")
}

// awaitCodes waits for the recovery codes after a passkey was added, and
// fails at once with the page's message if the passkey was refused.
func (tb *tab) awaitCodes() {
	tb.t.Helper()
	tb.waitFor("the recovery codes or a message", `!document.getElementById('codes-panel').hidden || document.getElementById('passkey-error').textContent.trim() !== ''`, stepTimeout)
	if msg := eval[string](tb, `document.getElementById('passkey-error').textContent.trim()`); msg != "" {
		tb.t.Fatalf("%s: the passkey was not added: %s", tb.name, msg)
	}
	tb.waitVisible("#codes-panel")
}

// A patient adds a passkey named "work laptop" on the account page (the
// recovery codes once) and steps up with it, signs out, signs in with the
// passkey alone (no password typed) at AAL2, then with the password and
// the passkey as the second factor; a clinician who must enrol uses a
// passkey in place of the app and reaches the protected app (these two
// through passkey.js's own base64url conversion, as in a browser without
// the JSON helpers); the patient removes the passkey, which then signs no
// one in.
func TestBrowserPasskeys(t *testing.T) {
	t.Parallel() // long and self-contained: beside the other long ones
	app, srv, c, check := chartBrowser(t, passkeyServer)
	laptop := c.context("laptop", srv)
	laptopKey := laptop.virtualAuthenticator()

	// Add a passkey on the account page.
	laptop.signIn("nora", browserPW)
	laptop.open("/auth/account")
	laptop.waitVisible("#passkey-add-form")
	if n := laptop.count("#passkey-unsupported:not([hidden])"); n != 0 {
		t.Error("a browser with passkeys is told it cannot add one")
	}
	if got := laptop.text(`label[for="passkey-name"]`); !strings.Contains(got, "Name") {
		t.Errorf("the name field's label says %q", got)
	}
	laptop.typeInto("#passkey-name", "work laptop")
	laptop.click("#passkey-add")
	laptop.savedCodes()
	laptop.expectText("#notice", "Your passkey was added.")
	laptop.expectText("#passkeys-list", "work laptop")
	laptop.expectText("#passkeys-list", "synced")
	check.page(laptop, "account with a passkey")

	// The session signed in with the password alone steps up with it.
	if aal, _ := laptop.sessionAAL(); aal != 1 {
		t.Fatalf("the password's session is at AAL%d after adding a passkey, want 1", aal)
	}
	laptop.open("/auth/step-up?rd=%2Fauth%2Faccount%3Fstepped%3D1")
	laptop.click("#passkey-use")
	laptop.waitVisible("#this-session")
	if loc := laptop.location(); !strings.HasSuffix(loc, "/auth/account?stepped=1") {
		t.Fatalf("after the step-up: at %s, want back at /auth/account?stepped=1", loc)
	}
	laptop.expectAAL2()

	// Sign out; sign in with the passkey alone.
	laptop.click("#signout")
	laptop.onSignIn("You have signed out.")
	check.page(laptop, "sign-in with a passkey offered")
	laptop.click("#passkey-use")
	laptop.waitVisible("#this-session")
	if p := laptop.path(); p != "/auth/account" {
		t.Fatalf("after a passwordless sign-in: at %s, want the account page", p)
	}
	laptop.expectText("#signed-in-as", "nora")
	laptop.expectAAL2()

	// The password, then the passkey as the second factor.
	laptop.click("#signout")
	laptop.onSignIn("You have signed out.")
	laptop.open("/auth/account")
	laptop.submitLogin("nora", browserPW)
	laptop.waitVisible("#mfa-form")
	laptop.waitVisible("#passkey-use")
	if p := laptop.path(); p != "/auth/login/second-factor" {
		t.Fatalf("after the password: at %s, want the second-factor page", p)
	}
	laptop.waitFor("the focus on the passkey (nora has no app)", `document.activeElement && document.activeElement.id === 'passkey-use'`, stepTimeout)
	if got := laptop.text(`label[for="code"]`); got != "A recovery code" {
		t.Errorf("the code field of a user without an app says %q", got)
	}
	if got := laptop.attr("#passkey-error", "role"); got != "alert" {
		t.Errorf("the passkey's messages are in a region of role %q, want alert", got)
	}
	// The screen lock refused: said out loud, and the page stays.
	laptop.userVerified(laptopKey, false)
	laptop.click("#passkey-use")
	laptop.passkeyError("No passkey was used")
	if got := laptop.focused(); got != "passkey-use" {
		t.Errorf("after a refused passkey the focus is on %q, want the button, for another try", got)
	}
	if p := laptop.path(); p != "/auth/login/second-factor" {
		t.Fatalf("a refused passkey: at %s, want the second-factor page", p)
	}
	check.page(laptop, "second factor: the passkey refused")
	laptop.userVerified(laptopKey, true)
	laptop.withoutJSONHelpers()
	laptop.click("#passkey-use")
	laptop.waitVisible("#this-session")
	laptop.expectAAL2()

	// A clinician who must enrol a second factor uses a passkey instead of
	// an app, and reaches the app behind vigil.
	ward := c.context("ward", srv)
	ward.virtualAuthenticator()
	ward.open("/chart/7")
	ward.submitLogin("dr.lee", browserPW)
	ward.waitVisible("#passkey-add-form")
	if n := app.hits(); n != 0 {
		t.Fatalf("the app was reached %d times before a second factor", n)
	}
	check.page(ward, "enrolment with a passkey offered")
	ward.withoutJSONHelpers()
	ward.typeInto("#passkey-name", "ward pc")
	ward.click("#passkey-add")
	ward.awaitCodes()
	check.page(ward, "recovery codes after a passkey")
	ward.savedCodes()
	ward.onChart("dr.lee")

	// Remove the passkey: it signs no one in any more.
	laptop.open("/auth/account")
	laptop.click("#passkeys-list .passkey-remove")
	laptop.expectText("#notice", "The passkey was removed.")
	laptop.waitVisible("#passkeys-none")
	laptop.click("#signout")
	laptop.onSignIn("You have signed out.")
	laptop.click("#passkey-use")
	laptop.passkeyError("")
	if p := laptop.path(); p != "/auth/login" {
		t.Fatalf("a removed passkey: at %s, want the sign-in page", p)
	}
	if n := laptop.count("#signed-in-as"); n != 0 {
		t.Fatal("a removed passkey signed in")
	}
	check.report()
}

// Adding a passkey needs a password entered within --reauth-window: past
// it, "Add a passkey" sends the browser to confirm the password, and back
// to the account's second factors.
func TestBrowserPasskeyNeedsARecentPassword(t *testing.T) {
	const window = 2 * time.Second
	_, srv, c, _ := chartBrowser(t, func(t *testing.T, app *chartApp, _ ...string) *server {
		return passkeyServer(t, app, "--reauth-window", window.String())
	})
	laptop := c.context("laptop", srv)
	laptop.virtualAuthenticator()
	laptop.signIn("nora", browserPW)
	signedIn := time.Now() // the password was checked before this
	laptop.open("/auth/account")
	laptop.waitVisible("#passkey-add-form")
	time.Sleep(time.Until(signedIn.Add(window + 500*time.Millisecond))) // the password is no longer recent
	laptop.click("#passkey-add")
	laptop.waitVisible("#reauth-password")
	if p := laptop.path(); p != "/auth/reauth" {
		t.Fatalf("adding a passkey with an old password: at %s, want the password form", p)
	}
	laptop.typeInto("#reauth-password", browserPW)
	laptop.click("#reauth-submit")
	laptop.waitVisible("#passkey-add-form")
	if loc := laptop.location(); !strings.HasSuffix(loc, "/auth/account#factors") {
		t.Fatalf("after the password: at %s, want back at the account's second factors", loc)
	}
	if n := laptop.count("#passkeys-list"); n != 0 {
		t.Fatal("a passkey was added with a password older than --reauth-window")
	}
}
