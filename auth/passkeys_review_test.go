package auth_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/internal/webauthntest"
)

// credentialOutage is a store whose lookup of a passkey by its id fails
// while down is set.
type credentialOutage struct {
	vigil.Store
	down atomic.Bool
}

func (s *credentialOutage) WebAuthnCredential(ctx context.Context, id []byte) (*vigil.WebAuthnCredential, error) {
	if s.down.Load() {
		return nil, errors.New("connection refused")
	}
	return s.Store.WebAuthnCredential(ctx, id)
}

// TestPasswordlessStoreOutageIsNoRefusal: a store that cannot look the
// passkey up is the server's failure, not a refused passkey: the client
// is not told its passkey was wrong, and no failed sign-in is audited.
func TestPasswordlessStoreOutageIsNoRefusal(t *testing.T) {
	store := &credentialOutage{Store: testkit.SQLite(t)}
	p := newPasskeyEngine(t, store)
	a := webauthntest.New(passkeyOrigin)
	p.register(a)

	store.down.Store(true)
	c, err := p.eng.BeginPasskeyLogin(t.Context(), auth.Actor{IP: "192.0.2.9"})
	if err != nil {
		t.Fatal(err)
	}
	answer, err := a.Get(c.Options)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = p.eng.PasskeyLogin(t.Context(), c.Token.String(), answer, nil, auth.Actor{IP: "192.0.2.9"})
	if err == nil || vigil.ErrorCode(err) == vigil.CodeInvalidCredentials {
		t.Fatalf("PasskeyLogin with the store down: %v, want the store's error", err)
	}
	if ev := testkit.Events(t, p.eng, "", vigil.EventLoginFailed); len(ev) != 0 {
		t.Errorf("an outage audited as a failed sign-in: %+v", ev)
	}

	store.down.Store(false)
	c, err = p.eng.BeginPasskeyLogin(t.Context(), auth.Actor{IP: "192.0.2.9"})
	if err != nil {
		t.Fatal(err)
	}
	if answer, err = a.Get(c.Options); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.eng.PasskeyLogin(t.Context(), c.Token.String(), answer, nil, auth.Actor{IP: "192.0.2.9"}); err != nil {
		t.Fatalf("PasskeyLogin once the store is back: %v", err)
	}
}
