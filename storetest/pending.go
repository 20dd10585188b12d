package storetest

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigilauth/vigil"
)

var pendingTests = []test{
	{"CreateReadConsume", testPendingSignIn},
	{"OnePerUser", testPendingOnePerUser},
	{"Expiry", testPendingExpiry},
	{"ConsumedOnce", testPendingConsumedOnce},
	{"GoesWithUser", testPendingUnknownUser},
}

// pending stores a pending sign-in of u, expiring at expires.
func (f *fixture) pending(u *vigil.User, enrol bool, expires time.Time) vigil.PendingSignIn {
	f.Helper()
	p := vigil.PendingSignIn{Hash: vigil.NewToken().Hash(), UserID: u.ID, Enrol: enrol, PasswordAt: t0, ExpiresAt: expires}
	f.ok(f.s.CreatePendingSignIn(f.ctx, p), "CreatePendingSignIn")
	return p
}

// checkPending compares a pending sign-in the store returned.
func (f *fixture) checkPending(what string, got *vigil.PendingSignIn, want vigil.PendingSignIn) {
	f.Helper()
	if got == nil || got.Hash != want.Hash || got.UserID != want.UserID || got.Enrol != want.Enrol {
		f.Fatalf("%s = %+v, want %+v", what, got, want)
	}
	sameTime(f, what+".PasswordAt", got.PasswordAt, want.PasswordAt)
	sameTime(f, what+".ExpiresAt", got.ExpiresAt, want.ExpiresAt)
}

func testPendingSignIn(f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	p := f.pending(alice, false, at(5*time.Minute))
	q := f.pending(bob, true, at(5*time.Minute))
	got, err := f.s.PendingSignIn(f.ctx, p.Hash, at(time.Minute))
	f.ok(err, "PendingSignIn")
	f.checkPending("PendingSignIn", got, p)
	got, err = f.s.ConsumePendingSignIn(f.ctx, q.Hash, at(time.Minute))
	f.ok(err, "ConsumePendingSignIn")
	f.checkPending("ConsumePendingSignIn", got, q)
	_, err = f.s.PendingSignIn(f.ctx, q.Hash, at(time.Minute))
	f.isErr(err, vigil.ErrNotFound, "PendingSignIn(consumed)")
	_, err = f.s.ConsumePendingSignIn(f.ctx, q.Hash, at(time.Minute))
	f.isErr(err, vigil.ErrNotFound, "ConsumePendingSignIn(consumed)")
	_, err = f.s.PendingSignIn(f.ctx, vigil.NewToken().Hash(), at(time.Minute))
	f.isErr(err, vigil.ErrNotFound, "PendingSignIn(unknown)")
	f.isErr(f.s.CreatePendingSignIn(f.ctx, vigil.PendingSignIn{Hash: p.Hash, UserID: bob.ID, PasswordAt: t0, ExpiresAt: at(time.Hour)}),
		vigil.ErrConflict, "CreatePendingSignIn(taken hash)")
}

func testPendingOnePerUser(f *fixture) {
	alice := f.user("alice")
	first := f.pending(alice, false, at(5*time.Minute))
	second := f.pending(alice, false, at(6*time.Minute))
	_, err := f.s.PendingSignIn(f.ctx, first.Hash, at(time.Minute))
	f.isErr(err, vigil.ErrNotFound, "PendingSignIn(replaced)")
	got, err := f.s.PendingSignIn(f.ctx, second.Hash, at(time.Minute))
	f.ok(err, "PendingSignIn(second)")
	f.checkPending("the user's latest", got, second)
}

func testPendingExpiry(f *fixture) {
	p := f.pending(f.user("alice"), false, at(5*time.Minute))
	_, err := f.s.PendingSignIn(f.ctx, p.Hash, at(5*time.Minute))
	f.isErr(err, vigil.ErrNotFound, "PendingSignIn at its expiry")
	_, err = f.s.ConsumePendingSignIn(f.ctx, p.Hash, at(5*time.Minute))
	f.isErr(err, vigil.ErrNotFound, "ConsumePendingSignIn at its expiry")
	got, err := f.s.ConsumePendingSignIn(f.ctx, p.Hash, at(5*time.Minute-time.Microsecond))
	f.ok(err, "ConsumePendingSignIn just before its expiry")
	f.checkPending("just before its expiry", got, p)
}

func testPendingConsumedOnce(f *fixture) {
	p := f.pending(f.user("alice"), false, at(5*time.Minute))
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := f.s.ConsumePendingSignIn(f.ctx, p.Hash, at(time.Minute)); err == nil {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if n := wins.Load(); n != 1 {
		f.Errorf("%d concurrent ConsumePendingSignIn calls won, want exactly 1", n)
	}
}

func testPendingUnknownUser(f *fixture) {
	err := f.s.CreatePendingSignIn(f.ctx, vigil.PendingSignIn{Hash: vigil.NewToken().Hash(), UserID: 987654, PasswordAt: t0, ExpiresAt: at(time.Hour)})
	f.isErr(err, vigil.ErrNotFound, "CreatePendingSignIn(no such user)")
}
