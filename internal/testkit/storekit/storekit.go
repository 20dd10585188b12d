package storekit

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
)

// Store is what NewSession needs of a store.
type Store interface {
	vigil.UserStore
	vigil.SessionStore
}

// NewSession creates the patient username unless s has it, and a live
// session of that user with token tok, created and last active at at. It
// fails the test if the store refuses either.
func NewSession(t testing.TB, s Store, username string, tok vigil.Token, at time.Time) *vigil.Session {
	t.Helper()
	ctx := context.Background()
	u, err := s.UserByUsername(ctx, username)
	if errors.Is(err, vigil.ErrNotFound) {
		u = &vigil.User{Username: username, Role: vigil.RolePatient, CreatedAt: at}
		err = s.CreateUser(ctx, u)
	}
	if err != nil {
		t.Fatal(err)
	}
	ses := &vigil.Session{ID: vigil.NewID(), TokenHash: tok.Hash(), UserID: u.ID, CreatedAt: at, LastActivity: at}
	if err := s.CreateSession(ctx, ses); err != nil {
		t.Fatal(err)
	}
	return ses
}
