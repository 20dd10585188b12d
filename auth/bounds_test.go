package auth_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/pgtest"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/postgres"
)

// The audit field bounds README.md documents, in bytes.
var auditBounds = map[string]int{
	"username": 128, "actor": 128, "category": 64, "event": 64,
	"detail": 1024, "ip": 64, "user_agent": 512, "session_id": 64,
}

// fields returns an event's text fields by their audit names.
func fields(ev vigil.Event) map[string]string {
	return map[string]string{
		"username": ev.Username, "actor": ev.Actor, "category": ev.Category, "event": ev.Event,
		"detail": ev.Detail, "ip": ev.IP, "user_agent": ev.UserAgent, "session_id": ev.SessionID,
	}
}

// checkBounded fails the test unless every field of ev is within its bound
// and valid UTF-8 without NUL.
func checkBounded(t *testing.T, ev vigil.Event) {
	t.Helper()
	for name, v := range fields(ev) {
		if len(v) > auditBounds[name] || !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			t.Errorf("event %.40q: %s is %d bytes (bound %d), valid UTF-8 %v: %.80q",
				ev.Event, name, len(v), auditBounds[name], utf8.ValidString(v), v)
		}
	}
}

// TestInvalidUsernameIsAnUnknownUser: a name that is not a valid username
// gets the unknown user's answer and work (one dummy hash), and is audited
// without its text: the username empty, the detail giving its length.
func TestInvalidUsernameIsAnUnknownUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	pw := e.addUser("alice", vigil.RolePatient)
	e.hasher.Reset()
	_, err := e.eng.Login(e.ctx, "nobody", pw, nil, actor("192.0.2.1"))
	want := wantErr(t, err, vigil.CodeInvalidCredentials, "")

	for i, name := range []string{
		strings.Repeat("a", 60<<10), // too long
		"alice smith",               // a space
		"alice\x00",                 // NUL
		"ålice",                     // not ASCII
		"alice\xff",                 // not UTF-8
		"   ",                       // empty once trimmed
		"<script>alert(1)</script>",
	} {
		e.hasher.Reset()
		e.clock.Set(time.Duration(i) * 20 * time.Minute) // each alone in its window: this test is not about the lock
		_, err := e.eng.Login(e.ctx, name, pw, nil, actor(fmt.Sprintf("198.51.100.%d", i)))
		got := wantErr(t, err, vigil.CodeInvalidCredentials, "")
		if got.Message != want.Message {
			t.Errorf("%.20q: message %q, want the unknown user's %q", name, got.Message, want.Message)
		}
		if v, d, h := e.hasher.Verifies.Load(), e.hasher.Dummies.Load(), e.hasher.Hashes.Load(); v != 0 || d != 1 || h != 0 {
			t.Errorf("%.20q: Verify %d, VerifyDummy %d, Hash %d; want 0, 1, 0 (an unknown user's work)", name, v, d, h)
		}
		ev := e.events(vigil.EventLoginFailed)[0]
		wantDetail := fmt.Sprintf("username not valid (%d bytes)", len(name))
		if ev.Username != "" || ev.Actor != "anonymous" || ev.Detail != wantDetail {
			t.Errorf("%.20q: audited as username %.40q, actor %.40q, detail %q; want \"\", anonymous, %q",
				name, ev.Username, ev.Actor, ev.Detail, wantDetail)
		}
	}
}

// TestInvalidUsernamesShareOneThrottleKey: invalid names are throttled
// together, like one unknown user: after five failures within 15 minutes,
// from anywhere, the next invalid name is refused without a hash, and
// audited as throttled without its text; valid names are not affected.
func TestInvalidUsernamesShareOneThrottleKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	pw := e.addUser("alice", vigil.RolePatient)
	for i := range 5 {
		e.fail(fmt.Sprintf("guess %d", i), fmt.Sprintf("198.51.100.%d", i))
	}
	long := strings.Repeat("x", 60<<10)
	e.throttled(e.eng, long, pw, "203.0.113.9", time.Minute)
	e.throttled(e.eng, "another guess", pw, "203.0.113.10", time.Minute)
	ev := e.events(vigil.EventLoginThrottled)[0]
	if ev.Username != "" || ev.Detail != "username not valid (13 bytes)" {
		t.Errorf("throttled invalid name audited as username %.40q, detail %q", ev.Username, ev.Detail)
	}
	e.fail("nobody", "203.0.113.9") // a valid unknown name has its own count
	e.login("alice", pw)
	// The failures leave the window like any username's.
	e.clock.Set(15*time.Minute + time.Second)
	e.fail(long, "203.0.113.9")
}

// TestLongUsernamesStoreLittle: logins with 60 KB usernames, as an
// attacker filling the disk would send, leave only small rows behind: the
// throttle keys are short and no audit field holds the name.
func TestLongUsernamesStoreLittle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for i := range 40 {
		name := strings.Repeat(string(rune('a'+i%26)), 60<<10)
		_, err := e.eng.Login(e.ctx, name, "whatever-it-may-be", nil, actor(fmt.Sprintf("198.51.100.%d", i%8)))
		if c := vigil.ErrorCode(err); c != vigil.CodeInvalidCredentials && c != vigil.CodeRateLimited {
			t.Fatalf("login %d: %v", i, err)
		}
	}
	evs := e.events("")
	if len(evs) != 40 {
		t.Fatalf("%d audit events, want one per login", len(evs))
	}
	for _, ev := range evs {
		checkBounded(t, ev)
		if len(ev.Username)+len(ev.Detail) > 64 {
			t.Errorf("event %s keeps %d bytes of username and detail", ev.Event, len(ev.Username)+len(ev.Detail))
		}
	}
	for i := range 26 {
		key := "user:" + strings.Repeat(string(rune('a'+i)), 60<<10)
		if st, err := e.store.Throttle(e.ctx, key); err != nil || len(st.Failures)+len(st.Pending) > 0 {
			t.Fatalf("a throttle row under the long name: %+v, %v", st, err)
		}
	}
}

// TestAuditBoundsEveryField: whatever a caller passes, each stored field is
// within its documented bound, valid UTF-8 without NUL, and cut on a
// character boundary with "…"; short clean values are kept as they are.
func TestAuditBoundsEveryField(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	huge := strings.Repeat("é", 40<<10) // two bytes each: a cut may fall inside one
	e.eng.Audit(e.ctx, actorWith(huge+"\xff", huge, huge), vigil.Event{
		Username: huge, Actor: huge, Category: huge, Event: huge, Detail: "bad\x00bytes\xfe" + huge, SessionID: huge,
	})
	ev := e.events("")[0]
	checkBounded(t, ev)
	for name, v := range fields(ev) {
		if !strings.HasSuffix(v, "…") || len(v) < auditBounds[name]-4 {
			t.Errorf("%s = %d bytes ending %q: want it cut near %d with …", name, len(v), v[max(0, len(v)-6):], auditBounds[name])
		}
	}
	if !strings.HasPrefix(ev.Detail, "bad\uFFFDbytes\uFFFD") {
		t.Errorf("detail starts %.30q, want NUL and the invalid byte replaced by U+FFFD", ev.Detail)
	}

	e.eng.Audit(e.ctx, actorWith("198.51.100.1", "Mozilla/5.0 (X11; Linux x86_64)", "sid-1"), vigil.Event{
		Username: "zoë", Category: vigil.CategoryAuthentication, Event: vigil.EventLoginFailed, Detail: "ok",
	})
	ev = e.events("")[0]
	if ev.Username != "zoë" || ev.IP != "198.51.100.1" || ev.UserAgent != "Mozilla/5.0 (X11; Linux x86_64)" ||
		ev.SessionID != "sid-1" || ev.Detail != "ok" || ev.Event != vigil.EventLoginFailed {
		t.Errorf("short values changed: %+v", ev)
	}
}

// TestLongClientAddressStoresLittle: whatever a client-address function
// returns (an address with a zone, a proxy's garbage), the throttle and
// the audit trail keep a bounded form, and one address spelled two ways
// is one client.
func TestLongClientAddressStoresLittle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.addUser("alice", vigil.RolePatient)
	long := strings.Repeat("z", 60<<10)
	for i := range 30 {
		e.fail(fmt.Sprintf("a%02d", i), "fe80::1%"+long)
		e.fail(fmt.Sprintf("b%02d", i), "::ffff:192.0.2.44")
	}
	// 30 failures from fe80::1 and 192.0.2.44, however spelled: both locked.
	e.throttled(e.eng, "alice", "whatever-it-is", "fe80::1", 0)
	e.throttled(e.eng, "alice", "whatever-it-is", "192.0.2.44", 0)
	e.fail("someone", long)
	for _, ev := range e.events("") {
		checkBounded(t, ev)
	}
	for _, key := range []string{"ip:" + long, "ip:fe80::1%" + long} {
		if st, err := e.store.Throttle(e.ctx, key); err != nil || len(st.Failures) > 0 {
			t.Errorf("a throttle row under a 60 KB address: %+v, %v", st, err)
		}
	}
}

// actorWith is a client with the address, agent and session given.
func actorWith(ip, agent, sessionID string) auth.Actor {
	return auth.Actor{IP: ip, UserAgent: agent, SessionID: sessionID}
}

// TestClientTextOnPostgres: PostgreSQL refuses text that is not UTF-8 or
// holds NUL. A client's User-Agent of such bytes (HTTP allows them) and a
// 60 KB name (larger than a btree index entry) must neither fail a login
// nor lose its audit event.
func TestClientTextOnPostgres(t *testing.T) {
	t.Parallel()
	_, url := pgtest.Schema(t)
	store, err := postgres.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	eng := testkit.Engine(store, auth.Options{Policy: defaultPolicy()})
	pw := strongPassword(t)
	testkit.CreateUsers(t, eng, admin, auth.NewUser{Username: "alice", Role: vigil.RolePatient, Password: pw})
	a := actorWith("192.0.2.1", "agent \xff\xfe"+strings.Repeat("\x80", 600), "")
	if _, err := eng.Login(t.Context(), "alice", pw, nil, a); err != nil {
		t.Fatalf("login with a User-Agent that is not UTF-8: %v", err)
	}
	_, err = eng.Login(t.Context(), testkit.RandomLetters(60<<10), pw, nil, a)
	wantErr(t, err, vigil.CodeInvalidCredentials, "")
	evs := testkit.Events(t, eng, "", "")
	if len(evs) < 3 { // user_created, login_succeeded, login_failed
		t.Fatalf("%d audit events, want the logins' too: %+v", len(evs), evs)
	}
	for _, ev := range evs {
		checkBounded(t, ev)
	}
}
