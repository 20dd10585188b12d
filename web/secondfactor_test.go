package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/mfa"
)

// withMFA turns second factors on, with the roles that require one.
func withMFA(t *testing.T, required ...vigil.Role) func(*auth.Options) {
	k := testkit.Keyring(t)
	return func(o *auth.Options) { o.MFA = auth.MFA{Keyring: k, Required: required} }
}

// TestPagesEnrolThenSignInWithACode: a clinician whose role requires a
// second factor sets up an authenticator app from the page (QR code and
// key as text), sees the recovery codes once, and later signs in with a
// code from the app; the password alone reaches nothing.
func TestPagesEnrolThenSignInWithACode(t *testing.T) {
	t.Parallel()
	h := newHarnessAt(t, "", withMFA(t, vigil.RoleClinician))
	b := h.browser()
	p := b.post("/auth/login", url.Values{"username": {"bob"}, "password": {bobPW}, "rd": {"/auth/account"}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/auth/login/enrol") || setCookie(p, cookieName) != nil {
		t.Fatalf("password: %d %q, session cookie %v", p.Status, p.location(), setCookie(p, cookieName))
	}
	if a := b.get("/auth/account"); a.Status != http.StatusSeeOther {
		t.Fatalf("account page before enrolling: %d", a.Status)
	}
	en := b.get(p.location())
	expectStatus(t, "enrolment page", en, http.StatusOK)
	if src := mustID(t, en, "totp-qr").Attr["src"]; !strings.HasPrefix(src, "data:image/png;base64,") {
		t.Fatalf("QR src %.40q", src)
	}
	if alt := mustID(t, en, "totp-qr").Attr["alt"]; alt == "" {
		t.Error("the QR code has no alt text")
	}
	secret, err := mfa.ParseSecretText(mustID(t, en, "totp-secret").Text())
	if err != nil {
		t.Fatal(err)
	}
	if l := mustID(t, en, "code").Attr["autocomplete"]; l != "one-time-code" {
		t.Errorf("code field autocomplete %q", l)
	}
	code := func() string { return mfa.TOTP.Code(secret, mfa.TOTP.Step(h.Clock.Now())) }
	bad := b.post("/auth/login/enrol", url.Values{"code": {"000000"}, "rd": {"/auth/account"}})
	if bad.Status != http.StatusUnauthorized || mustID(t, bad, "mfa-error") == nil {
		t.Fatalf("wrong code: %d", bad.Status)
	}
	// A mistyped code shows the same key again: nothing to scan anew.
	if again, _ := mfa.ParseSecretText(mustID(t, bad, "totp-secret").Text()); string(again) != string(secret) {
		t.Fatal("a wrong code replaced the key the user scanned")
	}
	done := b.post("/auth/login/enrol", url.Values{"code": {code()}, "rd": {"/auth/account"}})
	expectStatus(t, "confirmed", done, http.StatusOK)
	if n := len(mustID(t, done, "recovery-codes").find(func(n *node) bool { return n.Tag == "li" })); n != 10 {
		t.Fatalf("recovery codes shown: %d", n)
	}
	if href := mustID(t, done, "mfa-continue").Attr["href"]; href != "/auth/account" {
		t.Errorf("continue to %q", href)
	}
	expectStatus(t, "account after enrolling", b.get("/auth/account"), http.StatusOK)

	// Another browser, later: the password, then a code.
	h.Clock.Advance(time.Minute)
	c := h.browser()
	p = c.post("/auth/login", url.Values{"username": {"bob"}, "password": {bobPW}})
	if p.Status != http.StatusSeeOther || p.location() != "/auth/login/second-factor" {
		t.Fatalf("password: %d %q", p.Status, p.location())
	}
	form := c.get(p.location())
	expectStatus(t, "code form", form, http.StatusOK)
	wrong := c.post("/auth/login/second-factor", url.Values{"code": {"000000"}})
	if wrong.Status != http.StatusUnauthorized || !strings.Contains(mustID(t, wrong, "mfa-error").Text(), "not right") {
		t.Fatalf("wrong code: %d", wrong.Status)
	}
	in := c.post("/auth/login/second-factor", url.Values{"code": {code()}})
	if in.Status != http.StatusSeeOther || setCookie(in, cookieName) == nil {
		t.Fatalf("code: %d, session cookie %v", in.Status, setCookie(in, cookieName))
	}
	expectStatus(t, "account", c.get("/auth/account"), http.StatusOK)
	// Without a sign-in in progress the code form sends to the password.
	if p := h.browser().get("/auth/login/second-factor"); p.Status != http.StatusSeeOther || p.location() != "/auth/login" {
		t.Fatalf("code form without a sign-in: %d %q", p.Status, p.location())
	}
}

// TestPagesStepUp: a signed-in user with an authenticator app raises the
// session to AAL2 from the step-up page with a code alone, and goes back.
func TestPagesStepUp(t *testing.T) {
	t.Parallel()
	h := newHarnessAt(t, "", withMFA(t))
	b := h.browser()
	b.signIn("alice", alicePW)
	cur, err := h.Engine.Check(t.Context(), mustToken(t, b.token()), false)
	if err != nil {
		t.Fatal(err)
	}
	en, err := h.Engine.BeginTOTP(t.Context(), cur)
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := mfa.ParseSecretText(en.SecretText)
	if _, err := h.Engine.ConfirmTOTP(t.Context(), cur, mfa.TOTP.Code(secret, mfa.TOTP.Step(h.Clock.Now())), auth.Actor{}); err != nil {
		t.Fatal(err)
	}
	h.Clock.Advance(30 * time.Second)
	form := b.get("/auth/step-up?rd=/auth/account")
	expectStatus(t, "step-up page", form, http.StatusOK)
	csrf := form.Doc.find(func(n *node) bool { return n.Tag == "input" && n.Attr["name"] == "csrf_token" })
	if len(csrf) == 0 {
		t.Fatal("no csrf_token on the step-up form")
	}
	tok := csrf[0].Attr["value"]
	wrong := b.post("/auth/step-up", url.Values{"csrf_token": {tok}, "code": {"000000"}, "rd": {"/auth/account"}})
	expectStatus(t, "wrong code", wrong, http.StatusUnauthorized)
	ok := b.post("/auth/step-up", url.Values{"csrf_token": {tok}, "code": {mfa.TOTP.Code(secret, mfa.TOTP.Step(h.Clock.Now()))}, "rd": {"/auth/account"}})
	if ok.Status != http.StatusSeeOther || ok.location() != "/auth/account" || setCookie(ok, cookieName) == nil {
		t.Fatalf("step-up: %d %q", ok.Status, ok.location())
	}
	now, err := h.Engine.Check(t.Context(), mustToken(t, b.token()), false)
	if err != nil || now.Session.AAL != vigil.AAL2 {
		t.Fatalf("after step-up: %v, %v", now, err)
	}
}

func mustToken(t *testing.T, s string) vigil.Token {
	t.Helper()
	tok, err := vigil.ParseToken(s)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestPagesAccountFactors: from the account page a user sets up an
// authenticator app (a mistyped code keeps the key), sees the recovery
// codes once, makes new ones, and removes the app; changes need a recent
// password.
func TestPagesAccountFactors(t *testing.T) {
	t.Parallel()
	h := newHarnessAt(t, "", withMFA(t))
	b := h.browser()
	b.signIn("alice", alicePW)
	acc := b.get("/auth/account")
	if got := mustID(t, acc, "factor-totp").Text(); got != "Not set up" {
		t.Fatalf("before: %q", got)
	}
	csrf := b.csrf()
	en := b.post("/auth/account/factors/totp", url.Values{"csrf_token": {csrf}})
	expectStatus(t, "set up", en, http.StatusOK)
	secret, err := mfa.ParseSecretText(mustID(t, en, "totp-secret").Text())
	if err != nil {
		t.Fatal(err)
	}
	bad := b.post("/auth/account/factors/totp/confirm", url.Values{"csrf_token": {csrf}, "code": {"000000"}})
	expectStatus(t, "wrong code", bad, http.StatusUnauthorized)
	if again, _ := mfa.ParseSecretText(mustID(t, bad, "totp-secret").Text()); string(again) != string(secret) {
		t.Fatal("a mistyped code replaced the key")
	}
	done := b.post("/auth/account/factors/totp/confirm", url.Values{"csrf_token": {csrf}, "code": {mfa.TOTP.Code(secret, mfa.TOTP.Step(h.Clock.Now()))}})
	expectStatus(t, "confirmed", done, http.StatusOK)
	if n := len(mustID(t, done, "recovery-codes").find(func(n *node) bool { return n.Tag == "li" })); n != 10 {
		t.Fatalf("codes shown: %d", n)
	}
	acc = b.get("/auth/account")
	if got := mustID(t, acc, "factor-recovery").Text(); got != "10 of 10 unused" {
		t.Fatalf("recovery: %q", got)
	}
	// With a second factor, a change to the factors needs it too (the
	// session is still the password's): the step-up form, then the change.
	again := b.post("/auth/account/factors/recovery-codes", url.Values{"csrf_token": {csrf}})
	expectStatus(t, "new codes from the password's session", again, http.StatusUnauthorized)
	if f := mustID(t, again, "mfa-form"); f.Attr["action"] != "/auth/step-up" {
		t.Fatalf("not the step-up form: %q", f.Attr["action"])
	}
	h.Clock.Advance(30 * time.Second) // the confirming code's step is used
	up := b.post("/auth/step-up", url.Values{"csrf_token": {csrf}, "code": {mfa.TOTP.Code(secret, mfa.TOTP.Step(h.Clock.Now()))}, "rd": {"/auth/account#factors"}})
	if up.Status != http.StatusSeeOther || up.location() != "/auth/account#factors" {
		t.Fatalf("step-up: %d %q", up.Status, up.location())
	}
	csrf = b.csrf()
	again = b.post("/auth/account/factors/recovery-codes", url.Values{"csrf_token": {csrf}})
	expectStatus(t, "new codes", again, http.StatusOK)
	if len(h.events("alice", vigil.EventRecoveryCodesGenerated)) != 2 {
		t.Error("new recovery codes not audited")
	}
	// Past the reauth window: confirm the password first.
	h.Clock.Advance(11 * time.Minute)
	rm := b.post("/auth/account/factors/totp/remove", url.Values{"csrf_token": {csrf}})
	if rm.Status != http.StatusSeeOther || !strings.HasPrefix(rm.location(), "/auth/reauth?rd=") {
		t.Fatalf("remove without a recent password: %d %q", rm.Status, rm.location())
	}
	re := b.post("/auth/reauth", url.Values{"csrf_token": {csrf}, "password": {alicePW}, "rd": {"/auth/account"}})
	if re.Status != http.StatusSeeOther {
		t.Fatalf("reauth: %d", re.Status)
	}
	rm = b.post("/auth/account/factors/totp/remove", url.Values{"csrf_token": {b.csrf()}})
	if rm.Status != http.StatusSeeOther || rm.location() != "/auth/account?done=totp-removed" {
		t.Fatalf("remove: %d %q", rm.Status, rm.location())
	}
	acc = b.get("/auth/account")
	if got := mustID(t, acc, "factor-totp").Text(); got != "Not set up" {
		t.Fatalf("after removing: %q", got)
	}
	if got := mustID(t, acc, "factor-recovery").Text(); got != "None" {
		t.Fatalf("recovery codes after removing the last factor: %q", got)
	}
}

// TestPagesAdminChangesNeedAAL2: an administrator with a second factor,
// signed in at AAL1, gets the step-up form instead of the change; after
// the code, the change goes through.
func TestPagesAdminChangesNeedAAL2(t *testing.T) {
	t.Parallel()
	h := newHarnessAt(t, "", withMFA(t))
	b := h.browser()
	b.signIn("root", rootPW)
	csrf := b.csrf()
	secret := b.setUpApp(csrf)
	code := func() string { return mfa.TOTP.Code(secret, mfa.TOTP.Step(h.Clock.Now())) }
	create := url.Values{"csrf_token": {csrf}, "username": {"carol"}, "role": {"patient"}, "rd": {"/auth/admin"}}
	refused := b.post("/auth/admin/users", create)
	expectStatus(t, "create at AAL1", refused, http.StatusUnauthorized)
	if action := mustID(t, refused, "mfa-form").Attr["action"]; action != "/auth/step-up" {
		t.Fatalf("step-up form posts to %q", action)
	}
	h.Clock.Advance(30 * time.Second)
	up := b.post("/auth/step-up", url.Values{"csrf_token": {csrf}, "code": {code()}, "rd": {"/auth/admin"}})
	if up.Status != http.StatusSeeOther || up.location() != "/auth/admin" {
		t.Fatalf("step-up: %d %q", up.Status, up.location())
	}
	create.Set("csrf_token", b.csrf())
	if done := b.post("/auth/admin/users", create); done.Status >= 400 {
		t.Fatalf("create at AAL2: %d", done.Status)
	}
	if _, err := h.Engine.UserFactors(t.Context(), "carol"); err != nil {
		t.Fatalf("carol was not created: %v", err)
	}
}

// TestPagesAdminResetsFactors: the admin's page of a user shows their
// second factors and removes them all (signing the user out).
func TestPagesAdminResetsFactors(t *testing.T) {
	t.Parallel()
	h := newHarnessAt(t, "", withMFA(t))
	alice := h.browser()
	alice.signIn("alice", alicePW)
	alice.setUpApp(alice.csrf())

	root := h.browser()
	root.signIn("root", rootPW)
	page := root.get("/auth/admin/users/alice")
	if got := mustID(t, page, "user-factor-recovery").Text(); got != "10 of 10 unused" {
		t.Fatalf("recovery codes: %q", got)
	}
	done := root.post("/auth/admin/users/alice/reset-factors", url.Values{"csrf_token": {root.csrf()}, "rd": {"/auth/admin/users/alice"}})
	if done.Status != http.StatusSeeOther || !strings.Contains(done.location(), "done=factors-reset") {
		t.Fatalf("reset: %d %q", done.Status, done.location())
	}
	page = root.get(done.location())
	if got := mustID(t, page, "user-factor-totp").Text(); got != "None" {
		t.Fatalf("after reset: %q", got)
	}
	if p := alice.get("/auth/account"); p.Status != http.StatusSeeOther {
		t.Fatalf("alice still signed in: %d", p.Status)
	}
}

// setUpApp sets up an authenticator app from the account page, as a
// person does (the key read from the page), and returns its secret.
func (b *browser) setUpApp(csrf string) []byte {
	b.t.Helper()
	en := b.post("/auth/account/factors/totp", url.Values{"csrf_token": {csrf}})
	secret, err := mfa.ParseSecretText(mustID(b.t, en, "totp-secret").Text())
	if err != nil {
		b.t.Fatal(err)
	}
	code := mfa.TOTP.Code(secret, mfa.TOTP.Step(b.h.Clock.Now()))
	expectStatus(b.t, "confirm", b.post("/auth/account/factors/totp/confirm", url.Values{"csrf_token": {csrf}, "code": {code}}), http.StatusOK)
	return secret
}
