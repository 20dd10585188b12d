package auth_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

func TestLoginRotatesThePresentedSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	pw := e.addUser("alice", vigil.RolePatient)
	before := e.login("alice", pw)

	e.clock.Set(time.Minute)
	after, err := e.eng.Login(e.ctx, "alice", pw, &before.Token, actor("192.0.2.1"))
	if err != nil {
		t.Fatalf("Login with a presented token: %v", err)
	}
	if after.Token == before.Token || after.Session.ID == before.Session.ID {
		t.Fatalf("login kept the presented session (token or id unchanged)")
	}
	e.ended(before.Token, vigil.CodeSessionRevoked, vigil.ReasonLogout)
	e.alive(after.Token, false)
}

func TestLoginAlwaysCreatesANewSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	pw := e.addUser("alice", vigil.RolePatient)
	a, b := e.login("alice", pw), e.login("alice", pw)
	if a.Token == b.Token || a.Session.ID == b.Session.ID {
		t.Fatal("two logins share a session")
	}
	e.alive(a.Token, false)
	e.alive(b.Token, false)
}

func TestMaxSessionsRevokesTheOldest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *auth.Options) { o.Policy.MaxSessions = 2 })
	pw := e.addUser("alice", vigil.RolePatient)
	var toks []vigil.Token
	for i := range 4 {
		e.clock.Set(time.Duration(i) * time.Minute)
		toks = append(toks, e.login("alice", pw).Token)
		if i == 2 {
			e.ended(toks[0], vigil.CodeSessionRevoked, vigil.ReasonSessionLimit)
			e.alive(toks[1], false)
			e.alive(toks[2], false)
		}
	}
	e.ended(toks[1], vigil.CodeSessionRevoked, vigil.ReasonSessionLimit)
	e.alive(toks[2], false)
	e.alive(toks[3], false)
}

// TestMaxSessionsIgnoresExpiredSessions: a session that has already expired
// (but was never checked again, so its row is still open) is no session;
// it must not push a live one out.
func TestMaxSessionsIgnoresExpiredSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *auth.Options) { o.Policy.MaxSessions = 2 })
	pw := e.addUser("alice", vigil.RolePatient)
	desk := e.login("alice", pw).Token // used all along
	e.clock.Set(time.Minute)
	e.login("alice", pw) // a laptop, then left alone: expires at 31m
	for d := 10 * time.Minute; d <= 40*time.Minute; d += 10 * time.Minute {
		e.clock.Set(d)
		e.alive(desk, true)
	}
	list, err := e.eng.Sessions(e.ctx, &e.alive(desk, false).User)
	if err != nil || len(list) != 1 {
		t.Fatalf("Sessions = %d sessions, %v; want only the desk's", len(list), err)
	}

	phone := e.login("alice", pw).Token // the second live session: within the limit
	e.alive(phone, false)
	if _, err := e.eng.Check(e.ctx, desk, false); err != nil {
		t.Errorf("the desk's live session was ended by a login within the limit: %v", err)
	}
}

// fail makes a failed login and fails the test unless it is refused as
// INVALID_CREDENTIALS.
func (e *env) fail(username, ip string) {
	e.t.Helper()
	_, err := e.eng.Login(e.ctx, username, "wrong-password-"+username, nil, actor(ip))
	wantErr(e.t, err, vigil.CodeInvalidCredentials, "")
}

// throttled fails the test unless a login is refused as RATE_LIMITED with
// RetryAfter want (any positive wait for 0) without computing a hash.
func (e *env) throttled(eng *auth.Engine, username, pw, ip string, want time.Duration) {
	e.t.Helper()
	work := e.hasher.Total()
	_, err := eng.Login(e.ctx, username, pw, nil, actor(ip))
	ve := wantErr(e.t, err, vigil.CodeRateLimited, "")
	if ve.RetryAfter <= 0 || (want > 0 && ve.RetryAfter != want) {
		e.t.Errorf("RetryAfter = %v, want %v", ve.RetryAfter, want)
	}
	if d := e.hasher.Total() - work; d != 0 {
		e.t.Errorf("a throttled login computed %d password hashes, want none", d)
	}
}

func TestThrottlePerUsername(t *testing.T) {
	t.Parallel()
	for _, known := range []bool{true, false} {
		name := map[bool]string{true: "known", false: "unknown"}[known]
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, nil)
			pw := e.addUser("alice", vigil.RolePatient)
			user := "alice"
			if !known {
				user = "nobody"
			}
			// Each failure from another address: the username rule alone.
			ip := func(i int) string { return fmt.Sprintf("198.51.100.%d", i) }

			for i := range 4 {
				e.clock.Set(time.Duration(i) * time.Minute)
				e.fail(user, ip(i))
			}
			// 4 failures do not lock...
			if known {
				e.login("alice", pw)
				for i := range 4 { // start over: the success reset the count
					e.clock.Set(time.Duration(4+i) * time.Minute)
					e.fail(user, ip(i))
				}
			}
			e.clock.Set(10 * time.Minute)
			e.fail(user, ip(5)) // the 5th within 15 minutes
			until := 11 * time.Minute

			// ...the 5th does, even for the right password, and survives a restart.
			e.throttled(e.eng, user, pw, ip(6), time.Minute)
			e.throttled(e.newEngine(nil), user, pw, ip(6), time.Minute)
			e.clock.Set(until - time.Microsecond)
			e.throttled(e.eng, user, pw, ip(6), time.Microsecond)

			// Each further failure after the wait doubles it, up to an hour.
			for _, wait := range []time.Duration{2, 4, 8, 16, 32, 60, 60} {
				wait *= time.Minute
				e.clock.Set(until)
				e.fail(user, ip(7))
				e.throttled(e.eng, user, pw, ip(7), wait)
				until += wait
			}
			e.clock.Set(until)
			if !known {
				e.fail(user, ip(8)) // allowed again, and fails
				return
			}
			e.login("alice", pw) // allowed again: resets the count
			for i := range 4 {
				e.fail(user, ip(i))
			}
			e.login("alice", pw)
		})
	}
}

func TestThrottleCountsFailuresWithinFifteenMinutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	pw := e.addUser("alice", vigil.RolePatient)
	for i := range 4 {
		e.clock.Set(time.Duration(i) * time.Minute) // 0, 1, 2, 3 min
		e.fail("alice", "192.0.2.9")
	}
	e.clock.Set(16 * time.Minute) // the first has left the window: 4 in 15 min
	e.fail("alice", "192.0.2.9")
	e.login("alice", pw)
}

func TestThrottlePerAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	pw := e.addUser("alice", vigil.RolePatient)
	const attacker, other = "203.0.113.7", "203.0.113.8"
	for i := range 30 { // 30 usernames, one failure each, within 5 minutes
		e.clock.Set(time.Duration(i) * 5 * time.Second)
		e.fail(fmt.Sprintf("guess%02d", i), attacker)
	}
	e.clock.Set(3 * time.Minute)
	e.throttled(e.eng, "alice", pw, attacker, 2*time.Minute) // until the first failure is 5 min old
	e.throttled(e.eng, "someone-else", "whatever-it-is", attacker, 0)
	e.login("alice", pw) // from 192.0.2.1
	if _, err := e.eng.Login(e.ctx, "alice", pw, nil, actor(other)); err != nil {
		t.Fatalf("login from another address: %v", err)
	}
	e.clock.Set(5 * time.Minute)
	if _, err := e.eng.Login(e.ctx, "alice", pw, nil, actor(attacker)); err != nil {
		t.Fatalf("login from the address after its wait: %v", err)
	}
}

// TestThrottleHoldsUnderConcurrentGuesses: the limit is 5 failures, however
// the guesses are timed. Parallel guesses must not each get a password
// check because none of them has failed yet.
func TestThrottleHoldsUnderConcurrentGuesses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.addUser("alice", vigil.RolePatient)
	e.hasher.Reset()
	e.hasher.Gate = make(chan struct{}) // Verify waits until every guess is in

	const guesses = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	var returned int
	for i := range guesses {
		wg.Go(func() {
			_, err := e.eng.Login(e.ctx, "alice", fmt.Sprintf("guess-number-%02d", i), nil, actor("192.0.2.50"))
			mu.Lock()
			defer mu.Unlock()
			codes[vigil.ErrorCode(err)]++
			returned++
		})
	}
	// Wait until every guess is either checking a password or answered (an
	// engine that serializes checks lets only one in: then the deadline
	// passes and the gate opens anyway).
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := returned
		mu.Unlock()
		if int(e.hasher.Verifies.Load())+n >= guesses {
			break
		}
		time.Sleep(time.Millisecond)
	}
	close(e.hasher.Gate)
	wg.Wait()

	if v := e.hasher.Verifies.Load(); v > 5 {
		t.Errorf("%d parallel guesses: %d password checks (answers %v), want at most 5: the rest must be RATE_LIMITED", guesses, v, codes)
	}
}

// TestThrottleBurstOfGoodLoginsFromOneAddress: 36 people behind one
// address (a clinic's NAT) sign in at once. Attempts in flight hold the
// address's 30 places without being failures: the 6 over get a wait of a
// second, not a lock, and count nothing against their usernames; once the
// 30 succeed the address is free at once, with nothing recorded.
func TestThrottleBurstOfGoodLoginsFromOneAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	const people, clinic = 36, "203.0.113.40"
	pws := make([]string, people)
	for i := range pws {
		pws[i] = e.addUser(fmt.Sprintf("staff%02d", i), vigil.RoleClinician)
	}
	e.hasher.Reset()
	e.hasher.Gate = make(chan struct{}) // every check waits until all are in

	var wg sync.WaitGroup
	var mu sync.Mutex
	var refused []string
	var waits []time.Duration
	var returned atomic.Int32
	for i := range people {
		wg.Go(func() {
			defer returned.Add(1)
			name := fmt.Sprintf("staff%02d", i)
			_, err := e.eng.Login(e.ctx, name, pws[i], nil, actor(clinic))
			if err == nil {
				return
			}
			ve := wantErr(t, err, vigil.CodeRateLimited, "")
			mu.Lock()
			defer mu.Unlock()
			refused = append(refused, name)
			waits = append(waits, ve.RetryAfter)
		})
	}
	eventually(t, "every login to be checking its password or answered", func() bool {
		return int(e.hasher.Verifies.Load())+int(returned.Load()) >= people
	})
	close(e.hasher.Gate)
	wg.Wait()

	if v := e.hasher.Verifies.Load(); v != 30 || len(refused) != people-30 {
		t.Fatalf("%d password checks and %d refusals, want 30 and %d", v, len(refused), people-30)
	}
	for _, w := range waits {
		if w != time.Second {
			t.Errorf("a login refused while others were in flight: Retry-After %v, want 1s (not a lock)", w)
		}
	}
	for _, name := range refused {
		if st, err := e.store.Throttle(e.ctx, "user:"+name); err != nil || len(st.Failures)+len(st.Pending) != 0 {
			t.Errorf("refused %s left %+v (%v) under its username, want nothing", name, st, err)
		}
	}
	if st, err := e.store.Throttle(e.ctx, "ip:"+clinic); err != nil || len(st.Failures)+len(st.Pending) != 0 || !st.LockedUntil.IsZero() {
		t.Errorf("the address after 30 good logins: %+v (%v), want nothing recorded", st, err)
	}
	if _, err := e.eng.Login(e.ctx, refused[0], pws[0], nil, actor(clinic)); err != nil && vigil.ErrorCode(err) != vigil.CodeInvalidCredentials {
		t.Errorf("a login from the address right after the burst: %v, want it admitted", err)
	}
}

// TestThrottleSlowGoodLoginsAreNotFailures: logins that take longer than
// the pending lifetime (a long queue for a hash) are counted as failures
// by the next attempt meanwhile, which is refused; but when they then
// succeed, those failures are taken back and the address is free again.
func TestThrottleSlowGoodLoginsAreNotFailures(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	const people, clinic = 30, "203.0.113.41"
	pws := make([]string, people)
	for i := range pws {
		pws[i] = e.addUser(fmt.Sprintf("nurse%02d", i), vigil.RoleClinician)
	}
	e.hasher.Reset()
	e.hasher.Gate = make(chan struct{})
	var wg sync.WaitGroup
	for i := range people {
		wg.Go(func() {
			if _, err := e.eng.Login(e.ctx, fmt.Sprintf("nurse%02d", i), pws[i], nil, actor(clinic)); err != nil {
				t.Errorf("a slow good login: %v", err)
			}
		})
	}
	eventually(t, "every login to be checking its password", func() bool { return e.hasher.Verifies.Load() == people })
	e.clock.Set(time.Minute + time.Second) // the queue took over a minute
	if _, err := e.eng.Login(e.ctx, "nurse00", "not the password", nil, actor(clinic)); vigil.ErrorCode(err) != vigil.CodeRateLimited {
		t.Fatalf("an attempt while 30 logins are over a minute old: %v, want RATE_LIMITED", err)
	}
	close(e.hasher.Gate)
	wg.Wait()
	if st, err := e.store.Throttle(e.ctx, "ip:"+clinic); err != nil || len(st.Failures)+len(st.Pending) != 0 || !st.LockedUntil.IsZero() {
		t.Errorf("the address after 30 slow good logins: %+v (%v), want nothing recorded", st, err)
	}
	e.hasher.Gate = nil
	e.login("nurse01", pws[1])
	if _, err := e.eng.Login(e.ctx, "nurse02", pws[2], nil, actor(clinic)); err != nil {
		t.Errorf("a login from the address afterwards: %v", err)
	}
}

// TestThrottleRefusedByAddressCostsTheUsernameNothing: an attempt the
// address rule refuses leaves nothing under its username, even when its
// client leaves between the two checks: a locked address cannot be used
// to lock someone else's username.
func TestThrottleRefusedByAddressCostsTheUsernameNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	pw := e.addUser("alice", vigil.RolePatient)
	const attacker = "203.0.113.66"
	for i := range 30 {
		e.fail(fmt.Sprintf("guess%02d", i), attacker)
	}
	for range 6 {
		ctx, cancel := context.WithCancel(e.ctx)
		leave := func(key string) {
			if key == "user:alice" {
				cancel() // the client leaves right after the username's check
			}
		}
		e.store.afterThrottle.Store(&leave)
		_, err := e.eng.Login(ctx, "alice", "a guess at alice's password", nil, actor(attacker))
		e.store.afterThrottle.Store(nil)
		cancel()
		if code := vigil.ErrorCode(err); code != vigil.CodeRateLimited && !errors.Is(err, context.Canceled) {
			t.Fatalf("an attempt from the locked address: %v", err)
		}
	}
	e.clock.Set(2 * time.Minute) // past the pending lifetime: nothing may expire into failures
	if st, err := e.store.Throttle(e.ctx, "user:alice"); err != nil || len(st.Failures)+len(st.Pending) != 0 {
		t.Errorf("alice after attempts refused by the address: %+v (%v), want nothing", st, err)
	}
	e.login("alice", pw)
}

// TestThrottleUnsettledAttemptsCountAsFailures: attempts left pending by
// an instance that stopped in the middle of their checks hold their
// places, and after a minute count as failures from when they began.
func TestThrottleUnsettledAttemptsCountAsFailures(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	pw := e.addUser("alice", vigil.RolePatient)
	const ip = "198.51.100.77"
	stale := make([]time.Time, 30)
	for i := range stale {
		stale[i] = t0.Add(time.Duration(i) * time.Microsecond)
	}
	if _, err := e.store.UpdateThrottle(e.ctx, "ip:"+ip, func(vigil.ThrottleState) vigil.ThrottleState {
		return vigil.ThrottleState{Pending: stale}
	}); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(30 * time.Second)
	e.throttled(e.eng, "alice", pw, ip, time.Second) // still possibly in flight
	e.clock.Set(time.Minute + time.Second)
	// Now 30 failures at t0: the address is locked until t0 + 5 min.
	e.throttled(e.eng, "alice", pw, ip, 4*time.Minute-time.Second)
	e.clock.Set(5 * time.Minute)
	if _, err := e.eng.Login(e.ctx, "alice", pw, nil, actor(ip)); err != nil {
		t.Fatalf("login after the lock: %v", err)
	}
}

// TestThrottleClientGoneCountsAFailure: a login whose client leaves while
// its password is checked counts as a failed attempt, as if it had
// failed, however the context ended.
func TestThrottleClientGoneCountsAFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	pw := e.addUser("alice", vigil.RolePatient)
	e.hasher.Gate = make(chan struct{})
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() {
		_, err := e.eng.Login(ctx, "alice", pw+"-wrong", nil, actor("192.0.2.60"))
		done <- err
	}()
	eventually(t, "the login to be checking its password", func() bool { return e.hasher.Verifies.Load() > 0 })
	cancel()
	close(e.hasher.Gate)
	<-done
	st, err := e.store.Throttle(e.ctx, "user:alice")
	if err != nil || len(st.Failures) != 1 || len(st.Pending) != 0 {
		t.Errorf("after a login whose client left: %+v (%v), want one failure and nothing pending", st, err)
	}
}

func TestNoUsernameEnumeration(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	pw := e.addUser("alice", vigil.RolePatient)
	disabledPW := e.addUser("dora", vigil.RolePatient)
	if _, err := e.eng.SetDisabled(e.ctx, "dora", true, admin); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.CreateUser(e.ctx, auth.NewUser{Username: "newbie", Role: vigil.RolePatient}, admin); err != nil {
		t.Fatal(err) // no password yet: a reset token was issued
	}

	tests := []struct {
		name, username, password string
		verify, dummy            int64
	}{
		{"unknown user", "nobody", pw, 0, 1},
		{"wrong password", "alice", pw + "x", 1, 0},
		{"disabled user, right password", "dora", disabledPW, 1, 0},
		{"account without a password", "newbie", pw, 0, 1},
	}
	var message string
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.hasher.Reset()
			_, err := e.eng.Login(e.ctx, tc.username, tc.password, nil, actor("192.0.2.1"))
			ve := wantErr(t, err, vigil.CodeInvalidCredentials, "")
			if message == "" {
				message = ve.Message
			} else if ve.Message != message {
				t.Errorf("message %q, want the same as the others: %q", ve.Message, message)
			}
			// The same work in every case: one argon2id computation.
			if v, d, h := e.hasher.Verifies.Load(), e.hasher.Dummies.Load(), e.hasher.Hashes.Load(); v != tc.verify || d != tc.dummy || h != 0 {
				t.Errorf("Verify %d, VerifyDummy %d, Hash %d; want %d, %d, 0", v, d, h, tc.verify, tc.dummy)
			}
			if n := e.countEvents(vigil.EventLoginFailed, tc.username); n != 1 {
				t.Errorf("%d login_failed events, want 1", n)
			}
		})
	}
}

func TestUsernamesAreCaseInsensitive(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	pw := e.addUser("alice", vigil.RolePatient)
	cur := e.login("  Alice ", pw)
	if cur.User.Username != "alice" {
		t.Errorf("Username = %q, want alice", cur.User.Username)
	}
	// Failures under another spelling count for the same account.
	for range 5 {
		e.fail("ALICE", "192.0.2.3")
	}
	e.throttled(e.eng, "alice", pw, "192.0.2.4", time.Minute)
}
