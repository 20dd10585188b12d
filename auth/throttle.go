package auth

import (
	"context"
	"net/netip"
	"slices"
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

// Attempts in flight. An admitted attempt is recorded as pending, atomically
// with the lock check, and pending attempts count toward a key's limit: so
// guesses sent in parallel cannot all pass the check before any of them
// has failed. When the attempt is settled its pending entry goes, and a
// failure is recorded if it failed. Pending attempts are not failures: a
// burst of good logins from one address (a clinic behind one NAT) waits a
// second for those in flight, not minutes for a lock.
const (
	// inFlightWait is the Retry-After of an attempt refused because
	// attempts still being checked fill the key's limit: they settle
	// within about a hash's time.
	inFlightWait = time.Second
	// pendingTTL is how long an attempt may stay unsettled; then it counts
	// as a failure (its instance stopped in the middle of the check).
	pendingTTL = time.Minute
	// settleTimeout bounds the store writes that settle an attempt, which
	// run even when the request's context has ended.
	settleTimeout = 5 * time.Second
)

type throttle struct {
	store vigil.ThrottleStore
}

// rule is one throttling rule: fail records a failure at a time, full says
// whether failures and pending attempts leave no room for another at now.
type rule struct {
	fail func(vigil.ThrottleState, time.Time) vigil.ThrottleState
	full func(vigil.ThrottleState, time.Time) bool
}

var (
	userRule = rule{fail: userFailure, full: userFull}
	ipRule   = rule{fail: ipFailure, full: ipFull}
)

// Throttle keys. The username rule applies to the key of a username, and
// to one key shared by every name that is not a valid username, so that
// such a name is throttled like an unknown user without its text (up to
// the body limit) ever being stored.
const invalidUsernameKey = "user:(invalid)" // "(" is never in a valid username

func userKey(username string) string { return "user:" + username }

// ipKey is the key of a client address: the address in its canonical form
// (an IPv4-mapped IPv6 address as IPv4, no zone), so that one client has
// one key however its address is spelled; anything else the client-address
// function returned is bounded like an audit field.
func ipKey(ip string) string {
	if addr, err := netip.ParseAddr(ip); err == nil {
		return "ip:" + addr.Unmap().WithZone("").String()
	}
	return "ip:" + bounded(ip, maxAuditIP)
}

// attempt admits one password check counted under key (a username's, see
// userKey) from the address at now, or returns how long to wait. An
// admitted attempt is pending until settle; a refused one counts nothing
// and must compute no hash.
func (t *throttle) attempt(ctx context.Context, key, ip string, now time.Time) (time.Duration, error) {
	if wait, err := t.admit(ctx, key, now, userRule); err != nil || wait > 0 {
		return wait, err
	}
	if ip == "" {
		return 0, nil
	}
	wait, err := t.admit(ctx, ipKey(ip), now, ipRule)
	if err != nil || wait > 0 {
		// Refused after all: the pending entry under key goes, uncounted,
		// even if the client has just left (else it would count as a
		// failure once it expired).
		ctx, cancel := detached(ctx)
		defer cancel()
		keep := func(st vigil.ThrottleState, _ bool) vigil.ThrottleState { return st }
		if uerr := t.settleKey(ctx, key, now, keep); err == nil {
			err = uerr
		}
	}
	return wait, err
}

// admit adds a pending attempt under key unless key is locked or full at
// now; otherwise it returns the wait.
func (t *throttle) admit(ctx context.Context, key string, now time.Time, r rule) (time.Duration, error) {
	var wait time.Duration
	_, err := t.store.UpdateThrottle(ctx, key, func(st vigil.ThrottleState) vigil.ThrottleState {
		st = expire(st, now, r)
		if wait = st.LockedUntil.Sub(now); wait > 0 {
			return st
		}
		if r.full(st, now) {
			wait = inFlightWait
			return st
		}
		st.Pending = insertTime(st.Pending, now)
		return st
	})
	return max(wait, 0), err
}

// settle ends the attempt admitted at `at` under key, at now: ok means the
// password was right, and key's failures are forgotten (SPEC: a success
// resets the count); otherwise a failure at now is recorded under key and
// the address. An attempt that took so long its pending entry already expired
// into a failure (at `at`) is not counted twice: a success takes that
// failure back, a failure leaves it. It writes even if ctx has ended (a
// client that left mid-check has its attempt counted); an attempt it
// cannot settle counts as failed after pendingTTL.
func (t *throttle) settle(ctx context.Context, key, ip string, at, now time.Time, ok bool) error {
	ctx, cancel := detached(ctx)
	defer cancel()
	user := func(st vigil.ThrottleState, pending bool) vigil.ThrottleState {
		switch {
		case ok:
			return vigil.ThrottleState{Pending: st.Pending}
		case pending:
			return userFailure(st, now)
		}
		return st // already counted when it expired
	}
	if err := t.settleKey(ctx, key, at, user); err != nil || ip == "" {
		return err
	}
	return t.settleKey(ctx, ipKey(ip), at, func(st vigil.ThrottleState, pending bool) vigil.ThrottleState {
		switch {
		case ok && pending:
			return st
		case ok:
			return ipTakeBack(st, at)
		case pending:
			return ipFailure(st, now)
		}
		return st
	})
}

// detached is ctx without its cancellation, bounded by settleTimeout: the
// writes that settle an attempt go on after the client has left.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
}

// settleKey removes the pending entry of `at` under key, then applies
// then, telling it whether the entry was still pending (not expired into
// a failure meanwhile).
func (t *throttle) settleKey(ctx context.Context, key string, at time.Time, then func(vigil.ThrottleState, bool) vigil.ThrottleState) error {
	_, err := t.store.UpdateThrottle(ctx, key, func(st vigil.ThrottleState) vigil.ThrottleState {
		i := slices.IndexFunc(st.Pending, at.Equal)
		if i >= 0 {
			st.Pending = slices.Delete(slices.Clone(st.Pending), i, i+1)
		}
		return then(st, i >= 0)
	})
	return err
}

// ipTakeBack removes the failure an expired attempt of `at` left, and the
// lock it may have set, when that attempt turns out to have succeeded.
func ipTakeBack(st vigil.ThrottleState, at time.Time) vigil.ThrottleState {
	if i := slices.IndexFunc(st.Failures, at.Equal); i >= 0 {
		st.Failures = slices.Delete(slices.Clone(st.Failures), i, i+1)
	}
	st.Streak = len(st.Failures)
	if st.Streak < ipFailures {
		st.LockedUntil = time.Time{}
	}
	return st
}

// clear forgets the username's failures (a completed password reset).
func (t *throttle) clear(ctx context.Context, username string) error {
	return t.store.ResetThrottle(ctx, userKey(username))
}

// expire turns attempts pending for longer than pendingTTL into failures
// at the time they were admitted.
func expire(st vigil.ThrottleState, now time.Time, r rule) vigil.ThrottleState {
	for len(st.Pending) > 0 && now.Sub(st.Pending[0]) >= pendingTTL {
		at := st.Pending[0]
		st.Pending = st.Pending[1:]
		st = r.fail(st, at)
	}
	return st
}

// userFull: within a streak (after a lock), one attempt at a time;
// otherwise failures in the last 15 minutes and attempts in flight
// together stay under 5.
func userFull(st vigil.ThrottleState, now time.Time) bool {
	if st.Streak >= userFailures && now.Sub(st.LockedUntil) <= userWindow {
		return len(st.Pending) > 0
	}
	return len(within(st.Failures, now.Add(-userWindow)))+len(st.Pending) >= userFailures
}

// ipFull: failures in the last 5 minutes and attempts in flight together
// stay under 30.
func ipFull(st vigil.ThrottleState, now time.Time) bool {
	return len(within(st.Failures, now.Add(-ipWindow)))+len(st.Pending) >= ipFailures
}

// userFailure is the username rule. Until the lock, Failures is a sliding
// window of the last 15 minutes; once locked, every further failure doubles
// the wait, until 15 quiet minutes after a lock ends start a new streak.
func userFailure(st vigil.ThrottleState, now time.Time) vigil.ThrottleState {
	if st.Streak >= userFailures && now.Sub(st.LockedUntil) > userWindow {
		st = vigil.ThrottleState{Pending: st.Pending}
	}
	if st.Streak < userFailures {
		st.Failures = insertTime(within(st.Failures, now.Add(-userWindow)), now)
		st.Streak = len(st.Failures)
		if st.Streak >= userFailures {
			st.LockedUntil = now.Add(userWait(st.Streak))
		}
		return st
	}
	st.Streak++
	st.Failures = lastN(insertTime(st.Failures, now), userFailures)
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
	st.Failures = lastN(insertTime(within(st.Failures, now.Add(-ipWindow)), now), ipFailures)
	st.Streak = len(st.Failures)
	if st.Streak >= ipFailures {
		st.LockedUntil = st.Failures[0].Add(ipWindow)
	}
	return st
}

// insertTime returns ts (oldest first) with t in its place, in a new
// slice: attempts settle in any order, and instances' clocks differ.
func insertTime(ts []time.Time, t time.Time) []time.Time {
	i := len(ts)
	for i > 0 && ts[i-1].After(t) {
		i--
	}
	return slices.Insert(slices.Clone(ts), i, t)
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
