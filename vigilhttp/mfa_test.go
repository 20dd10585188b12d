package vigilhttp_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/mfa"
	"github.com/vigilauth/vigil/vigilhttp"
)

// TestRequireAAL: RequireAAL(2) lets through only a session that signed
// in, or stepped up, with two factors; an AAL1 session gets 401
// STEP_UP_REQUIRED and keeps its cookie; no session is 401
// UNAUTHENTICATED.
func TestRequireAAL(t *testing.T) {
	t.Parallel()
	keys := testkit.Keyring(t)
	f := &fixture{t: t, clock: testkit.NewClock(time.Now().UTC().Truncate(time.Second))}
	f.engine = testkit.Engine(testkit.SQLite(t), auth.Options{Policy: vigil.Policy{Lifetime: 8 * time.Hour, IdleTimeout: 30 * time.Minute},
		Now: f.clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MFA: auth.MFA{Keyring: keys}})
	testkit.CreateUsers(t, f.engine, auth.Actor{Username: "test"}, auth.NewUser{Username: "alice", Role: vigil.RolePatient, Password: alicePW})
	f.s = vigilhttp.New(f.engine, vigilhttp.Options{Dev: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	h := f.s.Require(f.s.RequireAAL(vigil.AAL2)(echo))

	alice := f.login("alice", alicePW)
	rec := serve(h, f.request("GET", alice, false))
	if rec.Code != 401 || decodeErr(t, rec).Code != vigil.CodeStepUpRequired || cookieCleared(rec, vigilhttp.DevCookieName) {
		t.Fatalf("AAL1: %d %s", rec.Code, rec.Body)
	}
	en, err := f.engine.BeginTOTP(t.Context(), alice)
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := mfa.ParseSecretText(en.SecretText)
	code := func() string { return mfa.TOTP.Code(secret, mfa.TOTP.Step(f.clock.Now())) }
	if _, err := f.engine.ConfirmTOTP(t.Context(), alice, code(), auth.Actor{}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(30 * time.Second) // the next code
	up, err := f.engine.StepUp(t.Context(), alice, code(), auth.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	if rec := serve(h, f.request("GET", up, false)); rec.Code != 200 {
		t.Fatalf("AAL2: %d %s", rec.Code, rec.Body)
	}
	if rec := serve(h, f.request("GET", nil, false)); rec.Code != 401 || decodeErr(t, rec).Code != vigil.CodeUnauthenticated {
		t.Fatalf("no session: %d %s", rec.Code, rec.Body)
	}
	// Used without Require there is no session in the context: 401.
	if rec := serve(f.s.RequireAAL(vigil.AAL1)(echo), f.request("GET", up, false)); rec.Code != 401 {
		t.Errorf("RequireAAL outside Require: %d", rec.Code)
	}
}
