package httpapi_test

import (
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
func withMFA(t testing.TB, required ...vigil.Role) func(*harnessConfig) {
	k := testkit.Keyring(t)
	return withEngine(func(o *auth.Options) { o.MFA = auth.MFA{Keyring: k, Required: required} })
}

// authenticator is an app set up from what an enrolment answer showed:
// the secret as text, which the otpauth URI must carry too.
func authenticator(t testing.TB, r map[string]any) []byte {
	t.Helper()
	text, _ := r["secret"].(string)
	uri, _ := r["otpauth_uri"].(string)
	png, _ := r["qr_png"].(string)
	secret, err := mfa.ParseSecretText(text)
	if err != nil {
		t.Fatalf("enrolment secret %q: %v", text, err)
	}
	u, err := url.Parse(uri)
	if err != nil || u.Query().Get("secret") != strings.ReplaceAll(text, " ", "") {
		t.Fatalf("enrolment URI %q does not carry the secret %q", uri, text)
	}
	if !strings.HasPrefix(png, "data:image/png;base64,") {
		t.Fatalf("enrolment QR %.40q is not a PNG data URL", png)
	}
	return secret
}

func code(secret []byte, at time.Time) string { return mfa.TOTP.Code(secret, mfa.TOTP.Step(at)) }

func TestAPITwoStepSignIn(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withMFA(t))
	c := h.client()
	c.Login("alice", alicePW)
	en := must(t, "begin", c.Do("POST", "/api/auth/factors/totp", nil), 200)
	secret := authenticator(t, en.Body)
	conf := must(t, "confirm", c.Do("POST", "/api/auth/factors/totp/confirm", map[string]string{"code": code(secret, h.Clock.Now())}), 200)
	if codes, _ := conf.Body["recovery_codes"].([]any); len(codes) != 10 {
		t.Fatalf("recovery codes: %s", conf.Raw)
	}
	f := must(t, "factors", c.Do("GET", "/api/auth/factors", nil), 200)
	if f.Body["totp"] == nil || f.Body["recovery_codes_left"] != float64(10) {
		t.Fatalf("factors: %s", f.Raw)
	}

	// A new browser: the password alone gives no session.
	h.Clock.Advance(30 * time.Second)
	b := h.client()
	r := must(t, "password step", b.Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": alicePW}), 200)
	if r.Body["mfa_required"] != true || r.Body["enrol_required"] != false || sessionCookie(r) != nil || b.CSRF != "" {
		t.Fatalf("password step: %s (session cookie %v)", r.Raw, sessionCookie(r))
	}
	expect(t, "no session yet", b.Do("GET", "/api/auth/session", nil), 401, vigil.CodeUnauthenticated, "")
	expect(t, "wrong code", b.Do("POST", "/api/auth/login/second-factor", map[string]string{"code": "000000"}), 401, vigil.CodeInvalidCredentials, "")
	done := must(t, "second step", b.Do("POST", "/api/auth/login/second-factor", map[string]string{"code": code(secret, h.Clock.Now())}), 200)
	if done.Body["session"].(map[string]any)["aal"] != float64(2) || sessionCookie(done) == nil {
		t.Fatalf("second step: %s", done.Raw)
	}
	s := must(t, "session", b.Do("GET", "/api/auth/session", nil), 200)
	if got := s.Body["session"].(map[string]any)["factors"]; len(got.([]any)) != 2 {
		t.Fatalf("session factors: %s", s.Raw)
	}
	// The pending sign-in was used up.
	expect(t, "used pending sign-in", b.Do("POST", "/api/auth/login/second-factor", map[string]string{"code": code(secret, h.Clock.Now().Add(30*time.Second))}),
		401, vigil.CodeUnauthenticated, "")
	// No pending sign-in at all.
	expect(t, "no pending sign-in", h.client().Do("POST", "/api/auth/login/second-factor", map[string]string{"code": "123456"}),
		401, vigil.CodeUnauthenticated, "")
}

// TestAPIForwardAuthStepUp: an app behind forward auth that needs two
// factors (?aal=2) refuses an AAL1 session with STEP_UP_REQUIRED until
// the user steps up with a second factor alone.
func TestAPIForwardAuthStepUp(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withMFA(t))
	c := h.client()
	c.Login("alice", alicePW)
	v := must(t, "verify", c.Do("GET", "/api/auth/verify", nil), 200)
	if v.Header.Get("Remote-AAL") != "1" {
		t.Fatalf("Remote-AAL %q", v.Header.Get("Remote-AAL"))
	}
	secret := authenticator(t, must(t, "begin", c.Do("POST", "/api/auth/factors/totp", nil), 200).Body)
	must(t, "confirm", c.Do("POST", "/api/auth/factors/totp/confirm", map[string]string{"code": code(secret, h.Clock.Now())}), 200)

	api := c.Do("GET", "/api/auth/verify?aal=2", nil)
	expect(t, "aal=2 on an AAL1 session", api, 401, vigil.CodeStepUpRequired, "")
	if api.Header.Get("Location") != "" {
		t.Errorf("an API client was given a page to go to: %q", api.Header.Get("Location"))
	}
	page := c.Do("GET", "/api/auth/verify?aal=2", nil, "Accept", "text/html,application/xhtml+xml")
	expect(t, "aal=2 for a page", page, 401, vigil.CodeStepUpRequired, "")
	if loc := page.Header.Get("Location"); loc != "/auth/step-up?rd=%2Fapi%2Fauth%2Fverify%3Faal%3D2" {
		t.Errorf("step-up address for a page: %q", loc)
	}
	for _, q := range []string{"aal=3", "aal=", "aal=2&aal=2", "AAL=2", "aal=two"} {
		expect(t, "verify?"+q, c.Do("GET", "/api/auth/verify?"+q, nil), 400, vigil.CodeInvalidRequest, "")
	}
	expect(t, "replayed confirmation code", c.Do("POST", "/api/auth/step-up", map[string]string{"code": code(secret, h.Clock.Now())}),
		401, vigil.CodeInvalidCredentials, "")
	h.Clock.Advance(30 * time.Second)
	up := must(t, "step up", c.Do("POST", "/api/auth/step-up", map[string]string{"code": code(secret, h.Clock.Now())}), 200)
	if up.Body["session"].(map[string]any)["aal"] != float64(2) || sessionCookie(up) == nil {
		t.Fatalf("step-up: %s", up.Raw)
	}
	v = must(t, "verify aal=2 after step-up", c.Do("GET", "/api/auth/verify?aal=2&role=patient", nil), 200)
	if v.Header.Get("Remote-AAL") != "2" {
		t.Fatalf("Remote-AAL %q after step-up", v.Header.Get("Remote-AAL"))
	}
}

// TestAPIRequiredRoleEnrolsFirst: a clinician with --require-mfa
// clinician gets no session, and reaches no app, until they enrol a
// second factor within the pending sign-in.
func TestAPIRequiredRoleEnrolsFirst(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withMFA(t, vigil.RoleClinician))
	c := h.client()
	r := must(t, "password step", c.Do("POST", "/api/auth/login", map[string]string{"username": "bob", "password": bobPW}), 200)
	if r.Body["enrol_required"] != true || sessionCookie(r) != nil {
		t.Fatalf("password step: %s", r.Raw)
	}
	expect(t, "forward auth without a session", c.Do("GET", "/api/auth/verify", nil), 401, vigil.CodeUnauthenticated, "")
	expect(t, "a code instead of enrolling", c.Do("POST", "/api/auth/login/second-factor", map[string]string{"code": "123456"}),
		409, vigil.CodeConflict, "")
	secret := authenticator(t, must(t, "enrol", c.Do("POST", "/api/auth/login/enrol/totp", nil), 200).Body)
	done := must(t, "confirm", c.Do("POST", "/api/auth/login/enrol/totp/confirm", map[string]string{"code": code(secret, h.Clock.Now())}), 200)
	if codes, _ := done.Body["recovery_codes"].([]any); len(codes) != 10 || sessionCookie(done) == nil {
		t.Fatalf("enrolment: %s", done.Raw)
	}
	v := must(t, "verify", c.Do("GET", "/api/auth/verify?role=clinician&aal=2", nil), 200)
	if v.Header.Get("Remote-AAL") != "2" || v.Header.Get("Remote-User") != "bob" {
		t.Fatalf("verify: %v", v.Header)
	}
	expect(t, "remove the last factor", c.Do("DELETE", "/api/auth/factors/totp", nil), 409, vigil.CodeConflict, "")
}

// TestAPIAdminChangesNeedAAL2: an administrator with a second factor
// steps up before an admin change.
func TestAPIAdminChangesNeedAAL2(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withMFA(t))
	c := h.client()
	c.Login("root", rootPW)
	create := map[string]string{"username": "carol", "role": "patient"}
	must(t, "create before enrolling", c.Do("POST", "/api/admin/users", create), 201)
	secret := authenticator(t, must(t, "begin", c.Do("POST", "/api/auth/factors/totp", nil), 200).Body)
	must(t, "confirm", c.Do("POST", "/api/auth/factors/totp/confirm", map[string]string{"code": code(secret, h.Clock.Now())}), 200)
	create["username"] = "dave"
	expect(t, "create at AAL1", c.Do("POST", "/api/admin/users", create), 401, vigil.CodeStepUpRequired, "")
	h.Clock.Advance(30 * time.Second)
	must(t, "step up", c.Do("POST", "/api/auth/step-up", map[string]string{"code": code(secret, h.Clock.Now())}), 200)
	must(t, "create at AAL2", c.Do("POST", "/api/admin/users", create), 201)
	reset := must(t, "reset carol's factors", c.Do("POST", "/api/admin/users/carol/reset-factors", nil), 200)
	if reset.Body["revoked"] != float64(0) {
		t.Fatalf("reset: %s", reset.Raw)
	}
	if len(h.events("carol", vigil.EventMFAReset)) != 1 {
		t.Error("no mfa_reset event")
	}
}

// TestAPISessionListsShowEachSessionsLimits: an AAL2 session is listed
// with AAL2's 24 h lifetime beside an AAL1 session with the role's.
func TestAPISessionListsShowEachSessionsLimits(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withMFA(t), withPolicy(func(p *vigil.Policy) { p.Lifetime = 72 * time.Hour }))
	c := h.client()
	c.Login("alice", alicePW)
	secret := authenticator(t, must(t, "begin", c.Do("POST", "/api/auth/factors/totp", nil), 200).Body)
	must(t, "confirm", c.Do("POST", "/api/auth/factors/totp/confirm", map[string]string{"code": code(secret, h.Clock.Now())}), 200)
	h.Clock.Advance(30 * time.Second)
	must(t, "step up", c.Do("POST", "/api/auth/step-up", map[string]string{"code": code(secret, h.Clock.Now())}), 200)
	other := h.client()
	other.Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": alicePW}) // a second step is pending: no session
	list := must(t, "sessions", c.Do("GET", "/api/auth/sessions", nil), 200)
	sessions, _ := list.Body["sessions"].([]any)
	if len(sessions) != 1 {
		t.Fatalf("sessions: %s", list.Raw)
	}
	s := sessions[0].(map[string]any)
	created, _ := time.Parse(time.RFC3339, s["created_at"].(string))
	expires, _ := time.Parse(time.RFC3339, s["expires_at"].(string))
	if s["aal"] != float64(2) || expires.Sub(created) != vigil.AAL2Lifetime {
		t.Fatalf("AAL2 session listed as %v until %v (created %v)", s["aal"], expires, created)
	}
}
