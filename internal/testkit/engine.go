package testkit

import (
	"context"
	"testing"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

// Engine returns an engine over store that hashes with Hasher() and judges
// new passwords with Policy(). It does not run: see Run.
func Engine(store vigil.Store, opt auth.Options) *auth.Engine {
	return auth.New(store, Hasher(), Policy(), opt)
}

// Run runs e's revocation follower (which turns its session cache on)
// until the test ends, and waits for it to stop before the cleanups
// registered earlier (such as closing the store) run.
func Run(t testing.TB, e *auth.Engine) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// CreateUsers creates each user through e on behalf of by, failing the
// test at the first that cannot be created.
func CreateUsers(t testing.TB, e *auth.Engine, by auth.Actor, users ...auth.NewUser) {
	t.Helper()
	for _, u := range users {
		if _, err := e.CreateUser(context.Background(), u, by); err != nil {
			t.Fatalf("CreateUser(%s): %v", u.Username, err)
		}
	}
}

// SignIn creates u (on behalf of an empty actor) and signs it in as from,
// failing the test otherwise. It returns the live session.
func SignIn(t testing.TB, e *auth.Engine, u auth.NewUser, from auth.Actor) *auth.Current {
	t.Helper()
	CreateUsers(t, e, auth.Actor{}, u)
	cur, err := e.Login(context.Background(), u.Username, u.Password, nil, from)
	if err != nil {
		t.Fatalf("Login(%s): %v", u.Username, err)
	}
	return cur
}

// Events returns the audit events named event about username, failing the
// test if the log cannot be read.
func Events(t testing.TB, e *auth.Engine, username, event string) []vigil.Event {
	t.Helper()
	evs, err := e.Events(context.Background(), vigil.EventFilter{Username: username, Event: event})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}
