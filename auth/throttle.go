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

// retryAfter returns how long the username (and the address, if known) must
// wait at now; 0 when an attempt may be made.
func (t *throttle) retryAfter(ctx context.Context, username, ip string, now time.Time) (time.Duration, error) {
	wait := time.Duration(0)
	keys := []string{userKey(username)}
	if ip != "" {
		keys = append(keys, ipKey(ip))
	}
	for _, k := range keys {
		st, err := t.store.Throttle(ctx, k)
		if err != nil {
			return 0, err
		}
		if d := st.LockedUntil.Sub(now); d > wait {
			wait = d
		}
	}
	return wait, nil
}

// fail records a failed password check for the username and the address.
func (t *throttle) fail(ctx context.Context, username, ip string, now time.Time) error {
	if _, err := t.store.UpdateThrottle(ctx, userKey(username), func(st vigil.ThrottleState) vigil.ThrottleState {
		return userFailure(st, now)
	}); err != nil {
		return err
	}
	if ip == "" {
		return nil
	}
	_, err := t.store.UpdateThrottle(ctx, ipKey(ip), func(st vigil.ThrottleState) vigil.ThrottleState {
		return ipFailure(st, now)
	})
	return err
}

// succeed forgets the username's failures (SPEC: a success resets the count).
func (t *throttle) succeed(ctx context.Context, username string) error {
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
