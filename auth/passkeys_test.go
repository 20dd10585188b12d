package auth_test

import (
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/pgtest"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/internal/webauthntest"
	"github.com/vigilauth/vigil/postgres"
)

const passkeyOrigin = "https://vigil.example"

var passkeyRP = auth.Passkeys{RPID: "vigil.example", Origins: []string{passkeyOrigin}}

// passkeyEngine is an engine with passkeys over store, its clock and a
// signed-in user alice.
type passkeyEngine struct {
	t     *testing.T
	eng   *auth.Engine
	clock *testkit.Clock
	pw    string
	cur   *auth.Current
}

func newPasskeyEngine(t *testing.T, store vigil.Store) *passkeyEngine {
	t.Helper()
	clock := testkit.NewClock(t0)
	eng := testkit.Engine(store, auth.Options{Policy: defaultPolicy(), Now: clock.Now, Passkeys: passkeyRP,
		MFA: auth.MFA{Keyring: testkit.Keyring(t)}})
	pw := strongPassword(t)
	testkit.CreateUsers(t, eng, admin, auth.NewUser{Username: "alice", Role: vigil.RolePatient, Password: pw})
	cur, err := eng.Login(t.Context(), "alice", pw, nil, auth.Actor{IP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	return &passkeyEngine{t: t, eng: eng, clock: clock, pw: pw, cur: cur}
}

// register adds a passkey of a to alice's account.
func (p *passkeyEngine) register(a *webauthntest.Authenticator) *webauthntest.Credential {
	p.t.Helper()
	c, err := p.eng.BeginPasskeyRegistration(p.t.Context(), p.cur)
	if err != nil {
		p.t.Fatal(err)
	}
	answer, cred, err := a.Create(c.Options)
	if err != nil {
		p.t.Fatal(err)
	}
	if _, _, err := p.eng.FinishPasskeyRegistration(p.t.Context(), p.cur, c.Token.String(), "Key", answer, admin); err != nil {
		p.t.Fatal(err)
	}
	return cred
}

// forEachStore runs test on SQLite and, when VIGIL_TEST_POSTGRES is set,
// on PostgreSQL.
func forEachStore(t *testing.T, test func(t *testing.T, store vigil.Store)) {
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		test(t, testkit.SQLite(t))
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		t.Parallel()
		_, url := pgtest.Schema(t)
		store, err := postgres.Open(t.Context(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		test(t, store)
	})
}

// TestPasskeyCeremonyAnsweredOnce: of concurrent finishes of one
// passwordless ceremony with one answer, exactly one signs in.
func TestPasskeyCeremonyAnsweredOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, store vigil.Store) {
		p := newPasskeyEngine(t, store)
		a := webauthntest.New(passkeyOrigin)
		p.register(a)
		c, err := p.eng.BeginPasskeyLogin(t.Context(), auth.Actor{IP: "192.0.2.9"})
		if err != nil {
			t.Fatal(err)
		}
		answer, err := a.Get(c.Options)
		if err != nil {
			t.Fatal(err)
		}
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				cur, _, err := p.eng.PasskeyLogin(t.Context(), c.Token.String(), answer, nil, auth.Actor{IP: "192.0.2.9"})
				switch {
				case err == nil && cur.Session.AAL == vigil.AAL2 && cur.Session.Factors == vigil.FactorPasskey:
					wins.Add(1)
				case err == nil:
					t.Errorf("signed in at AAL %d with %v", cur.Session.AAL, cur.Session.Factors)
				case vigil.ErrorCode(err) != vigil.CodeInvalidRequest:
					t.Errorf("a losing finish: %v, want INVALID_REQUEST", err)
				}
			})
		}
		wg.Wait()
		if n := wins.Load(); n != 1 {
			t.Errorf("%d finishes signed in, want exactly 1", n)
		}
	})
}

// TestPasskeySecondFactorOnEachStore: a password, then a passkey, on each
// store: the options allow the user's one passkey, the session is AAL2
// with both factors, and the passkey's use is recorded.
func TestPasskeySecondFactorOnEachStore(t *testing.T) {
	forEachStore(t, func(t *testing.T, store vigil.Store) {
		p := newPasskeyEngine(t, store)
		a := webauthntest.New(passkeyOrigin)
		p.register(a)
		p.clock.Advance(time.Minute)
		_, err := p.eng.Login(t.Context(), "alice", p.pw, nil, auth.Actor{IP: "192.0.2.1"})
		var step *auth.SecondStep
		if !errors.As(err, &step) || len(step.Methods) == 0 || step.Methods[0] != auth.MethodPasskey {
			t.Fatalf("Login = %v, want a second step offering a passkey first", err)
		}
		c, err := p.eng.BeginPasskeySignIn(t.Context(), step.Token)
		if err != nil {
			t.Fatal(err)
		}
		var opts struct {
			Allow []struct{ ID string } `json:"allowCredentials"`
		}
		if json.Unmarshal(c.Options, &opts) != nil || len(opts.Allow) != 1 {
			t.Fatalf("sign-in options allow %s", c.Options)
		}
		answer, err := a.Get(c.Options)
		if err != nil {
			t.Fatal(err)
		}
		cur, _, err := p.eng.CompletePasskeySignIn(t.Context(), step.Token, c.Token.String(), answer, nil, auth.Actor{IP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		if cur.Session.AAL != vigil.AAL2 || cur.Session.Factors != vigil.FactorPassword|vigil.FactorPasskey {
			t.Fatalf("session at AAL %d with %v", cur.Session.AAL, cur.Session.Factors)
		}
		creds, err := store.WebAuthnCredentials(t.Context(), cur.User.ID)
		if err != nil || len(creds) != 1 || creds[0].SignCount != 1 || !creds[0].LastUsedAt.Equal(p.clock.Now()) {
			t.Fatalf("credentials after use: %+v, %v", creds, err)
		}
	})
}

// TestPasskeyBothCountersZero: an authenticator that keeps no counter
// (always 0) signs in every time: only a counter that goes back from a
// non-zero one is a clone (WebAuthn §6.1.1).
func TestPasskeyBothCountersZero(t *testing.T) {
	p := newPasskeyEngine(t, testkit.SQLite(t))
	a := webauthntest.New(passkeyOrigin)
	cred := p.register(a)
	cred.NoCounter = true
	for i := range 2 {
		c, err := p.eng.BeginPasskeyStepUp(t.Context(), p.cur)
		if err != nil {
			t.Fatal(err)
		}
		answer, err := a.Get(c.Options)
		if err != nil {
			t.Fatal(err)
		}
		if p.cur, err = p.eng.PasskeyStepUp(t.Context(), p.cur, c.Token.String(), answer, admin); err != nil {
			t.Fatalf("step-up %d with a zero counter: %v", i+1, err)
		}
	}
}

// TestSweepDeletesExpiredCeremonies: the sweep deletes ceremonies past
// their lifetime, and a ceremony past it cannot be finished anyway.
func TestSweepDeletesExpiredCeremonies(t *testing.T) {
	store := testkit.SQLite(t)
	p := newPasskeyEngine(t, store)
	c, err := p.eng.BeginPasskeyLogin(t.Context(), auth.Actor{IP: "192.0.2.9"})
	if err != nil {
		t.Fatal(err)
	}
	p.clock.Advance(auth.CeremonyTTL)
	if _, _, err := p.eng.PasskeyLogin(t.Context(), c.Token.String(), []byte(`{}`), nil, auth.Actor{}); vigil.ErrorCode(err) != vigil.CodeInvalidRequest {
		t.Fatalf("finish at the ceremony's expiry: %v, want INVALID_REQUEST", err)
	}
	if _, err := p.eng.BeginPasskeyLogin(t.Context(), auth.Actor{IP: "192.0.2.9"}); err != nil {
		t.Fatal(err)
	}
	p.clock.Advance(time.Second + auth.CeremonyTTL)
	if _, err := p.eng.SweepOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n, err := store.DeleteCeremoniesBefore(t.Context(), p.clock.Now().Add(time.Hour), 100); err != nil || n != 0 {
		t.Fatalf("after the sweep %d ceremonies were left, %v", n, err)
	}
}

// TestPasswordlessCeremoniesPerAddress: one address begins at most 120
// passwordless ceremonies a minute; another address is not held up, and
// the first may begin more a minute later.
func TestPasswordlessCeremoniesPerAddress(t *testing.T) {
	p := newPasskeyEngine(t, testkit.SQLite(t))
	from := auth.Actor{IP: "192.0.2.50"}
	for i := range 120 {
		if _, err := p.eng.BeginPasskeyLogin(t.Context(), from); err != nil {
			t.Fatalf("ceremony %d: %v", i+1, err)
		}
	}
	_, err := p.eng.BeginPasskeyLogin(t.Context(), from)
	var ve *vigil.Error
	if !errors.As(err, &ve) || ve.Code != vigil.CodeRateLimited || ve.RetryAfter != time.Minute {
		t.Fatalf("ceremony 121: %v, want RATE_LIMITED for a minute", err)
	}
	if _, err := p.eng.BeginPasskeyLogin(t.Context(), auth.Actor{IP: "192.0.2.51"}); err != nil {
		t.Fatalf("another address: %v", err)
	}
	p.clock.Advance(time.Minute)
	if _, err := p.eng.BeginPasskeyLogin(t.Context(), from); err != nil {
		t.Fatalf("a minute later: %v", err)
	}
}
