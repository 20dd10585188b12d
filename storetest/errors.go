package storetest

import (
	"context"
	"errors"
	"time"

	"github.com/vigilauth/vigil"
)

// errorTests: the errors every store owes its callers (vigil.Store's
// contract): a closed store is unavailable, a cancelled context stays a
// context error (not "unavailable", which would page an operator), a
// missing user is not found, a taken token hash conflicts.
var errorTests = []test{
	{"ClosedIsUnavailable", testClosedIsUnavailable},
	{"ContextErrorStaysContextError", testContextError},
	{"MissingUserIsNotFound", testUserMissingParent},
	{"TakenTokenHashConflicts", testTakenTokenHash},
}

func testClosedIsUnavailable(f *fixture) {
	f.closeNow()
	if err := f.s.Ping(context.Background()); !errors.Is(err, vigil.ErrUnavailable) {
		f.Errorf("Ping after Close = %v, want ErrUnavailable", err)
	}
	if _, err := f.s.UserByID(context.Background(), 1); !errors.Is(err, vigil.ErrUnavailable) {
		f.Errorf("UserByID after Close = %v, want ErrUnavailable", err)
	}
}

func testContextError(f *fixture) {
	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	_, err := f.s.UserByUsername(ctx, "alice")
	if !errors.Is(err, context.Canceled) || errors.Is(err, vigil.ErrUnavailable) {
		f.Errorf("UserByUsername with a cancelled context = %v, want context.Canceled", err)
	}
	_, err = f.s.EndSession(ctx, "x", vigil.ReasonLogout, t0)
	if !errors.Is(err, context.Canceled) || errors.Is(err, vigil.ErrUnavailable) {
		f.Errorf("EndSession with a cancelled context = %v, want context.Canceled", err)
	}
}

func testUserMissingParent(f *fixture) {
	err := f.s.CreateSession(f.ctx, &vigil.Session{ID: vigil.NewID(),
		TokenHash: vigil.NewToken().Hash(), UserID: 42, CreatedAt: t0, LastActivity: t0})
	f.isErr(err, vigil.ErrNotFound, "CreateSession for a missing user")
	err = f.s.CreateResetToken(f.ctx, vigil.ResetToken{Hash: vigil.NewToken().Hash(),
		UserID: 42, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)})
	f.isErr(err, vigil.ErrNotFound, "CreateResetToken for a missing user")
}

func testTakenTokenHash(f *fixture) {
	u := f.user("alice")
	s := f.session(u, t0)
	dup := *s
	dup.ID = vigil.NewID()
	f.isErr(f.s.CreateSession(f.ctx, &dup), vigil.ErrConflict, "CreateSession with a taken token hash")
	other := f.session(u, t0)
	f.isErr(f.s.RotateSession(f.ctx, other.ID, s.TokenHash, t0), vigil.ErrConflict, "RotateSession to a taken token hash")
}
