package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/webauthntest"
)

// passkeyOrigin is the origin the engine's relying party expects and the
// software authenticator names.
const passkeyOrigin = "http://localhost:8443"

// withPasskeys turns passkeys on, for pages at passkeyOrigin.
func withPasskeys(o *auth.Options) {
	o.Passkeys = auth.Passkeys{RPID: "localhost", Origins: []string{passkeyOrigin}}
}

// api sends a JSON request as passkey.js does (same origin, the page's
// CSRF token) and returns the status and the decoded answer.
func (b *browser) api(path string, body any, csrf string) (int, map[string]json.RawMessage) {
	b.t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		b.t.Fatal(err)
	}
	req, err := http.NewRequest("POST", b.h.URL+b.h.prefix+path, bytes.NewReader(data))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", b.h.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	p := b.do(req)
	var out map[string]json.RawMessage
	if err := json.Unmarshal([]byte(p.Body), &out); err != nil {
		b.t.Fatalf("%s: %d %q", path, p.Status, p.Body)
	}
	return p.Status, out
}

// addPasskey registers a passkey of a with the name through the API, as
// passkey.js does on the account page, and returns the recovery codes.
func (b *browser) addPasskey(a *webauthntest.Authenticator, name string) []string {
	b.t.Helper()
	csrf := b.csrf()
	status, opts := b.api("/api/auth/factors/passkeys/options", struct{}{}, csrf)
	if status != http.StatusOK {
		b.t.Fatalf("registration options: %d %s", status, opts["error"])
	}
	answer, _, err := a.Create(opts["publicKey"])
	if err != nil {
		b.t.Fatal(err)
	}
	var ceremony string
	_ = json.Unmarshal(opts["ceremony"], &ceremony)
	status, done := b.api("/api/auth/factors/passkeys", map[string]any{"ceremony": ceremony, "name": name, "credential": json.RawMessage(answer)}, csrf)
	if status != http.StatusCreated {
		b.t.Fatalf("registration: %d %s", status, done["error"])
	}
	var codes []string
	_ = json.Unmarshal(done["recovery_codes"], &codes)
	return codes
}

// stepUpPasskey raises the browser's session to AAL2 with a passkey of
// a, through the API, as passkey.js does on the step-up page.
func (b *browser) stepUpPasskey(a *webauthntest.Authenticator) {
	b.t.Helper()
	csrf := b.csrf()
	status, opts := b.api("/api/auth/step-up/passkey/options", struct{}{}, csrf)
	if status != http.StatusOK {
		b.t.Fatalf("step-up options: %d %s", status, opts["error"])
	}
	answer, err := a.Get(opts["publicKey"])
	if err != nil {
		b.t.Fatal(err)
	}
	var ceremony string
	_ = json.Unmarshal(opts["ceremony"], &ceremony)
	if status, done := b.api("/api/auth/step-up/passkey", map[string]any{"ceremony": ceremony, "credential": json.RawMessage(answer)}, csrf); status != http.StatusOK {
		b.t.Fatalf("step-up: %d %s", status, done["error"])
	}
}

// passkeyPart returns the page's passkey part (#passkey, or the add form)
// and fails unless it is the ceremony flow, going on to rd, hidden until
// passkey.js shows it, with the script loaded.
func passkeyPart(t *testing.T, p page, id, flow, rd string) *node {
	t.Helper()
	n := mustID(t, p, id)
	if got := n.Attr["data-passkey"]; got != flow {
		t.Errorf("#%s is for %q, want %q", id, got, flow)
	}
	if got := n.Attr["data-rd"]; got != rd {
		t.Errorf("#%s goes on to %q, want %q", id, got, rd)
	}
	if _, hidden := n.Attr["hidden"]; !hidden {
		t.Errorf("#%s is shown to browsers without passkeys", id)
	}
	if !loads(p, "/auth/static/passkey.js") {
		t.Errorf("the page with #%s does not load passkey.js", id)
	}
	return n
}

// loads reports whether the page loads the script src.
func loads(p page, src string) bool {
	return len(p.Doc.find(func(n *node) bool { return n.Tag == "script" && n.Attr["src"] == src })) > 0
}

// TestPagesPasskeys: with passkeys on, the sign-in page offers a
// passwordless sign-in; the account page adds a passkey (through the
// API, as passkey.js does), lists it, renames and removes it with plain
// forms; the second-factor and step-up pages offer it to a user who has
// one; the enrolment of a required role offers one in place of an app.
func TestPagesPasskeys(t *testing.T) {
	t.Parallel()
	h := newHarnessAt(t, "", withMFA(t, vigil.RoleClinician), withPasskeys)
	passkeyPart(t, h.browser().get("/auth/login?rd=%2Fauth%2Faccount%3Ftab%3D1"), "passkey", "login", "/auth/account?tab=1")
	passkeyPart(t, h.browser().get("/auth/login"), "passkey", "login", "/auth/account")

	b := h.browser()
	b.signIn("alice", alicePW)
	acc := b.get("/auth/account")
	passkeyPart(t, acc, "passkey-add-form", "register", "/auth/account?done=passkey-added#factors")
	mustID(t, acc, "passkeys-none")
	mustID(t, acc, "passkey-unsupported")
	if l := mustID(t, acc, "passkey-name"); l.Attr["maxlength"] != "64" {
		t.Errorf("the name field has maxlength %q", l.Attr["maxlength"])
	}
	if _, hidden := mustID(t, acc, "codes-panel").Attr["hidden"]; !hidden {
		t.Error("the account page shows an empty recovery-codes panel")
	}

	a := webauthntest.New(passkeyOrigin)
	a.BE = true
	if codes := b.addPasskey(a, "work laptop"); len(codes) != 10 {
		t.Fatalf("a first factor came with %d recovery codes, want 10", len(codes))
	}
	acc = b.get("/auth/account")
	item := mustID(t, acc, "passkeys-list").find(func(n *node) bool { return n.Attr["data-passkey-id"] != "" })
	if len(item) != 1 || !strings.Contains(item[0].Text(), "work laptop") || !strings.Contains(item[0].Text(), "synced") {
		t.Fatalf("the passkeys listed: %d, %q", len(item), mustID(t, acc, "passkeys-list").Text())
	}
	id := item[0].Attr["data-passkey-id"]
	root := h.browser()
	root.signIn("root", rootPW)
	if got := mustID(t, root.get("/auth/admin/users/alice"), "user-factor-passkeys").Text(); got != "work laptop" {
		t.Errorf("the admin's page of alice lists passkeys %q", got)
	}
	if got := mustID(t, root.get("/auth/admin/users/bob"), "user-factor-passkeys").Text(); got != "None" {
		t.Errorf("the admin's page of bob lists passkeys %q", got)
	}

	// Rename: a plain form; an empty name is refused on the account page.
	csrf := b.csrf()
	r := b.post("/auth/account/factors/passkeys/"+id+"/rename", url.Values{"csrf_token": {csrf}, "name": {"desk"}})
	if r.Status != http.StatusSeeOther || !strings.Contains(r.location(), "done=passkey-renamed") {
		t.Fatalf("rename: %d %q", r.Status, r.location())
	}
	acc = b.get(r.location())
	if !strings.Contains(mustID(t, acc, "passkeys-list").Text(), "desk") || !strings.Contains(mustID(t, acc, "notice").Text(), "renamed") {
		t.Errorf("after renaming: %q / %q", mustID(t, acc, "passkeys-list").Text(), mustID(t, acc, "notice").Text())
	}
	empty := b.post("/auth/account/factors/passkeys/"+id+"/rename", url.Values{"csrf_token": {csrf}, "name": {"  "}})
	expectStatus(t, "an empty name", empty, http.StatusBadRequest)
	if !strings.Contains(mustID(t, empty, "notice").Text(), "empty") {
		t.Errorf("an empty name says %q", mustID(t, empty, "notice").Text())
	}
	none := b.post("/auth/account/factors/passkeys/not-base64!/remove", url.Values{"csrf_token": {csrf}})
	expectStatus(t, "removing no such passkey", none, http.StatusNotFound)

	// A user with a passkey is offered it at the second step and the step-up.
	other := h.browser()
	p := other.post("/auth/login", url.Values{"username": {"alice"}, "password": {alicePW}, "rd": {"/auth/account?x=1"}})
	if !strings.HasPrefix(p.location(), "/auth/login/second-factor") {
		t.Fatalf("password of a user with a passkey: %d %q", p.Status, p.location())
	}
	second := other.get(p.location())
	passkeyPart(t, second, "passkey", "second-factor", "/auth/account?x=1")
	// Without an authenticator app the code field takes recovery codes,
	// and leaves the focus to the passkey.
	if got := second.Doc.find(func(n *node) bool { return n.Tag == "label" && n.Attr["for"] == "code" }); len(got) != 1 || got[0].Text() != "A recovery code" {
		t.Errorf("the code field of a user with a passkey and no app is not labelled for a recovery code")
	}
	if _, ok := mustID(t, second, "code").Attr["autofocus"]; ok {
		t.Error("the recovery-code field takes the focus from the passkey")
	}
	passkeyPart(t, b.get("/auth/step-up?rd=%2Fauth%2Faccount"), "passkey", "step-up", "/auth/account")

	// Remove: from the password's session, the step-up form first (a
	// change to the factors of a user who has one needs it), then the
	// list is empty again.
	r = b.post("/auth/account/factors/passkeys/"+id+"/remove", url.Values{"csrf_token": {csrf}})
	expectStatus(t, "removing from the password's session", r, http.StatusUnauthorized)
	if f := mustID(t, r, "mfa-form"); f.Attr["action"] != "/auth/step-up" {
		t.Fatalf("removing from the password's session: not the step-up form but %q", f.Attr["action"])
	}
	b.stepUpPasskey(a)
	csrf = b.csrf()
	r = b.post("/auth/account/factors/passkeys/"+id+"/remove", url.Values{"csrf_token": {csrf}})
	if r.Status != http.StatusSeeOther || !strings.Contains(r.location(), "done=passkey-removed") {
		t.Fatalf("remove: %d %q", r.Status, r.location())
	}
	acc = b.get(r.location())
	mustID(t, acc, "passkeys-none")
	if !strings.Contains(mustID(t, acc, "notice").Text(), "removed") {
		t.Errorf("after removing: %q", mustID(t, acc, "notice").Text())
	}

	// A clinician who must enrol: a passkey in place of the app.
	bob := h.browser()
	p = bob.post("/auth/login", url.Values{"username": {"bob"}, "password": {bobPW}, "rd": {"/auth/account"}})
	en := bob.get(p.location())
	passkeyPart(t, en, "passkey-add-form", "enrol", "/auth/account")
	mustID(t, en, "totp-qr")
	if _, hidden := mustID(t, en, "codes-panel").Attr["hidden"]; !hidden {
		t.Error("the enrolment shows an empty recovery-codes panel")
	}
}

// TestPagesWithoutPasskeys: with passkeys off, no page offers one or
// loads passkey.js.
func TestPagesWithoutPasskeys(t *testing.T) {
	t.Parallel()
	h := newHarnessAt(t, "", withMFA(t))
	b := h.browser()
	login := b.get("/auth/login")
	b.signIn("alice", alicePW)
	for name, p := range map[string]page{"sign-in": login, "account": b.get("/auth/account"), "step-up": b.get("/auth/step-up")} {
		if p.Doc.byID("passkey") != nil || p.Doc.byID("passkey-add-form") != nil || loads(p, "/auth/static/passkey.js") {
			t.Errorf("the %s page offers a passkey with passkeys off", name)
		}
	}
}
