package auth

import (
	"context"
	"time"

	"github.com/vigilauth/vigil"
)

// Throttling rules (SPEC §3 "Throttling and enumeration"; OWASP ASVS 5.0
// 6.3.1, NIST 800-63B-4 §3.2.2 rate limiting). The decision lives here; the
// store only keeps each key's state, so it survives restarts and is shared
// by instances.
const (
	userWindow   = 15 * time.Minute // failures counted per username within this
	userFailures = 5                // ... this many lock the username
	userBaseWait = time.Minute      // first lockout; doubles per further failure
	userMaxWait  = time.Hour        // cap
	ipWindow     = 5 * time.Minute  // failures counted per client address within this
	ipFailures   = 30               // ... this many lock the address
)

type throttle struct {
	store vigil.ThrottleStore
}

func userKey(username string) string { return "user:" + username }
func ipKey(ip string) string         { return "ip:" + ip }

// attempt admits one password check for the username from the address,
// or returns how long to wait. An admitted attempt is counted as a failure
// up front, atomically with the lock check, so that guesses sent in
// parallel cannot all pass the check before any failure is recorded; a
// success then takes it back (succeed). A throttled attempt counts nothing
// and must compute no hash.
func (t *throttle) attempt(ctx context.Context, username, ip string, now time.Time) (time.Duration, error) {
	if wait, err := t.admit(ctx, userKey(username), now, userFailure); err != nil || wait > 0 {
		return wait, err
	}
	if ip == "" {
		return 0, nil
	}
	return t.admit(ctx, ipKey(ip), now, ipFailure)
}

// admit records a failure under key unless key is locked at now.
func (t *throttle) admit(ctx context.Context, key string, now time.Time, rule func(vigil.ThrottleState, time.Time) vigil.ThrottleState) (time.Duration, error) {
	var wait time.Duration
	_, err := t.store.UpdateThrottle(ctx, key, func(st vigil.ThrottleState) vigil.ThrottleState {
		if wait = st.LockedUntil.Sub(now); wait > 0 {
			return st
		}
		return rule(st, now)
	})
	return max(wait, 0), err
}

// succeed takes back what attempt counted for a password that was right:
// the username's failures are forgotten (SPEC: a success resets the count)
// and the address's failure of this attempt is removed.
func (t *throttle) succeed(ctx context.Context, username, ip string, at time.Time) error {
	if err := t.store.ResetThrottle(ctx, userKey(username)); err != nil || ip == "" {
		return err
	}
	_, err := t.store.UpdateThrottle(ctx, ipKey(ip), func(st vigil.ThrottleState) vigil.ThrottleState {
		return ipSuccess(st, at)
	})
	return err
}

// clear forgets the username's failures (a completed password reset).
func (t *throttle) clear(ctx context.Context, username string) error {
	return t.store.ResetThrottle(ctx, userKey(username))
}

// userFailure is the username rule. Until the lock, Failures is a sliding
// window of the last 15 minutes; once locked, every further failure doubles
// the wait, until 15 quiet minutes after a lock ends start a new streak.
func userFailure(st vigil.ThrottleState, now time.Time) vigil.ThrottleState {
	if st.Streak >= userFailures && now.Sub(st.LockedUntil) > userWindow {
		st = vigil.ThrottleState{}
	}
	if st.Streak < userFailures {
		st.Failures = append(within(st.Failures, now.Add(-userWindow)), now)
		st.Streak = len(st.Failures)
		if st.Streak >= userFailures {
			st.LockedUntil = now.Add(userWait(st.Streak))
		}
		return st
	}
	st.Streak++
	st.Failures = lastN(append(st.Failures, now), userFailures)
	st.LockedUntil = now.Add(userWait(st.Streak))
	return st
}

// userWait is the lockout after the n-th failure of a streak (n >= 5).
func userWait(n int) time.Duration {
	w := userBaseWait
	for i := userFailures; i < n && w < userMaxWait; i++ {
		w *= 2
	}
	return min(w, userMaxWait)
}

// ipFailure is the address rule: at most 30 failures in any 5 minutes; the
// lock lasts until the oldest of the last 30 leaves the window.
func ipFailure(st vigil.ThrottleState, now time.Time) vigil.ThrottleState {
	st.Failures = lastN(append(within(st.Failures, now.Add(-ipWindow)), now), ipFailures)
	st.Streak = len(st.Failures)
	if st.Streak >= ipFailures {
		st.LockedUntil = st.Failures[0].Add(ipWindow)
	}
	return st
}

// ipSuccess removes the failure attempt counted at `at`, and the lock it
// may have set.
func ipSuccess(st vigil.ThrottleState, at time.Time) vigil.ThrottleState {
	for i := len(st.Failures) - 1; i >= 0; i-- {
		if st.Failures[i].Equal(at) {
			st.Failures = append(st.Failures[:i:i], st.Failures[i+1:]...)
			break
		}
	}
	st.Streak = len(st.Failures)
	if st.Streak < ipFailures {
		st.LockedUntil = time.Time{}
	}
	return st
}

// within returns the times after since.
func within(ts []time.Time, since time.Time) []time.Time {
	out := ts[:0:0]
	for _, t := range ts {
		if t.After(since) {
			out = append(out, t)
		}
	}
	return out
}

func lastN(ts []time.Time, n int) []time.Time {
	if len(ts) > n {
		return ts[len(ts)-n:]
	}
	return ts
}

// rateLimited is the answer to a throttled attempt.
func rateLimited(wait time.Duration) *vigil.Error {
	return &vigil.Error{
		Code:       vigil.CodeRateLimited,
		Message:    "Too many failed attempts. Please wait before trying again.",
		RetryAfter: wait,
	}
}
