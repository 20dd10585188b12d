package storetest

import (
	"bytes"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigilauth/vigil"
)

var ceremonyTests = []test{
	{"CreateConsume", testCeremony},
	{"Expiry", testCeremonyExpiry},
	{"ConsumedOnce", testCeremonyConsumedOnce},
	{"BoundedPerUser", testCeremoniesBounded},
	{"ExpiredPasswordlessGo", testCeremonyPasswordlessPruned},
	{"UnknownUser", testCeremonyUnknownUser},
	{"DeleteBefore", testCeremoniesDeleteBefore},
}

// ceremony stores a ceremony of kind for userID (0: passwordless),
// expiring at expires, created at t0.
func (f *fixture) ceremony(kind vigil.CeremonyKind, userID int64, expires time.Time) vigil.Ceremony {
	f.Helper()
	c := vigil.Ceremony{Hash: vigil.NewToken().Hash(), Kind: kind, UserID: userID, Bound: "bound-" + string(kind),
		Data: []byte(`{"challenge":"` + vigil.NewID() + `"}`), ExpiresAt: expires}
	f.ok(f.s.CreateCeremony(f.ctx, c, t0), "CreateCeremony")
	return c
}

// checkCeremony compares a ceremony the store returned.
func (f *fixture) checkCeremony(what string, got *vigil.Ceremony, want vigil.Ceremony) {
	f.Helper()
	if got == nil || got.Hash != want.Hash || got.Kind != want.Kind || got.UserID != want.UserID ||
		got.Bound != want.Bound || !bytes.Equal(got.Data, want.Data) {
		f.Fatalf("%s = %+v, want %+v", what, got, want)
	}
	sameTime(f, what+".ExpiresAt", got.ExpiresAt, want.ExpiresAt)
}

func testCeremony(f *fixture) {
	alice := f.user("alice")
	reg := f.ceremony(vigil.CeremonyRegistration, alice.ID, at(5*time.Minute))
	free := f.ceremony(vigil.CeremonyPasswordless, 0, at(5*time.Minute).In(elsewhere))
	got, err := f.s.ConsumeCeremony(f.ctx, reg.Hash, at(time.Minute))
	f.ok(err, "ConsumeCeremony")
	f.checkCeremony("ConsumeCeremony", got, reg)
	got, err = f.s.ConsumeCeremony(f.ctx, free.Hash, at(time.Minute))
	f.ok(err, "ConsumeCeremony(passwordless)")
	f.checkCeremony("ConsumeCeremony(passwordless)", got, free)
	_, err = f.s.ConsumeCeremony(f.ctx, reg.Hash, at(time.Minute))
	f.isErr(err, vigil.ErrNotFound, "ConsumeCeremony(used)")
	_, err = f.s.ConsumeCeremony(f.ctx, vigil.NewToken().Hash(), at(time.Minute))
	f.isErr(err, vigil.ErrNotFound, "ConsumeCeremony(unknown)")
	taken := f.ceremony(vigil.CeremonyStepUp, alice.ID, at(5*time.Minute))
	dup := vigil.Ceremony{Hash: taken.Hash, Kind: vigil.CeremonyPasswordless, Data: []byte("{}"), ExpiresAt: at(time.Hour)}
	f.isErr(f.s.CreateCeremony(f.ctx, dup, t0), vigil.ErrConflict, "CreateCeremony(taken hash)")
}

func testCeremonyExpiry(f *fixture) {
	c := f.ceremony(vigil.CeremonySignIn, f.user("alice").ID, at(5*time.Minute))
	_, err := f.s.ConsumeCeremony(f.ctx, c.Hash, at(5*time.Minute))
	f.isErr(err, vigil.ErrNotFound, "ConsumeCeremony at its expiry")
	got, err := f.s.ConsumeCeremony(f.ctx, c.Hash, at(5*time.Minute-time.Microsecond))
	f.ok(err, "ConsumeCeremony just before its expiry")
	f.checkCeremony("just before its expiry", got, c)
}

func testCeremonyConsumedOnce(f *fixture) {
	c := f.ceremony(vigil.CeremonyPasswordless, 0, at(5*time.Minute))
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := f.s.ConsumeCeremony(f.ctx, c.Hash, at(time.Minute)); err == nil {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if n := wins.Load(); n != 1 {
		f.Errorf("%d concurrent ConsumeCeremony calls won, want exactly 1", n)
	}
}

// testCeremoniesBounded: a user keeps at most vigil.MaxCeremonies; a new
// one replaces the oldest, and the user's expired ones go first. Another
// user's are left alone.
func testCeremoniesBounded(f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	bobs := f.ceremony(vigil.CeremonyStepUp, bob.ID, at(time.Minute))
	var list []vigil.Ceremony
	for i := range vigil.MaxCeremonies + 1 {
		list = append(list, f.ceremony(vigil.CeremonyRegistration, alice.ID, at(time.Duration(i+1)*time.Minute)))
	}
	_, err := f.s.ConsumeCeremony(f.ctx, list[0].Hash, at(0))
	f.isErr(err, vigil.ErrNotFound, "ConsumeCeremony(the oldest, beyond the bound)")
	for i, c := range list[1:] {
		got, err := f.s.ConsumeCeremony(f.ctx, c.Hash, at(0))
		f.ok(err, "ConsumeCeremony(one within the bound)")
		f.checkCeremony("ceremony "+string(rune('1'+i)), got, c)
	}
	got, err := f.s.ConsumeCeremony(f.ctx, bobs.Hash, at(0))
	f.ok(err, "ConsumeCeremony(another user's)")
	f.checkCeremony("another user's", got, bobs)

	expired := vigil.Ceremony{Hash: vigil.NewToken().Hash(), Kind: vigil.CeremonySignIn, UserID: alice.ID, Data: []byte("{}"), ExpiresAt: t0}
	f.ok(f.s.CreateCeremony(f.ctx, expired, at(-time.Hour)), "CreateCeremony(expiring at t0)")
	f.ceremony(vigil.CeremonySignIn, alice.ID, at(time.Hour))
	if n, err := f.s.DeleteCeremoniesBefore(f.ctx, at(time.Second), 100); err != nil || n != 0 {
		f.Errorf("DeleteCeremoniesBefore after a new ceremony = %d, %v; want the user's expired one gone already", n, err)
	}
}

// testCeremonyPasswordlessPruned: a new passwordless ceremony deletes the
// expired passwordless ones, and no unexpired one.
func testCeremonyPasswordlessPruned(f *fixture) {
	old := vigil.Ceremony{Hash: vigil.NewToken().Hash(), Kind: vigil.CeremonyPasswordless, Data: []byte("{}"), ExpiresAt: t0}
	f.ok(f.s.CreateCeremony(f.ctx, old, at(-time.Hour)), "CreateCeremony(expiring at t0)")
	live := f.ceremony(vigil.CeremonyPasswordless, 0, at(time.Hour))
	f.ceremony(vigil.CeremonyPasswordless, 0, at(time.Hour))
	if n, err := f.s.DeleteCeremoniesBefore(f.ctx, at(time.Second), 100); err != nil || n != 0 {
		f.Errorf("DeleteCeremoniesBefore = %d, %v; want the expired passwordless one gone already", n, err)
	}
	got, err := f.s.ConsumeCeremony(f.ctx, live.Hash, at(time.Minute))
	f.ok(err, "ConsumeCeremony(unexpired passwordless)")
	f.checkCeremony("unexpired passwordless", got, live)
}

func testCeremonyUnknownUser(f *fixture) {
	c := vigil.Ceremony{Hash: vigil.NewToken().Hash(), Kind: vigil.CeremonyStepUp, UserID: 987654, Data: []byte("{}"), ExpiresAt: at(time.Hour)}
	f.isErr(f.s.CreateCeremony(f.ctx, c, t0), vigil.ErrNotFound, "CreateCeremony(no such user)")
}

func testCeremoniesDeleteBefore(f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	f.ceremony(vigil.CeremonySignIn, alice.ID, at(time.Minute))
	f.ceremony(vigil.CeremonyPasswordless, 0, at(2*time.Minute))
	keep := f.ceremony(vigil.CeremonyStepUp, bob.ID, at(time.Hour))
	if n, err := f.s.DeleteCeremoniesBefore(f.ctx, at(time.Hour), 0); err != nil || n != 0 {
		f.Errorf("DeleteCeremoniesBefore(limit 0) = %d, %v; want 0, nil", n, err)
	}
	if n, err := f.s.DeleteCeremoniesBefore(f.ctx, at(time.Hour), 1); err != nil || n != 1 {
		f.Errorf("DeleteCeremoniesBefore(limit 1) = %d, %v; want 1, nil", n, err)
	}
	if n, err := f.s.DeleteCeremoniesBefore(f.ctx, at(time.Hour), 10); err != nil || n != 1 {
		f.Errorf("DeleteCeremoniesBefore(the rest) = %d, %v; want 1, nil", n, err)
	}
	got, err := f.s.ConsumeCeremony(f.ctx, keep.Hash, at(time.Minute))
	f.ok(err, "ConsumeCeremony(not expired by `before`)")
	f.checkCeremony("kept", got, keep)
}
