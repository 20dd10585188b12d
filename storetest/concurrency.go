package storetest

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigilauth/vigil"
)

var concurrencyTests = []test{
	{"SessionEndsOnce", testConcurrentEnd},
	{"EndUserSessionsWhileCreating", testConcurrentRevokeAndCreate},
}

func testConcurrentEnd(f *fixture) {
	alice := f.user("alice")
	s := f.session(alice, t0)
	before := f.lastRevocation()
	var ended atomic.Int32
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			if err := f.s.TouchSessions(f.ctx, []vigil.Touch{{ID: s.ID, At: at(time.Duration(i) * time.Second)}}); err != nil {
				f.Errorf("TouchSessions: %v", err)
			}
			ok, err := f.s.EndSession(f.ctx, s.ID, vigil.ReasonLogout, at(time.Hour))
			if err != nil {
				f.Errorf("EndSession: %v", err)
			}
			if ok {
				ended.Add(1)
			}
		})
	}
	wg.Wait()
	if n := ended.Load(); n != 1 {
		f.Errorf("%d of 32 concurrent EndSession calls ended the session, want exactly 1", n)
	}
	if got := f.byToken(s, alice); got.Live() || got.EndReason != vigil.ReasonLogout {
		f.Errorf("session after the race: %+v, want ended for logout", got)
	}
	if log := f.revocationsAfter(before); len(log) != 1 || !named(log, s) {
		f.Errorf("revocation log after the race = %+v, want one entry naming %s", log, s.ID)
	}
}

// testConcurrentRevokeAndCreate races logins against revoke-all: nothing
// fails, and every session ends exactly once, by one EndUserSessions call.
func testConcurrentRevokeAndCreate(f *fixture) {
	alice := f.user("alice")
	var mu sync.Mutex
	created := map[string]bool{}
	ended := map[string]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				s := &vigil.Session{ID: vigil.NewID(), TokenHash: vigil.NewToken().Hash(),
					UserID: alice.ID, CreatedAt: t0, LastActivity: t0}
				if err := f.s.CreateSession(f.ctx, s); err != nil {
					f.Errorf("CreateSession: %v", err)
					return
				}
				mu.Lock()
				created[s.ID] = true
				mu.Unlock()
			}
		})
	}
	revoke := func() {
		ids, err := f.s.EndUserSessions(f.ctx, alice.ID, "", vigil.ReasonRevoked, at(time.Hour))
		if err != nil {
			f.Errorf("EndUserSessions: %v", err)
		}
		mu.Lock()
		for _, id := range ids {
			ended[id]++
		}
		mu.Unlock()
	}
	for range 4 {
		wg.Go(func() {
			for range 5 {
				revoke()
			}
		})
	}
	wg.Wait()
	revoke()
	if len(ended) != len(created) {
		f.Errorf("%d sessions created, %d ended", len(created), len(ended))
	}
	for id, n := range ended {
		if n != 1 || !created[id] {
			f.Errorf("session %s: ended %d times, created: %v", id, n, created[id])
		}
	}
}
