package httpapi_test

import (
	"slices"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/webauthntest"
)

// TestFactorChangesNeedTheSecondFactor: once a user has a second factor,
// a session signed in with the password alone changes none of her factors,
// however recently the password was entered, until it steps up with the
// second factor (NIST SP 800-63B-4 §4.1.2): otherwise the password and a
// session opened before the first factor was enrolled (or left open) would
// add a passkey or new recovery codes that outlive a password change.
func TestFactorChangesNeedTheSecondFactor(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys(t))
	a := h.client()
	a.Login("alice", alicePW)
	b := h.client() // opened before the first factor, with the password alone
	b.Login("alice", alicePW)

	// Begun while alice had no second factor: allowed at AAL1, finished
	// after she has one: refused.
	early, earlyOpts := ceremony(t, must(t, "B's registration options before any factor", b.Do("POST", "/api/auth/factors/passkeys/options", nil), 200))
	earlyCred, _ := create(t, webauthntest.New(rpOrigin), earlyOpts)

	secret := authenticator(t, must(t, "A begins an app (no factor yet)", a.Do("POST", "/api/auth/factors/totp", nil), 200).Body)
	conf := must(t, "A confirms the app", a.Do("POST", "/api/auth/factors/totp/confirm", map[string]string{"code": code(secret, h.Clock.Now())}), 200)
	codes, _ := conf.Body["recovery_codes"].([]any)
	if len(codes) != 10 {
		t.Fatalf("recovery codes: %s", conf.Raw)
	}

	h.Clock.Advance(time.Minute)
	must(t, "B re-enters the password", b.Do("POST", "/api/auth/reauthenticate", map[string]string{"password": alicePW}), 200)
	before := must(t, "factors before", b.Do("GET", "/api/auth/factors", nil), 200)
	refused := []struct {
		what, method, path string
		body               any
	}{
		{"registration options", "POST", "/api/auth/factors/passkeys/options", nil},
		{"registration begun before the app", "POST", "/api/auth/factors/passkeys", answer(early, "Early", earlyCred)},
		{"new recovery codes", "POST", "/api/auth/factors/recovery-codes", nil},
		{"remove the app", "DELETE", "/api/auth/factors/totp", nil},
		{"begin another app", "POST", "/api/auth/factors/totp", nil},
		{"confirm an app", "POST", "/api/auth/factors/totp/confirm", map[string]string{"code": code(secret, h.Clock.Now())}},
	}
	for _, r := range refused {
		expect(t, "B at AAL1: "+r.what, b.Do(r.method, r.path, r.body), 401, vigil.CodeStepUpRequired, "")
	}
	after := must(t, "factors after", b.Do("GET", "/api/auth/factors", nil), 200)
	if string(after.Raw) != string(before.Raw) {
		t.Fatalf("refused changes changed the factors:\nbefore %s\nafter  %s", before.Raw, after.Raw)
	}
	for event, n := range map[string]int{vigil.EventRecoveryCodesGenerated: 1, vigil.EventMFAEnrolled: 1, vigil.EventMFARemoved: 0} {
		if got := len(h.events("alice", event)); got != n {
			t.Errorf("after the refusals: %d %s events, want %d", got, event, n)
		}
	}
	// The recovery codes shown at enrolment are still the ones that work.
	must(t, "A steps up with a first recovery code", a.Do("POST", "/api/auth/step-up", map[string]string{"code": codes[0].(string)}), 200)

	// Stepped up with the app, B changes each of them.
	h.Clock.Advance(30 * time.Second)
	must(t, "B steps up with the app", b.Do("POST", "/api/auth/step-up", map[string]string{"code": code(secret, h.Clock.Now())}), 200)
	added, _ := addPasskey(t, b, webauthntest.New(rpOrigin), "Laptop")
	if fresh, ok := added.Body["recovery_codes"].([]any); !ok || len(fresh) != 0 {
		t.Fatalf("a passkey added beside the app, recovery codes kept: %s", added.Raw)
	}
	regen := must(t, "B: new recovery codes", b.Do("POST", "/api/auth/factors/recovery-codes", nil), 200)
	if fresh, _ := regen.Body["recovery_codes"].([]any); len(fresh) != 10 || slices.Contains(fresh, codes[1]) {
		t.Fatalf("new recovery codes: %s", regen.Raw)
	}
	expect(t, "a recovery code of the replaced set", a.Do("POST", "/api/auth/step-up", map[string]string{"code": codes[1].(string)}),
		401, vigil.CodeInvalidCredentials, "")
	must(t, "B: remove the app", b.Do("DELETE", "/api/auth/factors/totp", nil), 200)
	second := authenticator(t, must(t, "B: begin another app", b.Do("POST", "/api/auth/factors/totp", nil), 200).Body)
	h.Clock.Advance(30 * time.Second)
	must(t, "B: confirm it", b.Do("POST", "/api/auth/factors/totp/confirm", map[string]string{"code": code(second, h.Clock.Now())}), 200)
	final := must(t, "factors at the end", b.Do("GET", "/api/auth/factors", nil), 200)
	if keys, methods := passkeysOf(t, b); len(keys) != 1 || keys["Laptop"] == "" || final.Body["totp"] == nil ||
		!slices.Contains(methods, any("passkey")) || !slices.Contains(methods, any("totp")) {
		t.Fatalf("factors after the changes at AAL2: %s", final.Raw)
	}

	// A user whose only factor is a passkey: another needs a passkey step-up.
	key := webauthntest.New(rpOrigin)
	c := h.client()
	c.Login("bob", bobPW)
	d := h.client()
	d.Login("bob", bobPW)
	addPasskey(t, c, key, "Desk key") // the first factor: AAL1 is enough
	keys, _ := passkeysOf(t, d)
	for _, s := range []*client{c, d} {
		expect(t, "another passkey at AAL1", s.Do("POST", "/api/auth/factors/passkeys/options", nil), 401, vigil.CodeStepUpRequired, "")
		expect(t, "remove the passkey at AAL1", s.Do("DELETE", "/api/auth/factors/passkeys/"+keys["Desk key"], nil), 401, vigil.CodeStepUpRequired, "")
	}
	if got, _ := passkeysOf(t, d); len(got) != 1 || got["Desk key"] != keys["Desk key"] {
		t.Fatalf("bob's passkeys after the refusals: %v", got)
	}
	stepUpWithPasskey(t, d, key)
	addPasskey(t, d, webauthntest.New(rpOrigin), "Phone")
	if got, _ := passkeysOf(t, d); len(got) != 2 || got["Phone"] == "" {
		t.Fatalf("bob's passkeys after the step-up: %v", got)
	}
}
