package httpapi_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/httpapi"
	"github.com/vigilauth/vigil/internal/webauthntest"
)

// notServerError fails the test when r is a 5xx or an INTERNAL answer:
// whatever a client sends, a passkey route answers with what is wrong.
func notServerError(t *testing.T, what string, r interface {
	Code() string
}, status int, raw string) {
	t.Helper()
	if status >= 500 || r.Code() == "INTERNAL" || r.Code() == "" {
		t.Errorf("%s: status %d: %s", what, status, raw)
	}
}

// withAlicesPasskey starts a harness with passkeys in which alice is
// signed in with her password and has added a passkey, "Key", of a.
func withAlicesPasskey(t *testing.T) (*harness, *webauthntest.Authenticator, *client, *webauthntest.Credential) {
	t.Helper()
	h := newHarness(t, withPasskeys(t))
	a := webauthntest.New(rpOrigin)
	c := h.client()
	c.Login("alice", alicePW)
	_, cred := addPasskey(t, c, a, "Key")
	return h, a, c, cred
}

// TestAPIPasskeyNamesArePlainText: a passkey's name, shown on the account
// page and in the audit trail, holds no control character and no
// bidirectional override or isolate, as a display name does
// (CVE-2021-42574); other text is kept, in NFC.
func TestAPIPasskeyNamesArePlainText(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys(t))
	c := h.client()
	c.Login("alice", alicePW)
	a := webauthntest.New(rpOrigin)

	tok, opts := ceremony(t, must(t, "options", c.Do("POST", "/api/auth/factors/passkeys/options", nil), 200))
	cred, _ := create(t, a, opts)
	expect(t, "a name with a right-to-left override", c.Do("POST", "/api/auth/factors/passkeys", answer(tok, "key\u202Egnp.exe", cred)),
		400, vigil.CodeInvalidRequest, "")

	added, _ := addPasskey(t, c, webauthntest.New(rpOrigin), "Cafe\u0301 ☕")
	p := added.Body["passkey"].(map[string]any)
	if p["name"] != "Caf\u00e9 ☕" {
		t.Fatalf("name %q, want it in NFC", p["name"])
	}
	path := "/api/auth/factors/passkeys/" + p["id"].(string)
	for _, name := range []string{"a\nb", "a\x00b", "a\u0085b", "a\u2066b\u2069", "a\u202Bb"} {
		expect(t, fmt.Sprintf("rename to %q", name), c.Do("PATCH", path, map[string]string{"name": name}), 400, vigil.CodeInvalidRequest, "")
	}
	if got, _ := passkeysOf(t, c); got["Caf\u00e9 ☕"] == "" {
		t.Fatalf("passkeys after refused renames: %v", got)
	}
}

// TestAPIPasskeyBadBodies: bodies of the wrong shape, type, size or depth
// at every passkey finish are the client's error (400, 401 or 413), never
// a server error.
func TestAPIPasskeyBadBodies(t *testing.T) {
	t.Parallel()
	h, a, c, _ := withAlicesPasskey(t)
	stepUpWithPasskey(t, c, a)

	deep := strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000)
	shapes := map[string]string{
		"ceremony a number":       `{"ceremony":5,"credential":{}}`,
		"credential an array":     `{"ceremony":"x","credential":[]}`,
		"credential missing":      `{"ceremony":"x"}`,
		"an array":                `[]`,
		"a string":                `"x"`,
		"two objects":             `{} {}`,
		"not JSON":                `{"ceremony":`,
		"a deep credential":       `{"ceremony":"x","credential":` + deep + `}`,
		"name a number":           `{"ceremony":"x","name":7,"credential":{}}`,
		"over the body limit":     `{"ceremony":"x","credential":{"id":"` + strings.Repeat("A", httpapi.MaxBody) + `"}}`,
		"unknown ceremony":        `{"ceremony":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","credential":{}}`,
		"ceremony of bad letters": `{"ceremony":"!!\u0000","credential":{}}`,
	}
	b := passwordStep(t, h, "alice", alicePW)
	posts := []struct {
		who  *client
		path string
	}{
		{c, "/api/auth/factors/passkeys"}, {b, "/api/auth/login/passkey"}, {h.client(), "/api/auth/passkey/login"},
		{c, "/api/auth/step-up/passkey"},
	}
	for _, p := range posts {
		for what, body := range shapes {
			r := p.who.Do("POST", p.path, body)
			if r.Status != 400 && r.Status != 413 {
				t.Errorf("%s %s: status %d, want 400 or 413: %s", p.path, what, r.Status, r.Raw)
			}
			notServerError(t, p.path+" "+what, r, r.Status, string(r.Raw))
		}
	}
	r := c.Do("PATCH", "/api/auth/factors/passkeys/AAAA", `{"name":["x"]}`)
	expect(t, "rename with a name that is a list", r, 400, vigil.CodeInvalidRequest, "")

	// Well-formed JSON the library cannot read, each against a live
	// ceremony: refused, the ceremony used up. Refused step-ups count in
	// the user's sign-in throttle, which the fifth locks (429).
	credentials := []string{
		`{}`,
		`{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{}}`,
		`{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"!!","authenticatorData":"AA","signature":"AA","userHandle":"AA"}}`,
		`{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"","signature":"","userHandle":""}}`,
		`{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":5,"attestationObject":[],"authenticatorData":{}}}`,
		`{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}}`,
		`{"id":"AAAA","rawId":"AAAA","type":"public-key","clientExtensionResults":{"credProps":{"rk":"yes"}},"response":{}}`,
	}
	begin := map[string]struct {
		who           *client
		options, path string
	}{
		"registration": {c, "/api/auth/factors/passkeys/options", "/api/auth/factors/passkeys"},
		"passwordless": {h.client(), "/api/auth/passkey/options", "/api/auth/passkey/login"},
		"step-up":      {c, "/api/auth/step-up/passkey/options", "/api/auth/step-up/passkey"},
	}
	for what, p := range begin {
		for i, cred := range credentials {
			tok, _ := ceremony(t, must(t, what+" options", p.who.Do("POST", p.options, nil), 200))
			r := p.who.Do("POST", p.path, `{"ceremony":"`+tok+`","credential":`+cred+`}`)
			if r.Status != 400 && r.Status != 401 && (what != "step-up" || r.Code() != vigil.CodeRateLimited) {
				t.Errorf("%s with credential %d: status %d, want 400 or 401: %s", what, i, r.Status, r.Raw)
			}
			notServerError(t, fmt.Sprintf("%s credential %d", what, i), r, r.Status, string(r.Raw))
		}
	}
}

// TestAPIPasskeyIDInPath: an {id} that is not unpadded base64url, or is
// no passkey of the caller's, is NOT_FOUND, whatever its length.
func TestAPIPasskeyIDInPath(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys(t))
	c := h.client()
	c.Login("alice", alicePW)
	a := webauthntest.New(rpOrigin)
	added, _ := addPasskey(t, c, a, "Key")
	stepUpWithPasskey(t, c, a)
	id := added.Body["passkey"].(map[string]any)["id"].(string)
	bob := h.client()
	bob.Login("bob", bobPW)

	padded := base64.URLEncoding.EncodeToString(make([]byte, 16))
	for _, bad := range []string{padded, "%2B%2F", "a.b", "%00", "A", strings.Repeat("A", 4000), id + "A", "%20" + id} {
		expect(t, "rename "+bad[:min(len(bad), 20)], c.Do("PATCH", "/api/auth/factors/passkeys/"+bad, map[string]string{"name": "x"}), 404, vigil.CodeNotFound, "")
		expect(t, "remove "+bad[:min(len(bad), 20)], c.Do("DELETE", "/api/auth/factors/passkeys/"+bad, nil), 404, vigil.CodeNotFound, "")
	}
	expect(t, "another user renames it", bob.Do("PATCH", "/api/auth/factors/passkeys/"+id, map[string]string{"name": "mine"}), 404, vigil.CodeNotFound, "")
	expect(t, "another user removes it", bob.Do("DELETE", "/api/auth/factors/passkeys/"+id, nil), 404, vigil.CodeNotFound, "")
	if got, _ := passkeysOf(t, c); got["Key"] != id {
		t.Fatalf("the passkey after another user's tries: %v", got)
	}
}

// TestAPIPasskeyCeremonyBelongsToItsStep: a ceremony finishes only the
// step of its kind, for the session or pending sign-in that began it;
// any other use is refused and uses it up.
func TestAPIPasskeyCeremonyBelongsToItsStep(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys(t))
	a := webauthntest.New(rpOrigin)
	c := h.client()
	c.Login("alice", alicePW)
	d := h.client() // another session of alice's, signed in with the password alone
	d.Login("alice", alicePW)
	addPasskey(t, c, a, "Key")
	stepUpWithPasskey(t, c, a)
	up, upOpts := ceremony(t, must(t, "d's step-up options", d.Do("POST", "/api/auth/step-up/passkey/options", nil), 200))
	must(t, "d steps up", d.Do("POST", "/api/auth/step-up/passkey", answer(up, "", get(t, a, upOpts))), 200)

	reg, regOpts := ceremony(t, must(t, "registration options", c.Do("POST", "/api/auth/factors/passkeys/options", nil), 200))
	regCred, _ := create(t, webauthntest.New(rpOrigin), regOpts)
	expect(t, "a registration ceremony at a passwordless sign-in", h.client().Do("POST", "/api/auth/passkey/login", answer(reg, "", regCred)),
		400, vigil.CodeInvalidRequest, "")
	expect(t, "the registration ceremony, used up", c.Do("POST", "/api/auth/factors/passkeys", answer(reg, "", regCred)), 400, vigil.CodeInvalidRequest, "")

	pw, pwOpts := ceremony(t, must(t, "passwordless options", h.client().Do("POST", "/api/auth/passkey/options", nil), 200))
	expect(t, "a passwordless ceremony at a step-up", c.Do("POST", "/api/auth/step-up/passkey", answer(pw, "", get(t, a, pwOpts))), 400, vigil.CodeInvalidRequest, "")

	up, upOpts = ceremony(t, must(t, "c's step-up options", c.Do("POST", "/api/auth/step-up/passkey/options", nil), 200))
	expect(t, "c's step-up ceremony in d's session", d.Do("POST", "/api/auth/step-up/passkey", answer(up, "", get(t, a, upOpts))), 400, vigil.CodeInvalidRequest, "")

	s1 := passwordStep(t, h, "alice", alicePW)
	tok, opts := ceremony(t, must(t, "s1's options", s1.Do("POST", "/api/auth/login/passkey/options", nil), 200))
	s2 := passwordStep(t, h, "alice", alicePW) // replaces s1: one pending sign-in per user
	expect(t, "s1's ceremony in s2's sign-in", s2.Do("POST", "/api/auth/login/passkey", answer(tok, "", get(t, a, opts))), 400, vigil.CodeInvalidRequest, "")
	expect(t, "s1 after s2 began", s1.Do("POST", "/api/auth/login/passkey/options", nil), 401, vigil.CodeUnauthenticated, "")
	tok, opts = ceremony(t, must(t, "s2's options", s2.Do("POST", "/api/auth/login/passkey/options", nil), 200))
	sessionOf(t, "s2 signs in", must(t, "s2", s2.Do("POST", "/api/auth/login/passkey", answer(tok, "", get(t, a, opts))), 200), 2, "password", "passkey")
}

// TestAPIPasskeyRegisteredByRevokedSession: a session revoked between the
// options and the answer adds no passkey.
func TestAPIPasskeyRegisteredByRevokedSession(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys(t))
	c := h.client()
	c.Login("alice", alicePW)
	tok, opts := ceremony(t, must(t, "options", c.Do("POST", "/api/auth/factors/passkeys/options", nil), 200))
	cred, _ := create(t, webauthntest.New(rpOrigin), opts)

	d := h.client()
	d.Login("alice", alicePW)
	must(t, "revoke the others", d.Do("POST", "/api/auth/sessions/revoke-others", nil), 200)
	r := c.Do("POST", "/api/auth/factors/passkeys", answer(tok, "Late", cred))
	if r.Status != 401 {
		t.Fatalf("answer from a revoked session: status %d: %s", r.Status, r.Raw)
	}
	if got, _ := passkeysOf(t, d); len(got) != 0 {
		t.Fatalf("a revoked session added %v", got)
	}
}

// TestAPIPasskeyResetFactorsRemovesPasskeys: an administrator's reset of
// the factors removes the passkeys (the authenticator's copy then signs
// no one in) and ends the user's sessions; the user handle stays, so a
// passkey added again takes the old one's place on the authenticator.
func TestAPIPasskeyResetFactorsRemovesPasskeys(t *testing.T) {
	t.Parallel()
	h, a, c, before := withAlicesPasskey(t)
	root := h.client()
	root.Login("root", rootPW)
	must(t, "reset factors", root.Do("POST", "/api/admin/users/alice/reset-factors", nil), 200)
	if len(h.events("alice", vigil.EventMFAReset)) != 1 {
		t.Error("the reset is not audited")
	}
	expect(t, "alice's session after the reset", c.Do("GET", "/api/auth/session", nil), 401, vigil.CodeSessionRevoked, vigil.ReasonRevoked)

	p := h.client()
	tok, opts := ceremony(t, must(t, "passwordless options", p.Do("POST", "/api/auth/passkey/options", nil), 200))
	expect(t, "the removed passkey", p.Do("POST", "/api/auth/passkey/login", answer(tok, "", get(t, a, opts))), 401, vigil.CodeInvalidCredentials, "")

	c.Login("alice", alicePW)
	if r := c.Do("GET", "/api/auth/session", nil); r.Status != 200 {
		t.Fatalf("password sign-in after the reset: %s", r.Raw)
	}
	_, after := addPasskey(t, c, webauthntest.New(rpOrigin), "New key")
	if string(after.UserHandle) != string(before.UserHandle) {
		t.Error("the user handle changed with the reset")
	}
}

// TestAPIPasskeyUserVerification: a passkey that did not verify its user
// does not sign in alone (it would be one factor), but is the second
// factor after a password (NIST SP 800-63B-4 §2.2.1).
func TestAPIPasskeyUserVerification(t *testing.T) {
	t.Parallel()
	h, a, _, _ := withAlicesPasskey(t)
	a.UV = false

	p := h.client()
	tok, opts := ceremony(t, must(t, "passwordless options", p.Do("POST", "/api/auth/passkey/options", nil), 200))
	expect(t, "passwordless without user verification", p.Do("POST", "/api/auth/passkey/login", answer(tok, "", get(t, a, opts))),
		401, vigil.CodeInvalidCredentials, "")
	if r := p.Do("GET", "/api/auth/session", nil); r.Status != 401 {
		t.Fatalf("a session without user verification: %s", r.Raw)
	}

	b := passwordStep(t, h, "alice", alicePW)
	tok, opts = ceremony(t, must(t, "sign-in options", b.Do("POST", "/api/auth/login/passkey/options", nil), 200))
	sessionOf(t, "password and a passkey without user verification",
		must(t, "second factor", b.Do("POST", "/api/auth/login/passkey", answer(tok, "", get(t, a, opts))), 200), 2, "password", "passkey")
}

// TestAPIPasskeyRefusalsLookAlike: an unknown credential, a known one
// with a bad signature and a disabled user's get one answer: nothing
// tells them apart (OWASP ASVS 5.0 6.3.8). That the account is disabled
// is checked, and audited, only once the signature verified.
func TestAPIPasskeyRefusalsLookAlike(t *testing.T) {
	t.Parallel()
	h, a, _, alices := withAlicesPasskey(t)

	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	unknown, badSig := *alices, *alices
	unknown.ID = []byte("a credential never registered")
	badSig.Key = other
	p := h.client()
	try := func(what string, c *webauthntest.Credential) string {
		tok, opts := ceremony(t, must(t, what+" options", p.Do("POST", "/api/auth/passkey/options", nil), 200))
		r := p.Do("POST", "/api/auth/passkey/login", answer(tok, "", assert(t, a, c, opts)))
		expect(t, what, r, 401, vigil.CodeInvalidCredentials, "")
		return fmt.Sprint(r.Body["error"], r.Body["code"], r.Header.Get("Retry-After"))
	}
	want := try("unknown credential", &unknown)
	if got := try("bad signature", &badSig); got != want {
		t.Errorf("bad signature answers %q, unknown credential %q", got, want)
	}
	if _, err := h.Engine.SetDisabled(t.Context(), "alice", true, auth.Actor{Username: "root"}); err != nil {
		t.Fatal(err)
	}
	if got := try("disabled user, bad signature", &badSig); got != want {
		t.Errorf("disabled user's bad signature answers %q, unknown credential %q", got, want)
	}
	disabled := func() int {
		n := 0
		for _, ev := range h.events("alice", vigil.EventLoginFailed) {
			if strings.Contains(ev.Detail, "disabled") {
				n++
			}
		}
		return n
	}
	if n := disabled(); n != 0 {
		t.Errorf("a forged answer learned the account is disabled: %d events say so", n)
	}
	if got := try("disabled user", alices); got != want {
		t.Errorf("disabled user answers %q, unknown credential %q", got, want)
	}
	if n := disabled(); n != 1 {
		t.Errorf("the disabled user's own passkey: %d events say the account is disabled, want 1", n)
	}
}

// TestAPIPasswordlessThrottledByAddress: refused passwordless answers
// count against the client's address as failed logins do; past the limit
// even the right passkey is RATE_LIMITED, and the throttle is audited.
func TestAPIPasswordlessThrottledByAddress(t *testing.T) {
	t.Parallel()
	h, a, _, key := withAlicesPasskey(t)
	ghost := *key
	ghost.ID = []byte("never registered")

	p := h.client()
	limited := false
	for i := range 40 {
		tok, opts := ceremony(t, must(t, "options", p.Do("POST", "/api/auth/passkey/options", nil), 200))
		r := p.Do("POST", "/api/auth/passkey/login", answer(tok, "", assert(t, a, &ghost, opts)))
		if r.Code() == vigil.CodeRateLimited {
			limited = true
			if i < 30 {
				t.Fatalf("limited after %d failures", i)
			}
			break
		}
		expect(t, "unknown credential", r, 401, vigil.CodeInvalidCredentials, "")
	}
	if !limited {
		t.Fatal("40 refused passkeys from one address and no limit")
	}
	tok, opts := ceremony(t, must(t, "options", p.Do("POST", "/api/auth/passkey/options", nil), 200))
	r := p.Do("POST", "/api/auth/passkey/login", answer(tok, "", get(t, a, opts)))
	expect(t, "the right passkey from a limited address", r, 429, vigil.CodeRateLimited, "")
	if r.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	if len(h.events("", vigil.EventLoginThrottled)) == 0 {
		t.Error("the throttle is not audited")
	}
}

// TestAPIPasskeyLastFactorAcrossKinds: a role that requires a second
// factor keeps one, whichever kind is removed last; a passkey removed
// while an authenticator app remains leaves the recovery codes.
func TestAPIPasskeyLastFactorAcrossKinds(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys(t, vigil.RoleClinician))
	a := webauthntest.New(rpOrigin)
	c := h.client()
	must(t, "password step", c.Do("POST", "/api/auth/login", map[string]string{"username": "bob", "password": bobPW}), 200)
	tok, opts := ceremony(t, must(t, "enrol options", c.Do("POST", "/api/auth/login/enrol/passkey/options", nil), 200))
	cred, _ := create(t, a, opts)
	must(t, "enrol", c.Do("POST", "/api/auth/login/enrol/passkey", answer(tok, "Desk key", cred)), 200)
	secret := authenticator(t, must(t, "begin app", c.Do("POST", "/api/auth/factors/totp", nil), 200).Body)
	must(t, "confirm app", c.Do("POST", "/api/auth/factors/totp/confirm", map[string]string{"code": code(secret, h.Clock.Now())}), 200)

	keys, _ := passkeysOf(t, c)
	must(t, "remove the passkey, the app stays", c.Do("DELETE", "/api/auth/factors/passkeys/"+keys["Desk key"], nil), 200)
	f := must(t, "factors", c.Do("GET", "/api/auth/factors", nil), 200)
	if f.Body["recovery_codes_left"] != float64(10) {
		t.Fatalf("recovery codes after removing one of two factors: %s", f.Raw)
	}
	expect(t, "remove the app, the last factor", c.Do("DELETE", "/api/auth/factors/totp", nil), 409, vigil.CodeConflict, "")
	if len(h.events("bob", vigil.EventMFARemoved)) != 1 {
		t.Error("the removal is not audited once")
	}
}

// TestAPIPasskeyRefusalsAudited: each refused passkey answer is in the
// audit trail, under the user it was for: a registration, a second
// factor and a step-up (mfa_failed), a passwordless sign-in
// (login_failed).
func TestAPIPasskeyRefusalsAudited(t *testing.T) {
	t.Parallel()
	h, a, c, _ := withAlicesPasskey(t)
	stepUpWithPasskey(t, c, a)
	evil := webauthntest.New("https://evil.example")
	evil.Credentials = a.Credentials

	tok, opts := ceremony(t, must(t, "registration options", c.Do("POST", "/api/auth/factors/passkeys/options", nil), 200))
	cred, _ := create(t, webauthntest.New("https://evil.example"), opts)
	expect(t, "registration for another origin", c.Do("POST", "/api/auth/factors/passkeys", answer(tok, "", cred)), 400, vigil.CodeInvalidRequest, "")
	tok, opts = ceremony(t, must(t, "step-up options", c.Do("POST", "/api/auth/step-up/passkey/options", nil), 200))
	expect(t, "step-up for another origin", c.Do("POST", "/api/auth/step-up/passkey", answer(tok, "", get(t, evil, opts))), 401, vigil.CodeInvalidCredentials, "")
	b := passwordStep(t, h, "alice", alicePW)
	tok, opts = ceremony(t, must(t, "sign-in options", b.Do("POST", "/api/auth/login/passkey/options", nil), 200))
	expect(t, "second factor for another origin", b.Do("POST", "/api/auth/login/passkey", answer(tok, "", get(t, evil, opts))), 401, vigil.CodeInvalidCredentials, "")
	if n := len(h.events("alice", vigil.EventMFAFailed)); n != 3 {
		t.Errorf("%d mfa_failed events, want 3", n)
	}
	p := h.client()
	tok, opts = ceremony(t, must(t, "passwordless options", p.Do("POST", "/api/auth/passkey/options", nil), 200))
	expect(t, "passwordless for another origin", p.Do("POST", "/api/auth/passkey/login", answer(tok, "", get(t, evil, opts))), 401, vigil.CodeInvalidCredentials, "")
	if ev := h.events("alice", vigil.EventLoginFailed); len(ev) != 1 || !strings.Contains(ev[0].Detail, "passkey") {
		t.Errorf("passwordless refusal audited as %+v", ev)
	}
}
