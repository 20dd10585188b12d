package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/mfa"
)

// TestRequireMFAGuardsTheUpstream: with --require-mfa clinician, a
// clinician's right password reaches neither the app behind vigil nor
// forward auth; they enrol an authenticator app (from the secret the
// enrolment shows) and then reach the app with Remote-AAL 2. A patient,
// not required, signs in with a password alone, at AAL1, and an app that
// asks forward auth for aal=2 refuses them until they step up.
func TestRequireMFAGuardsTheUpstream(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "user="+r.Header.Get("Remote-User")+" aal="+r.Header.Get("Remote-AAL"))
	}))
	defer app.Close()
	keys := filepath.Join(t.TempDir(), "secret.keys")
	if err := mfa.CreateKeyFile(keys, "k1"); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, "", "--dev", "--upstream", app.URL, "--secret-key-file", keys, "--require-mfa", "clinician")
	srv.addUser(t, "carol", "clinician", bobPW)
	srv.addUser(t, "alice", "patient", alicePW)

	d := srv.device(t)
	d.Client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	r := d.Do("POST", "/api/auth/login", map[string]string{"username": "carol", "password": bobPW})
	if r.Status != 200 || r.Body["enrol_required"] != true {
		t.Fatalf("password step: %d %s", r.Status, r.Raw)
	}
	page := d.Do("GET", "/chart/7", nil, "Accept", "text/html")
	if page.Status != http.StatusSeeOther || !strings.HasPrefix(page.Header.Get("Location"), "/auth/login?rd=") {
		t.Fatalf("the app after the password alone: %d %q", page.Status, page.Raw)
	}
	expect(t, "forward auth after the password alone", d.Do("GET", "/api/auth/verify", nil), 401, "UNAUTHENTICATED")

	en := d.Do("POST", "/api/auth/login/enrol/totp", nil)
	secret, err := mfa.ParseSecretText(en.Str("secret"))
	if en.Status != 200 || err != nil {
		t.Fatalf("enrol: %d %s", en.Status, en.Raw)
	}
	code := mfa.TOTP.Code(secret, mfa.TOTP.Step(time.Now()))
	expect(t, "confirm", d.Do("POST", "/api/auth/login/enrol/totp/confirm", map[string]string{"code": code}), 200)
	if r := d.Do("GET", "/chart/7", nil); r.Status != 200 || r.Raw != "user=carol aal=2" {
		t.Fatalf("the app after enrolling: %d %q", r.Status, r.Raw)
	}

	p := srv.device(t)
	p.Login("alice", alicePW)
	if r := p.Do("GET", "/chart/7", nil); r.Status != 200 || r.Raw != "user=alice aal=1" {
		t.Fatalf("the app for a patient: %d %q", r.Status, r.Raw)
	}
	expect(t, "forward auth aal=2 for an AAL1 session", p.Do("GET", "/api/auth/verify?aal=2", nil), 401, "STEP_UP_REQUIRED")
}

// TestSecretKeyFileRefused: a key file others can read stops the start,
// naming it; --require-mfa without a key file is a configuration problem.
func TestSecretKeyFileRefused(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "secret.keys")
	if err := mfa.CreateKeyFile(keys, "k1"); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(keys, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"serve", "--dev", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "v.db"), "--secret-key-file", keys},
		{"serve", "--dev", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "v.db"), "--require-mfa", "clinician"},
	} {
		var out, errb strings.Builder
		code := run(t.Context(), args, noEnv, strings.NewReader(""), &out, &errb)
		if code == 0 || !(strings.Contains(errb.String(), keys) || strings.Contains(errb.String(), "--secret-key-file")) {
			t.Errorf("%v: exit %d: %s", args[6:], code, errb.String())
		}
	}
}

// TestCLIResetFactors: `vigil user reset-factors` removes a user's second
// factors and ends their sessions; the next sign-in needs none.
func TestCLIResetFactors(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "secret.keys")
	if err := mfa.CreateKeyFile(keys, "k1"); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, "", "--dev", "--secret-key-file", keys)
	srv.addUser(t, "alice", "patient", alicePW)
	d := srv.device(t)
	d.Login("alice", alicePW)
	en := d.Do("POST", "/api/auth/factors/totp", nil)
	secret, err := mfa.ParseSecretText(en.Str("secret"))
	if err != nil {
		t.Fatalf("enrol: %s", en.Raw)
	}
	expect(t, "confirm", d.Do("POST", "/api/auth/factors/totp/confirm", map[string]string{"code": mfa.TOTP.Code(secret, mfa.TOTP.Step(time.Now()))}), 200)
	if r := srv.device(t).Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": alicePW}); r.Body["mfa_required"] != true {
		t.Fatalf("sign-in with a factor: %s", r.Raw)
	}
	code, out, errs := srv.cli(t, "", "user", "reset-factors", "alice")
	if code != 0 || out != "second factors of alice removed; 1 session(s) revoked\n" {
		t.Fatalf("reset-factors: exit %d %q %q", code, out, errs)
	}
	var r testkit.Response
	for start := time.Now(); time.Since(start) < 5*time.Second; time.Sleep(20 * time.Millisecond) {
		if r = d.Do("GET", "/api/auth/session", nil); r.Status == 401 {
			break
		}
	}
	expect(t, "the old session (the server sees the CLI's revocation within 1 s)", r, 401, "SESSION_REVOKED", "revoked")
	if r := srv.device(t).Login("alice", alicePW); r.Body["session"] == nil {
		t.Fatalf("sign-in after the reset: %s", r.Raw)
	}
	if code, _, _ := srv.cli(t, "", "user", "reset-factors", "nobody"); code != 1 {
		t.Errorf("unknown user: exit %d", code)
	}
}
