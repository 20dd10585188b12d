package storetest

import (
	"errors"
	"sync"
	"time"

	"github.com/vigilauth/vigil"
)

var resetTests = []test{
	{"CheckThenConsumeOnce", testResetToken},
	{"UnknownIsNotFound", testUnknownResetToken},
	{"ExpiredIsNotFound", testExpiredResetToken},
	{"NewerInvalidatesOlder", testNewerResetToken},
	{"SingleUseUnderRace", testResetTokenRace},
}

// resetToken issues a token for u at issued, valid for 30 minutes.
func (f *fixture) resetToken(u *vigil.User, issued time.Time) vigil.TokenHash {
	f.Helper()
	h := vigil.NewToken().Hash()
	f.ok(f.s.CreateResetToken(f.ctx, vigil.ResetToken{Hash: h, UserID: u.ID,
		CreatedAt: issued, ExpiresAt: issued.Add(30 * time.Minute)}), "CreateResetToken")
	return h
}

// checkToken checks that the token looks up (without use) as user, or as
// ErrNotFound when user is nil.
func (f *fixture) checkToken(what string, h vigil.TokenHash, now time.Time, user *vigil.User) {
	f.Helper()
	id, err := f.s.ResetTokenUser(f.ctx, h, now)
	if user == nil {
		f.isErr(err, vigil.ErrNotFound, what+": ResetTokenUser")
		return
	}
	if err != nil || id != user.ID {
		f.Errorf("%s: ResetTokenUser = %d, %v; want %d, nil", what, id, err, user.ID)
	}
}

// consume uses the token, checking the outcome as checkToken does.
func (f *fixture) consume(what string, h vigil.TokenHash, now time.Time, user *vigil.User) {
	f.Helper()
	id, err := f.s.ConsumeResetToken(f.ctx, h, now)
	if user == nil {
		f.isErr(err, vigil.ErrNotFound, what+": ConsumeResetToken")
		return
	}
	if err != nil || id != user.ID {
		f.Errorf("%s: ConsumeResetToken = %d, %v; want %d, nil", what, id, err, user.ID)
	}
}

func testResetToken(f *fixture) {
	alice := f.user("alice")
	h := f.resetToken(alice, t0)
	f.checkToken("fresh", h, at(time.Minute), alice)
	f.checkToken("checked once (not used)", h, at(2*time.Minute), alice)
	f.consume("first use", h, at(3*time.Minute), alice)
	f.consume("second use", h, at(4*time.Minute), nil)
	f.checkToken("used", h, at(4*time.Minute), nil)
}

func testUnknownResetToken(f *fixture) {
	f.resetToken(f.user("alice"), t0)
	h := vigil.NewToken().Hash()
	f.checkToken("unknown", h, t0, nil)
	f.consume("unknown", h, t0, nil)
}

func testExpiredResetToken(f *fixture) {
	alice := f.user("alice")
	h := f.resetToken(alice, t0)
	f.checkToken("expired", h, at(31*time.Minute), nil)
	f.consume("expired", h, at(31*time.Minute), nil)
	f.checkToken("before expiry (the expired attempt did not use it)", h, at(29*time.Minute), alice)
	f.consume("before expiry", h, at(29*time.Minute), alice)
}

func testNewerResetToken(f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	older, bobs := f.resetToken(alice, t0), f.resetToken(bob, t0)
	newer := f.resetToken(alice, at(time.Minute))
	f.checkToken("older", older, at(2*time.Minute), nil)
	f.consume("older", older, at(2*time.Minute), nil)
	f.consume("newer", newer, at(2*time.Minute), alice)
	f.consume("another user's", bobs, at(2*time.Minute), bob)
}

func testResetTokenRace(f *fixture) {
	alice := f.user("alice")
	h := f.resetToken(alice, t0)
	var mu sync.Mutex
	won := 0
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			id, err := f.s.ConsumeResetToken(f.ctx, h, at(time.Minute))
			switch {
			case err == nil && id == alice.ID:
				mu.Lock()
				won++
				mu.Unlock()
			case !errors.Is(err, vigil.ErrNotFound):
				f.Errorf("ConsumeResetToken = %d, %v; want alice's id or ErrNotFound", id, err)
			}
		})
	}
	wg.Wait()
	if won != 1 {
		f.Errorf("%d of 16 concurrent ConsumeResetToken calls succeeded, want exactly 1", won)
	}
}
