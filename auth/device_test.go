package auth_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

const (
	home     = "192.0.2.1"    // alice's own network
	attacker = "203.0.113.66" // someone guessing alice's password
)

// deviceLogin signs in through the device credential cred ("" for none)
// and fails the test unless it succeeds; it returns the new credential.
func (e *env) deviceLogin(eng *auth.Engine, name, pw, cred string) auth.DeviceCredential {
	e.t.Helper()
	_, next, err := eng.LoginWithDevice(e.ctx, name, pw, nil, cred, actor(home))
	if err != nil {
		e.t.Fatalf("login of %s with a device credential: %v", name, err)
	}
	if next.Value == "" || !next.Expires.Equal(e.clock.Now().UTC().Truncate(time.Microsecond).Add(auth.DeviceLifetime)) {
		e.t.Fatalf("credential %+v, want one expiring %v after the login", next, auth.DeviceLifetime)
	}
	return next
}

// deviceRefused fails the test unless a login through cred is refused with
// code, without a password hash when it is RATE_LIMITED.
func (e *env) deviceRefused(name, pw, cred, code string) {
	e.t.Helper()
	work := e.hasher.Total()
	_, next, err := e.eng.LoginWithDevice(e.ctx, name, pw, nil, cred, actor(home))
	wantErr(e.t, err, code, "")
	if next.Value != "" {
		e.t.Errorf("a refused login issued a device credential")
	}
	if code == vigil.CodeRateLimited && e.hasher.Total() != work {
		e.t.Errorf("a throttled login computed %d password hashes", e.hasher.Total()-work)
	}
}

// lockOut makes 5 wrong guesses at name's password from the attacker's
// address: name is then locked for a minute.
func (e *env) lockOut(name string) {
	e.t.Helper()
	for range 5 {
		e.fail(name, attacker)
	}
	e.throttled(e.eng, name, "", home, time.Minute)
}

// TestKnownDevicePassesTheUsernameLock: an attacker who locks alice out
// does not lock out the browser she signed in with before; everyone else,
// the attacker included, stays locked out, and her success does not
// unlock them.
func TestKnownDevicePassesTheUsernameLock(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	pw := e.addUser("alice", vigil.RolePatient)
	cred := e.deviceLogin(e.eng, "alice", pw, "")
	e.clock.Set(time.Hour)
	e.lockOut("alice")

	next := e.deviceLogin(e.eng, "alice", pw, cred.Value)
	if n := len(e.events(vigil.EventLoginSucceeded)); n != 2 {
		t.Fatalf("%d login_succeeded events, want 2", n)
	}
	ev := e.events(vigil.EventLoginSucceeded)[0]
	if !strings.HasPrefix(ev.Detail, "known device ") || ev.Username != "alice" {
		t.Errorf("login through a known device audited as %q about %q, want its detail to say so", ev.Detail, ev.Username)
	}
	e.throttled(e.eng, "alice", pw, home, time.Minute)     // without the cookie: still locked
	e.throttled(e.eng, "alice", pw, attacker, time.Minute) // the attacker too
	e.deviceLogin(e.eng, "alice", pw, next.Value)          // the renewed credential works as well
	e.deviceLogin(e.eng, "alice", pw, cred.Value)          // and so does the first, until it expires
}

// TestKnownDeviceHasItsOwnLock: failures through a device credential lock
// that device under the username rule (5 within 15 minutes, the wait
// doubling), never the username or another device; a success through it
// forgets only its own failures.
func TestKnownDeviceHasItsOwnLock(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	pw := e.addUser("alice", vigil.RolePatient)
	laptop := e.deviceLogin(e.eng, "alice", pw, "").Value
	phone := e.deviceLogin(e.eng, "alice", pw, "").Value

	for range 4 {
		e.deviceRefused("alice", "a wrong guess at it", laptop, vigil.CodeInvalidCredentials)
	}
	laptop = e.deviceLogin(e.eng, "alice", pw, laptop).Value // forgets the laptop's 4
	for range 5 {
		e.deviceRefused("alice", "a wrong guess at it", laptop, vigil.CodeInvalidCredentials)
	}
	e.deviceRefused("alice", pw, laptop, vigil.CodeRateLimited)
	e.deviceLogin(e.eng, "alice", pw, phone) // another device
	e.login("alice", pw)                     // the username itself is not locked

	e.lockOut("alice")
	e.clock.Set(time.Minute) // the laptop's lock is over; its next failure doubles the wait
	e.deviceRefused("alice", "a wrong guess at it", laptop, vigil.CodeInvalidCredentials)
	_, _, err := e.eng.LoginWithDevice(e.ctx, "alice", pw, nil, laptop, actor(home))
	if ve := wantErr(t, err, vigil.CodeRateLimited, ""); ve.RetryAfter != 2*time.Minute {
		t.Errorf("the laptop's wait after a sixth failure: %v, want 2m", ve.RetryAfter)
	}
	ev := e.events(vigil.EventLoginThrottled)[0]
	if !strings.HasPrefix(ev.Detail, "known device ") {
		t.Errorf("a throttled login through a known device audited with detail %q", ev.Detail)
	}
	e.deviceLogin(e.eng, "alice", pw, phone) // the phone passes both locks
}

// TestDeviceCredentialsThatDoNotPass: a credential of another user, a
// tampered, truncated, expired or made-up one is ignored: the login is
// throttled as if there were none, never refused for it.
func TestDeviceCredentialsThatDoNotPass(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	pw := e.addUser("alice", vigil.RolePatient)
	bobs := e.deviceLogin(e.eng, "bob", e.addUser("bob", vigil.RolePatient), "").Value
	alices := e.deviceLogin(e.eng, "alice", pw, "").Value
	payload, mac, _ := strings.Cut(alices, ".")
	other, _, _ := strings.Cut(bobs, ".")
	flip := func(s string, i int) string {
		c := byte('A')
		if s[i] == 'A' {
			c = 'B'
		}
		return s[:i] + string(c) + s[i+1:]
	}
	e.lockOut("alice")
	for name, cred := range map[string]string{
		"bob's":                    bobs,
		"alice's payload, bob's":   other + "." + mac,
		"tampered payload":         flip(payload, 10) + "." + mac,
		"tampered signature":       payload + "." + flip(mac, 5),
		"no signature":             payload,
		"truncated":                alices[:len(alices)-1],
		"made up":                  "v1|x|alice|0",
		"huge":                     strings.Repeat(alices, 100),
		"not base64":               "%%%.%%%",
		"empty parts":              ".",
		"alice's, with a NUL byte": alices + "\x00",
	} {
		t.Run(name, func(t *testing.T) { e.deviceRefused("alice", pw, cred, vigil.CodeRateLimited) })
	}

	// Expired: valid until 180 days after it was issued, then not.
	e.clock.Set(auth.DeviceLifetime - time.Second)
	e.lockOut("alice")
	e.deviceLogin(e.eng, "alice", pw, alices)
	e.clock.Set(auth.DeviceLifetime)
	e.deviceRefused("alice", pw, alices, vigil.CodeRateLimited)
}

// TestKnownDeviceKeepsTheAddressRule: a device credential does not lift
// the limit of 30 failures per address.
func TestKnownDeviceKeepsTheAddressRule(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	pw := e.addUser("alice", vigil.RolePatient)
	cred := e.deviceLogin(e.eng, "alice", pw, "").Value
	for i := range 30 {
		e.fail(fmt.Sprintf("guess%02d", i), home)
	}
	e.deviceRefused("alice", pw, cred, vigil.CodeRateLimited)
}

// TestKnownDeviceHoldsUnderConcurrentGuesses: guesses sent in parallel
// through one stolen device credential get at most 5 password checks.
func TestKnownDeviceHoldsUnderConcurrentGuesses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	pw := e.addUser("alice", vigil.RolePatient)
	cred := e.deviceLogin(e.eng, "alice", pw, "").Value
	e.hasher.Reset()
	e.hasher.Gate = make(chan struct{})
	const guesses = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	returned := 0
	for i := range guesses {
		wg.Go(func() {
			e.eng.LoginWithDevice(e.ctx, "alice", fmt.Sprintf("guess-number-%02d", i), nil, cred, actor(fmt.Sprintf("198.51.100.%d", i)))
			mu.Lock()
			returned++
			mu.Unlock()
		})
	}
	eventually(t, "every guess to be checking its password or answered", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return int(e.hasher.Verifies.Load())+returned >= guesses
	})
	close(e.hasher.Gate)
	wg.Wait()
	if v := e.hasher.Verifies.Load(); v > 5 {
		t.Errorf("%d parallel guesses through one device: %d password checks, want at most 5", guesses, v)
	}
}

// TestDeviceKeySharedByEngines: a credential one instance issued is known
// to another on the same store (and to one started later).
func TestDeviceKeySharedByEngines(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	pw := e.addUser("alice", vigil.RolePatient)
	other := e.cliEngine()
	// Both ask for the key at once, on its first use.
	var wg sync.WaitGroup
	creds := make([]string, 2)
	for i, eng := range []*auth.Engine{e.eng, other} {
		wg.Go(func() {
			_, c, err := eng.LoginWithDevice(e.ctx, "alice", pw, nil, "", actor(home))
			if err != nil {
				t.Errorf("login: %v", err)
			}
			creds[i] = c.Value
		})
	}
	wg.Wait()
	e.lockOut("alice")
	e.deviceLogin(other, "alice", pw, creds[0])
	e.deviceLogin(e.eng, "alice", pw, creds[1])
	e.deviceLogin(e.newEngine(nil), "alice", pw, creds[0])
}
