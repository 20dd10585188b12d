package httpapi_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/internal/webauthntest"
)

// The relying party of the passkey tests: the pages' origin as the
// browser sees it, whatever address the test server listens on.
const (
	rpID     = "vigil.example"
	rpOrigin = "https://vigil.example"
)

// withPasskeys turns second factors and passkeys on, with the roles that
// require a second factor.
func withPasskeys(t testing.TB, required ...vigil.Role) func(*harnessConfig) {
	k := testkit.Keyring(t)
	return withEngine(func(o *auth.Options) {
		o.MFA = auth.MFA{Keyring: k, Required: required}
		o.Passkeys = auth.Passkeys{RPID: rpID, RPName: "Vigil test", Origins: []string{rpOrigin}}
	})
}

// ceremony reads an options answer: the ceremony token and the publicKey
// options as JSON.
func ceremony(t testing.TB, r testkit.Response) (string, []byte) {
	t.Helper()
	tok, _ := r.Body["ceremony"].(string)
	pk, ok := r.Body["publicKey"].(map[string]any)
	if tok == "" || !ok || pk["challenge"] == nil {
		t.Fatalf("options answer: %s", r.Raw)
	}
	raw, err := json.Marshal(pk)
	if err != nil {
		t.Fatal(err)
	}
	return tok, raw
}

// answer is a ceremony's finish body.
func answer(tok, name string, credential []byte) map[string]any {
	body := map[string]any{"ceremony": tok, "credential": json.RawMessage(credential)}
	if name != "" {
		body["name"] = name
	}
	return body
}

// create answers creation options with a new credential of a.
func create(t testing.TB, a *webauthntest.Authenticator, options []byte) ([]byte, *webauthntest.Credential) {
	t.Helper()
	cred, c, err := a.Create(options)
	if err != nil {
		t.Fatal(err)
	}
	return cred, c
}

// get answers request options with an assertion of a.
func get(t testing.TB, a *webauthntest.Authenticator, options []byte) []byte {
	t.Helper()
	cred, err := a.Get(options)
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

// assert answers request options with an assertion by c, allowed or not.
func assert(t testing.TB, a *webauthntest.Authenticator, c *webauthntest.Credential, options []byte) []byte {
	t.Helper()
	cred, err := a.Assert(c, options)
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

// addPasskey registers a new passkey of a named name on the signed-in
// client's account, and returns the answer.
func addPasskey(t testing.TB, c *client, a *webauthntest.Authenticator, name string) (testkit.Response, *webauthntest.Credential) {
	t.Helper()
	tok, opts := ceremony(t, must(t, "registration options", c.Do("POST", "/api/auth/factors/passkeys/options", nil), 200))
	cred, pk := create(t, a, opts)
	return must(t, "register "+name, c.Do("POST", "/api/auth/factors/passkeys", answer(tok, name, cred)), 201), pk
}

// stepUpWithPasskey raises c's session to AAL2 with a passkey of a, as a
// user who has a second factor does before changing her factors (NIST SP
// 800-63B-4 §4.1.2).
func stepUpWithPasskey(t testing.TB, c *client, a *webauthntest.Authenticator) {
	t.Helper()
	tok, opts := ceremony(t, must(t, "step-up options", c.Do("POST", "/api/auth/step-up/passkey/options", nil), 200))
	up := must(t, "step up with a passkey", c.Do("POST", "/api/auth/step-up/passkey", answer(tok, "", get(t, a, opts))), 200)
	if s, _ := up.Body["session"].(map[string]any); s["aal"] != float64(2) {
		t.Fatalf("step-up with a passkey: %s", up.Raw)
	}
}

// passwordStep enters the user's password in a new browser, which then
// holds a pending sign-in.
func passwordStep(t testing.TB, h *harness, user, pw string) *client {
	t.Helper()
	b := h.client()
	r := must(t, "password step", b.Do("POST", "/api/auth/login", map[string]string{"username": user, "password": pw}), 200)
	if r.Body["mfa_required"] != true {
		t.Fatalf("password step: %s", r.Raw)
	}
	return b
}

// sessionOf checks a sign-in answer's session: its AAL and factors.
func sessionOf(t testing.TB, what string, r testkit.Response, aal int, factors ...string) {
	t.Helper()
	s, _ := r.Body["session"].(map[string]any)
	got, _ := json.Marshal(s["factors"])
	want, _ := json.Marshal(factors)
	if s["aal"] != float64(aal) || string(got) != string(want) || sessionCookie(r) == nil {
		t.Fatalf("%s: session %s (cookie %v), want aal %d factors %s", what, r.Raw, sessionCookie(r), aal, want)
	}
}

// passkeysOf lists the signed-in client's passkeys: name → id.
func passkeysOf(t testing.TB, c *client) (map[string]string, []any) {
	t.Helper()
	f := must(t, "factors", c.Do("GET", "/api/auth/factors", nil), 200)
	out := map[string]string{}
	list, _ := f.Body["passkeys"].([]any)
	for _, p := range list {
		m := p.(map[string]any)
		out[m["name"].(string)] = m["id"].(string)
	}
	methods, _ := f.Body["methods"].([]any)
	return out, methods
}

// TestAPIPasskeys: a user registers two named passkeys, lists and renames
// them, signs in with one as the second factor, signs in with one alone,
// steps up with one, and removes one.
func TestAPIPasskeys(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys(t))
	a := webauthntest.New(rpOrigin)
	c := h.client()
	c.Login("alice", alicePW)

	first, _ := addPasskey(t, c, a, "  Work laptop ")
	if codes, _ := first.Body["recovery_codes"].([]any); len(codes) != 10 {
		t.Fatalf("first passkey: %s", first.Raw)
	}
	p := first.Body["passkey"].(map[string]any)
	if p["name"] != "Work laptop" || p["synced"] != true || p["last_used_at"] != nil || p["id"] == "" {
		t.Fatalf("first passkey: %s", first.Raw)
	}
	// Another passkey is added at AAL2: in a browser signed in with the
	// password and the first passkey (c stays at AAL1 for the step-up below).
	w := passwordStep(t, h, "alice", alicePW)
	tok, opts := ceremony(t, must(t, "sign-in options", w.Do("POST", "/api/auth/login/passkey/options", nil), 200))
	must(t, "sign in with the first passkey", w.Do("POST", "/api/auth/login/passkey", answer(tok, "", get(t, a, opts))), 200)
	phone := webauthntest.New(rpOrigin) // one authenticator holds one credential of a user (excludeCredentials)
	second, _ := addPasskey(t, w, phone, "")
	if codes, ok := second.Body["recovery_codes"].([]any); !ok || len(codes) != 0 {
		t.Fatalf("second passkey, recovery codes kept: %s", second.Raw)
	}
	if second.Body["passkey"].(map[string]any)["name"] != "Passkey 2" {
		t.Fatalf("second passkey's default name: %s", second.Raw)
	}
	keys, methods := passkeysOf(t, c)
	if len(keys) != 2 || !slices.Contains(methods, any("passkey")) {
		t.Fatalf("factors: %v %v", keys, methods)
	}
	renamed := must(t, "rename", c.Do("PATCH", "/api/auth/factors/passkeys/"+keys["Passkey 2"], map[string]string{"name": "Phone"}), 200)
	if renamed.Body["passkey"].(map[string]any)["name"] != "Phone" {
		t.Fatalf("rename: %s", renamed.Raw)
	}
	expect(t, "rename to nothing", c.Do("PATCH", "/api/auth/factors/passkeys/"+keys["Passkey 2"], map[string]string{"name": " "}), 400, vigil.CodeInvalidRequest, "")
	expect(t, "rename to a long name", c.Do("PATCH", "/api/auth/factors/passkeys/"+keys["Passkey 2"], map[string]string{"name": strings.Repeat("x", 65)}),
		400, vigil.CodeInvalidRequest, "")
	expect(t, "rename no such passkey", c.Do("PATCH", "/api/auth/factors/passkeys/AAAA", map[string]string{"name": "x"}), 404, vigil.CodeNotFound, "")
	expect(t, "rename an id that is not base64url", c.Do("PATCH", "/api/auth/factors/passkeys/%2B%2F", map[string]string{"name": "x"}), 404, vigil.CodeNotFound, "")

	// The second factor of a sign-in.
	h.Clock.Advance(time.Minute)
	b := passwordStep(t, h, "alice", alicePW)
	tok, opts = ceremony(t, must(t, "sign-in options", b.Do("POST", "/api/auth/login/passkey/options", nil), 200))
	sessionOf(t, "second factor", must(t, "passkey second factor", b.Do("POST", "/api/auth/login/passkey", answer(tok, "", get(t, a, opts))), 200),
		2, "password", "passkey")

	// Passwordless, in a browser with no session.
	p2 := h.client()
	tok, opts = ceremony(t, must(t, "passwordless options", p2.Do("POST", "/api/auth/passkey/options", nil), 200))
	var req map[string]any
	json.Unmarshal(opts, &req)
	if req["userVerification"] != "required" || req["allowCredentials"] != nil {
		t.Fatalf("passwordless options: %s", opts)
	}
	sessionOf(t, "passwordless", must(t, "passwordless", p2.Do("POST", "/api/auth/passkey/login", answer(tok, "", get(t, a, opts))), 200), 2, "passkey")
	must(t, "passwordless session", p2.Do("GET", "/api/auth/session", nil), 200)

	// Step-up in the first session (signed in with the password alone).
	tok, opts = ceremony(t, must(t, "step-up options", c.Do("POST", "/api/auth/step-up/passkey/options", nil), 200))
	sessionOf(t, "step-up", must(t, "step up", c.Do("POST", "/api/auth/step-up/passkey", answer(tok, "", get(t, a, opts))), 200), 2, "password", "passkey")

	used, _ := passkeysOf(t, c)
	must(t, "remove", c.Do("DELETE", "/api/auth/factors/passkeys/"+used["Phone"], nil), 200)
	expect(t, "remove again", c.Do("DELETE", "/api/auth/factors/passkeys/"+used["Phone"], nil), 404, vigil.CodeNotFound, "")
	if left, _ := passkeysOf(t, c); len(left) != 1 || left["Work laptop"] == "" {
		t.Fatalf("after removing: %v", left)
	}
	for event, n := range map[string]int{vigil.EventMFAEnrolled: 2, "mfa_renamed": 1, vigil.EventMFARemoved: 1, vigil.EventStepUp: 1} {
		if got := len(h.events("alice", event)); got != n {
			t.Errorf("%d %s events, want %d", got, event, n)
		}
	}
	if ev := h.events("alice", vigil.EventLoginSucceeded); len(ev) < 2 || !strings.Contains(ev[0].Detail+ev[1].Detail, "factors=passkey") {
		t.Errorf("passwordless sign-in not audited: %+v", ev)
	}
}

// TestAPIPasskeyEnrolsRequiredRole: a clinician whose role requires a
// second factor enrols a passkey at sign-in, and cannot remove it.
func TestAPIPasskeyEnrolsRequiredRole(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys(t, vigil.RoleClinician))
	a := webauthntest.New(rpOrigin)
	c := h.client()
	r := must(t, "password step", c.Do("POST", "/api/auth/login", map[string]string{"username": "bob", "password": bobPW}), 200)
	if r.Body["enrol_required"] != true {
		t.Fatalf("password step: %s", r.Raw)
	}
	expect(t, "passkey sign-in options for an enrolment", c.Do("POST", "/api/auth/login/passkey/options", nil), 409, vigil.CodeConflict, "")
	tok, opts := ceremony(t, must(t, "enrol options", c.Do("POST", "/api/auth/login/enrol/passkey/options", nil), 200))
	cred, _ := create(t, a, opts)
	done := must(t, "enrol", c.Do("POST", "/api/auth/login/enrol/passkey", answer(tok, "Desk key", cred)), 200)
	sessionOf(t, "enrolment", done, 2, "password", "passkey")
	if codes, _ := done.Body["recovery_codes"].([]any); len(codes) != 10 {
		t.Fatalf("enrolment: %s", done.Raw)
	}
	keys, _ := passkeysOf(t, c)
	expect(t, "remove the last factor", c.Do("DELETE", "/api/auth/factors/passkeys/"+keys["Desk key"], nil), 409, vigil.CodeConflict, "")

	// The next sign-in: the second step with that passkey.
	b := passwordStep(t, h, "bob", bobPW)
	tok, opts = ceremony(t, must(t, "sign-in options", b.Do("POST", "/api/auth/login/passkey/options", nil), 200))
	sessionOf(t, "second factor", must(t, "sign in", b.Do("POST", "/api/auth/login/passkey", answer(tok, "", get(t, a, opts))), 200), 2, "password", "passkey")
}

// TestAPIPasskeyRefusals: what a relying party must refuse is refused.
func TestAPIPasskeyRefusals(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys(t))
	a := webauthntest.New(rpOrigin)
	c := h.client()
	c.Login("alice", alicePW)
	_, alices := addPasskey(t, c, a, "Alice's")
	stepUpWithPasskey(t, c, a)
	other := webauthntest.New(rpOrigin)
	bob := h.client()
	bob.Login("bob", bobPW)
	_, bobs := addPasskey(t, bob, other, "Bob's")
	stepUpWithPasskey(t, bob, other)

	// Registration: an answer made for another origin, a ceremony of
	// another session, one used already.
	tok, opts := ceremony(t, must(t, "options", c.Do("POST", "/api/auth/factors/passkeys/options", nil), 200))
	evil := webauthntest.New("https://evil.example")
	cred, _ := create(t, evil, opts)
	expect(t, "registration for another origin", c.Do("POST", "/api/auth/factors/passkeys", answer(tok, "", cred)), 400, vigil.CodeInvalidRequest, "")
	expect(t, "registration with a used ceremony", c.Do("POST", "/api/auth/factors/passkeys", answer(tok, "", cred)), 400, vigil.CodeInvalidRequest, "")
	tok, opts = ceremony(t, must(t, "bob's options", bob.Do("POST", "/api/auth/factors/passkeys/options", nil), 200))
	cred, _ = create(t, webauthntest.New(rpOrigin), opts)
	expect(t, "registration with another session's ceremony", c.Do("POST", "/api/auth/factors/passkeys", answer(tok, "", cred)), 400, vigil.CodeInvalidRequest, "")
	expect(t, "a credential that is no object", c.Do("POST", "/api/auth/factors/passkeys", map[string]any{"ceremony": tok, "credential": "x"}),
		400, vigil.CodeInvalidRequest, "")

	// A page of another site cannot sign in with a passkey, nor add one.
	cross := []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}
	expect(t, "passwordless options from another site", h.client().Do("POST", "/api/auth/passkey/options", nil, cross...), 403, vigil.CodeCSRFFailed, "")
	expect(t, "registration from another site", c.Do("POST", "/api/auth/factors/passkeys/options", nil, cross...), 403, vigil.CodeCSRFFailed, "")
	expect(t, "registration without the CSRF token", c.Do("POST", "/api/auth/factors/passkeys/options", nil, "X-CSRF-Token", ""), 403, vigil.CodeCSRFFailed, "")

	// Passwordless: a replayed ceremony, an answer to another ceremony's
	// challenge, another origin, another user's credential with this
	// user's handle.
	p := h.client()
	tok, opts = ceremony(t, must(t, "options", p.Do("POST", "/api/auth/passkey/options", nil), 200))
	ok := get(t, a, opts)
	must(t, "passwordless", p.Do("POST", "/api/auth/passkey/login", answer(tok, "", ok)), 200)
	expect(t, "replayed ceremony", h.client().Do("POST", "/api/auth/passkey/login", answer(tok, "", ok)), 400, vigil.CodeInvalidRequest, "")
	tokA, optsA := ceremony(t, must(t, "options A", p.Do("POST", "/api/auth/passkey/options", nil), 200))
	tokB, _ := ceremony(t, must(t, "options B", p.Do("POST", "/api/auth/passkey/options", nil), 200))
	expect(t, "answer to another challenge", p.Do("POST", "/api/auth/passkey/login", answer(tokB, "", get(t, a, optsA))), 401, vigil.CodeInvalidCredentials, "")
	a.Origin = "https://evil.example"
	expect(t, "another origin", p.Do("POST", "/api/auth/passkey/login", answer(tokA, "", get(t, a, optsA))), 401, vigil.CodeInvalidCredentials, "")
	a.Origin = rpOrigin
	tok, opts = ceremony(t, must(t, "options", p.Do("POST", "/api/auth/passkey/options", nil), 200))
	forged := *bobs
	forged.UserHandle = alices.UserHandle
	expect(t, "bob's credential with alice's handle", p.Do("POST", "/api/auth/passkey/login", answer(tok, "", assert(t, other, &forged, opts))),
		401, vigil.CodeInvalidCredentials, "")
	tok, opts = ceremony(t, must(t, "options", p.Do("POST", "/api/auth/passkey/options", nil), 200))
	ghost := *alices
	ghost.ID = []byte("never registered")
	expect(t, "unknown credential", p.Do("POST", "/api/auth/passkey/login", answer(tok, "", assert(t, a, &ghost, opts))), 401, vigil.CodeInvalidCredentials, "")

	// A signature counter that goes back: a cloned authenticator.
	alices.Counter = 0
	tok, opts = ceremony(t, must(t, "options", p.Do("POST", "/api/auth/passkey/options", nil), 200))
	expect(t, "counter gone back", p.Do("POST", "/api/auth/passkey/login", answer(tok, "", get(t, a, opts))), 401, vigil.CodeInvalidCredentials, "")
	if ev := h.events("alice", vigil.EventLoginFailed); len(ev) == 0 || !strings.Contains(ev[0].Detail, "cloned") {
		t.Errorf("cloned authenticator not audited: %+v", ev)
	}
	alices.Counter = 100

	// Second factor: another user's credential.
	s := passwordStep(t, h, "alice", alicePW)
	tok, opts = ceremony(t, must(t, "options", s.Do("POST", "/api/auth/login/passkey/options", nil), 200))
	expect(t, "bob's passkey for alice", s.Do("POST", "/api/auth/login/passkey", answer(tok, "", assert(t, other, bobs, opts))), 401, vigil.CodeInvalidCredentials, "")
	expect(t, "a step-up ceremony for a sign-in", s.Do("POST", "/api/auth/login/passkey", answer(stepUpCeremony(t, c), "", get(t, a, opts))),
		400, vigil.CodeInvalidRequest, "")

	// Outside the re-authentication window.
	h.Clock.Advance(11 * time.Minute)
	expect(t, "registration outside the window", bob.Do("POST", "/api/auth/factors/passkeys/options", nil), 401, vigil.CodeReauthRequired, "")

	// A disabled user's passkey: the same answer as an unknown one.
	if _, err := h.Engine.SetDisabled(t.Context(), "bob", true, auth.Actor{Username: "root"}); err != nil {
		t.Fatal(err)
	}
	tok, opts = ceremony(t, must(t, "options", p.Do("POST", "/api/auth/passkey/options", nil), 200))
	expect(t, "a disabled user's passkey", p.Do("POST", "/api/auth/passkey/login", answer(tok, "", get(t, other, opts))), 401, vigil.CodeInvalidCredentials, "")
}

// stepUpCeremony begins a step-up in c's session and returns its token.
func stepUpCeremony(t testing.TB, c *client) string {
	t.Helper()
	tok, _ := ceremony(t, must(t, "step-up options", c.Do("POST", "/api/auth/step-up/passkey/options", nil), 200))
	return tok
}

// TestAPIPendingSignInAttemptCap: a pending sign-in takes five wrong
// second factors, codes and passkeys together; the fifth voids it, and
// even the right passkey then needs the password again.
func TestAPIPendingSignInAttemptCap(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys(t))
	a := webauthntest.New(rpOrigin)
	c := h.client()
	c.Login("alice", alicePW)
	addPasskey(t, c, a, "Key")

	b := passwordStep(t, h, "alice", alicePW)
	evil := webauthntest.New("https://evil.example")
	evil.Credentials = a.Credentials
	for i := range 4 {
		if i%2 == 0 {
			expect(t, "wrong code", b.Do("POST", "/api/auth/login/second-factor", map[string]string{"code": "000000"}), 401, vigil.CodeInvalidCredentials, "")
			continue
		}
		tok, opts := ceremony(t, must(t, "options", b.Do("POST", "/api/auth/login/passkey/options", nil), 200))
		expect(t, "passkey for another origin", b.Do("POST", "/api/auth/login/passkey", answer(tok, "", get(t, evil, opts))), 401, vigil.CodeInvalidCredentials, "")
	}
	tok, opts := ceremony(t, must(t, "options", b.Do("POST", "/api/auth/login/passkey/options", nil), 200))
	expect(t, "fifth wrong", b.Do("POST", "/api/auth/login/passkey", answer(tok, "", get(t, evil, opts))), 401, vigil.CodeUnauthenticated, "")
	expect(t, "options after the cap", b.Do("POST", "/api/auth/login/passkey/options", nil), 401, vigil.CodeUnauthenticated, "")
	expect(t, "a code after the cap", b.Do("POST", "/api/auth/login/second-factor", map[string]string{"code": "000000"}), 401, vigil.CodeUnauthenticated, "")
}

// TestAPIPasskeysOff: without a relying party every passkey route
// answers NOT_FOUND.
func TestAPIPasskeysOff(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withMFA(t))
	c := h.client()
	c.Login("alice", alicePW)
	for _, path := range []string{"/api/auth/factors/passkeys/options", "/api/auth/passkey/options", "/api/auth/step-up/passkey/options"} {
		expect(t, path, c.Do("POST", path, nil), 404, vigil.CodeNotFound, "")
	}
}

// TestAPIPasskeySignInWithoutPasskey: a user whose second factor is an
// authenticator app is offered no passkey ceremony.
func TestAPIPasskeySignInWithoutPasskey(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys(t))
	c := h.client()
	c.Login("alice", alicePW)
	secret := authenticator(t, must(t, "begin", c.Do("POST", "/api/auth/factors/totp", nil), 200).Body)
	must(t, "confirm", c.Do("POST", "/api/auth/factors/totp/confirm", map[string]string{"code": code(secret, h.Clock.Now())}), 200)
	if _, methods := passkeysOf(t, c); slices.Contains(methods, any("passkey")) {
		t.Fatalf("methods %v offer a passkey", methods)
	}
	b := passwordStep(t, h, "alice", alicePW)
	expect(t, "passkey options without a passkey", b.Do("POST", "/api/auth/login/passkey/options", nil), 409, vigil.CodeConflict, "")
	expect(t, "step-up options without a passkey", c.Do("POST", "/api/auth/step-up/passkey/options", nil), 409, vigil.CodeConflict, "")
}
