package storetest

import (
	"slices"
	"sync"
	"time"

	"github.com/vigilauth/vigil"
)

var throttleTests = []test{
	{"UnknownKeyIsZero", testThrottleZero},
	{"UpdateRoundTrips", testThrottleRoundTrip},
	{"UpdateIsAtomic", testThrottleAtomic},
	{"UpdatesRaceResets", testThrottleRacesReset},
	{"Reset", testThrottleReset},
}

// checkState compares a throttle state the store returned with want.
func (f *fixture) checkState(what string, got, want vigil.ThrottleState) {
	f.Helper()
	if len(got.Failures) != len(want.Failures) || got.Streak != want.Streak || len(got.Pending) != len(want.Pending) {
		f.Fatalf("%s = %+v, want %+v", what, got, want)
	}
	for i := range want.Failures {
		sameTime(f, what+".Failures", got.Failures[i], want.Failures[i])
	}
	for i := range want.Pending {
		sameTime(f, what+".Pending", got.Pending[i], want.Pending[i])
	}
	sameTime(f, what+".LockedUntil", got.LockedUntil, want.LockedUntil)
}

// throttle reads key's state and checks it against want.
func (f *fixture) throttle(key string, want vigil.ThrottleState) {
	f.Helper()
	got, err := f.s.Throttle(f.ctx, key)
	f.ok(err, "Throttle")
	f.checkState("Throttle("+key+")", got, want)
}

// update runs UpdateThrottle, checking that fn got was and that the
// result is returned.
func (f *fixture) update(key string, was, to vigil.ThrottleState) {
	f.Helper()
	got, err := f.s.UpdateThrottle(f.ctx, key, func(st vigil.ThrottleState) vigil.ThrottleState {
		f.checkState("state given to fn", st, was)
		return to
	})
	f.ok(err, "UpdateThrottle")
	f.checkState("UpdateThrottle result", got, to)
}

func testThrottleZero(f *fixture) {
	f.throttle("user:nobody", vigil.ThrottleState{})
	f.update("user:nobody", vigil.ThrottleState{}, vigil.ThrottleState{})
	f.throttle("user:nobody", vigil.ThrottleState{})
}

func testThrottleRoundTrip(f *fixture) {
	first := vigil.ThrottleState{Failures: []time.Time{t0, at(time.Second).In(elsewhere)},
		Streak: 2, LockedUntil: at(15 * time.Minute)}
	f.update("user:alice", vigil.ThrottleState{}, first)
	f.throttle("user:alice", first)
	second := vigil.ThrottleState{Failures: append(slices.Clone(first.Failures), at(time.Minute)), Streak: 3,
		Pending: []time.Time{at(2 * time.Minute), at(2*time.Minute + time.Microsecond).In(elsewhere)}}
	f.update("user:alice", first, second)
	f.throttle("user:alice", second)
	third := vigil.ThrottleState{Pending: second.Pending[1:]}
	f.update("user:alice", second, third)
	f.throttle("user:alice", third)
	f.throttle("ip:192.0.2.7", vigil.ThrottleState{})
}

// testThrottleRacesReset races updates of one key with resets of it:
// nothing fails, and the updates after the last reset all count.
func testThrottleRacesReset(f *fixture) {
	inc := func(st vigil.ThrottleState) vigil.ThrottleState { st.Streak++; return st }
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				if _, err := f.s.UpdateThrottle(f.ctx, "k", inc); err != nil {
					f.Errorf("UpdateThrottle: %v", err)
				}
				if err := f.s.ResetThrottle(f.ctx, "k"); err != nil {
					f.Errorf("ResetThrottle: %v", err)
				}
			}
		})
	}
	wg.Wait()
	for range 5 {
		_, err := f.s.UpdateThrottle(f.ctx, "k", inc)
		f.ok(err, "UpdateThrottle")
	}
	if st, err := f.s.Throttle(f.ctx, "k"); err != nil || st.Streak != 5 {
		f.Errorf("Throttle = %+v, %v; want Streak 5", st, err)
	}
}

func testThrottleAtomic(f *fixture) {
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			_, err := f.s.UpdateThrottle(f.ctx, "ip:192.0.2.7", func(st vigil.ThrottleState) vigil.ThrottleState {
				st.Streak++
				st.Failures = append(st.Failures, at(time.Duration(i)*time.Second))
				return st
			})
			if err != nil {
				f.Errorf("UpdateThrottle: %v", err)
			}
		})
	}
	wg.Wait()
	got, err := f.s.Throttle(f.ctx, "ip:192.0.2.7")
	f.ok(err, "Throttle")
	if got.Streak != 32 || len(got.Failures) != 32 {
		f.Errorf("after 32 concurrent increments: Streak = %d, %d failures; want 32, 32", got.Streak, len(got.Failures))
	}
}

func testThrottleReset(f *fixture) {
	locked := vigil.ThrottleState{Failures: []time.Time{t0}, Streak: 6, LockedUntil: at(time.Hour)}
	f.update("user:alice", vigil.ThrottleState{}, locked)
	f.update("user:bob", vigil.ThrottleState{}, locked)
	f.ok(f.s.ResetThrottle(f.ctx, "user:alice"), "ResetThrottle")
	f.throttle("user:alice", vigil.ThrottleState{})
	f.throttle("user:bob", locked)
	f.ok(f.s.ResetThrottle(f.ctx, "user:nobody"), "ResetThrottle(unknown)")
	f.update("user:alice", vigil.ThrottleState{}, vigil.ThrottleState{Streak: 1})
}
