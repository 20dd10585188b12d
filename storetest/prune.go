package storetest

import (
	"context"
	"time"

	"github.com/vigilauth/vigil"
)

// pruneTests: vigil.Pruner, what the engine's sweep deletes.
var pruneTests = []test{
	{"DeleteEndedSessions", testDeleteEnded},
	{"DeleteEndedSessionsInBatches", testDeleteEndedBatches},
	{"DeleteSessionsCreatedBefore", testDeleteCreatedBefore},
	{"DeleteRevocationsBeforeKeepsSeqs", testDeleteRevocations},
	{"DeleteThrottleBefore", testThrottleDelete},
	{"NoLimitDeletesNone", testPruneNoLimit},
}

func testDeleteEnded(f *fixture) {
	alice := f.user("alice")
	e1, e2, e3, live := f.session(alice, t0), f.session(alice, t0), f.session(alice, t0), f.session(alice, t0)
	f.end(e1, vigil.ReasonLogout, at(time.Hour))
	f.end(e2, vigil.ReasonLogout, at(2*time.Hour))
	f.end(e3, vigil.ReasonLogout, at(3*time.Hour))
	n, err := f.s.DeleteEndedSessions(f.ctx, at(150*time.Minute), 100)
	f.ok(err, "DeleteEndedSessions")
	if n != 2 {
		f.Errorf("DeleteEndedSessions = %d, want 2", n)
	}
	for _, s := range []*vigil.Session{e1, e2} {
		_, err := f.s.SessionByID(f.ctx, s.ID)
		f.isErr(err, vigil.ErrNotFound, "SessionByID(deleted)")
		_, _, err = f.s.SessionByToken(f.ctx, s.TokenHash)
		f.isErr(err, vigil.ErrNotFound, "SessionByToken(deleted)")
	}
	f.checkSession("ended later, kept", f.stored(e3), e3)
	f.checkSession("live, kept", f.stored(live), live)
	n, err = f.s.DeleteEndedSessions(f.ctx, at(150*time.Minute), 100)
	if n != 0 || err != nil {
		f.Errorf("DeleteEndedSessions again = %d, %v; want 0, nil", n, err)
	}
}

func testDeleteEndedBatches(f *fixture) {
	alice := f.user("alice")
	for range 5 {
		f.end(f.session(alice, t0), vigil.ReasonLogout, at(time.Hour))
	}
	live := f.session(alice, t0)
	for _, want := range []int{2, 2, 1, 0} {
		n, err := f.s.DeleteEndedSessions(f.ctx, at(2*time.Hour), 2)
		f.ok(err, "DeleteEndedSessions")
		if n != want {
			f.Errorf("DeleteEndedSessions(limit 2) = %d, want %d", n, want)
		}
	}
	f.checkSession("live, kept", f.stored(live), live)
}

func testDeleteCreatedBefore(f *fixture) {
	alice := f.user("alice")
	old1, old2, oldEnded := f.session(alice, t0), f.session(alice, at(time.Minute)), f.session(alice, at(2*time.Minute))
	f.end(oldEnded, vigil.ReasonLogout, at(time.Hour))
	young := f.session(alice, at(time.Hour))
	n, err := f.s.DeleteSessionsCreatedBefore(f.ctx, at(30*time.Minute), 2)
	f.ok(err, "DeleteSessionsCreatedBefore")
	if n != 2 {
		f.Errorf("DeleteSessionsCreatedBefore(limit 2) = %d, want 2", n)
	}
	n, err = f.s.DeleteSessionsCreatedBefore(f.ctx, at(30*time.Minute), 100)
	if n != 1 || err != nil {
		f.Errorf("DeleteSessionsCreatedBefore again = %d, %v; want 1, nil", n, err)
	}
	for _, s := range []*vigil.Session{old1, old2, oldEnded} {
		_, _, err := f.s.SessionByToken(f.ctx, s.TokenHash)
		f.isErr(err, vigil.ErrNotFound, "SessionByToken(deleted)")
	}
	f.checkSession("created later, kept", f.stored(young), young)
}

func testDeleteRevocations(f *fixture) {
	alice := f.user("alice")
	early, late := f.session(alice, t0), f.session(alice, t0)
	f.end(early, vigil.ReasonLogout, at(time.Minute))
	f.end(late, vigil.ReasonLogout, at(time.Hour))
	last := f.lastRevocation()
	n, err := f.s.DeleteRevocationsBefore(f.ctx, at(30*time.Minute), 100)
	f.ok(err, "DeleteRevocationsBefore")
	if n != 1 {
		f.Errorf("DeleteRevocationsBefore = %d, want 1", n)
	}
	f.checkNamed("after deleting the early entry", 0, late)
	if named(f.revocationsAfter(0), early) {
		f.Errorf("the early entry survived DeleteRevocationsBefore")
	}
	n, err = f.s.DeleteRevocationsBefore(f.ctx, at(2*time.Hour), 100)
	if n != 1 || err != nil {
		f.Errorf("DeleteRevocationsBefore(all) = %d, %v; want 1, nil", n, err)
	}
	// A follower that saw `last` must see what comes next: seqs go on
	// rising even with the log emptied.
	next := f.session(alice, t0)
	f.end(next, vigil.ReasonLogout, at(3*time.Hour))
	f.checkNamed("a new entry after pruning", last, next)
}

// testThrottleDelete: keys are stamped with the store's own clock when
// updated, so everything updated before now goes, and nothing before a
// time long past.
func testThrottleDelete(f *fixture) {
	st := vigil.ThrottleState{Failures: []time.Time{t0}, Streak: 1}
	f.update("ip:192.0.2.1", vigil.ThrottleState{}, st)
	f.update("user:alice", vigil.ThrottleState{}, st)
	n, err := f.s.DeleteThrottleBefore(f.ctx, time.Now().Add(-time.Hour), 100)
	if n != 0 || err != nil {
		f.Errorf("DeleteThrottleBefore(an hour ago) = %d, %v; want 0, nil", n, err)
	}
	f.throttle("user:alice", st)
	n, err = f.s.DeleteThrottleBefore(f.ctx, time.Now().Add(time.Minute), 1)
	f.ok(err, "DeleteThrottleBefore")
	if n != 1 {
		f.Errorf("DeleteThrottleBefore(limit 1) = %d, want 1", n)
	}
	n, err = f.s.DeleteThrottleBefore(f.ctx, time.Now().Add(time.Minute), 100)
	if n != 1 || err != nil {
		f.Errorf("DeleteThrottleBefore(rest) = %d, %v; want 1, nil", n, err)
	}
	f.throttle("user:alice", vigil.ThrottleState{})
	f.throttle("ip:192.0.2.1", vigil.ThrottleState{})
}

// testPruneNoLimit: a limit of 0 or less deletes nothing, whatever before
// selects.
func testPruneNoLimit(f *fixture) {
	alice := f.user("alice")
	s := f.session(alice, t0)
	f.end(s, vigil.ReasonLogout, at(time.Minute))
	st := vigil.ThrottleState{Streak: 1}
	f.update("user:alice", vigil.ThrottleState{}, st)
	later := at(100 * 365 * 24 * time.Hour) // after every row, the throttle's wall-clock stamp too
	for _, limit := range []int{0, -1} {
		for name, del := range map[string]func(context.Context, time.Time, int) (int, error){
			"DeleteEndedSessions": f.s.DeleteEndedSessions, "DeleteSessionsCreatedBefore": f.s.DeleteSessionsCreatedBefore,
			"DeleteRevocationsBefore": f.s.DeleteRevocationsBefore, "DeleteThrottleBefore": f.s.DeleteThrottleBefore,
		} {
			if n, err := del(f.ctx, later, limit); n != 0 || err != nil {
				f.Errorf("%s(limit %d) = %d, %v; want 0, nil", name, limit, n, err)
			}
		}
	}
	f.checkSession("ended session", f.stored(s), s)
	f.checkNamed("the log", 0, s)
	f.throttle("user:alice", st)
}
