package storetest

import (
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/vigilauth/vigil"
)

var outboxTests = []test{
	{"WrittenWithTheChange", testWebhookWithChange},
	{"NothingWhenNothingChanged", testWebhookNoChange},
	{"SecondFactors", testWebhookFactors},
	{"LoginLock", testWebhookLock},
	{"LeaseRetryDeadRevive", testWebhookLifecycle},
	{"OneDeliveryPerEndpoint", testWebhookFanOut},
	{"Prune", testWebhookPrune},
	{"ConcurrentClaimsTakeEachOnce", testWebhookConcurrentClaims},
}

// The endpoints of the suite.
const (
	hookA = "https://a.example/hooks/vigil"
	hookB = "https://b.example/hooks/vigil"
)

// soon is a claim time at which every message the suite writes is due:
// the stores stamp some messages with their own clock.
func soon() time.Time { return time.Now().Add(time.Hour) }

// drain claims every due delivery to hookA, marks each delivered, and
// returns their messages, oldest first.
func (f *fixture) drain() []vigil.WebhookMessage {
	f.Helper()
	now := soon()
	got, err := f.s.ClaimWebhooks(f.ctx, []string{hookA}, now, time.Minute, 100)
	f.ok(err, "ClaimWebhooks")
	var msgs []vigil.WebhookMessage
	for _, d := range got {
		f.ok(f.s.WebhookDelivered(f.ctx, d.ID, vigil.WebhookAttempt{At: now, Status: 204}), "WebhookDelivered")
		msgs = append(msgs, d.Message)
	}
	return msgs
}

// hookData is every field the messages' data may have.
type hookData struct {
	UserID      int64     `json:"user_id"`
	Username    string    `json:"username"`
	SessionIDs  []string  `json:"session_ids"`
	Reason      string    `json:"reason"`
	Change      string    `json:"change"`
	LockedUntil time.Time `json:"locked_until"`
}

// oneMessage checks that msgs is one message of type typ and returns its
// data.
func (f *fixture) oneMessage(what string, msgs []vigil.WebhookMessage, typ string) hookData {
	f.Helper()
	if len(msgs) != 1 || msgs[0].Type != typ {
		f.Fatalf("%s: messages %s, want one %s", what, types(msgs), typ)
	}
	m := msgs[0]
	if len(m.ID) < 20 || m.ID[:4] != "msg_" {
		f.Errorf("%s: message id %q, want msg_ and random characters", what, m.ID)
	}
	var d hookData
	if err := json.Unmarshal(m.Data, &d); err != nil {
		f.Fatalf("%s: data %s: %v", what, m.Data, err)
	}
	return d
}

// types lists the types of msgs.
func types(msgs []vigil.WebhookMessage) []string {
	var ts []string
	for _, m := range msgs {
		ts = append(ts, m.Type)
	}
	return ts
}

func testWebhookWithChange(f *fixture) {
	alice := f.user("alice")
	s1, s2, s3 := f.session(alice, t0), f.session(alice, t0), f.session(alice, t0)
	f.end(s1, vigil.ReasonLogout, at(time.Minute))
	msgs := f.drain()
	d := f.oneMessage("EndSession", msgs, vigil.WebhookSessionRevoked)
	if d.UserID != alice.ID || d.Username != "alice" || !slices.Equal(d.SessionIDs, []string{s1.ID}) || d.Reason != "logout" {
		f.Errorf("EndSession's data = %+v", d)
	}
	sameTime(f, "EndSession's message Time", msgs[0].Time, at(time.Minute))

	ids, err := f.s.EndUserSessions(f.ctx, alice.ID, "", vigil.ReasonInactivity, at(2*time.Minute))
	f.ok(err, "EndUserSessions")
	d = f.oneMessage("EndUserSessions", f.drain(), vigil.WebhookSessionRevoked)
	slices.Sort(d.SessionIDs)
	want := []string{s2.ID, s3.ID}
	slices.Sort(want)
	if !slices.Equal(d.SessionIDs, want) || len(ids) != 2 || d.Reason != "inactivity" {
		f.Errorf("EndUserSessions's data = %+v, want sessions %v for inactivity", d, want)
	}

	f.ok(f.s.SetPassword(f.ctx, alice.ID, "$argon2id$new", at(3*time.Minute)), "SetPassword")
	d = f.oneMessage("SetPassword", f.drain(), vigil.WebhookPasswordChanged)
	if d.UserID != alice.ID || d.Username != "alice" {
		f.Errorf("SetPassword's data = %+v", d)
	}
	// The same password hashed anew at sign-in keeps its time: no message,
	// but the new hash is stored.
	f.ok(f.s.SetPassword(f.ctx, alice.ID, "$argon2id$rehashed", at(3*time.Minute)), "SetPassword, a rehash")
	if msgs := f.drain(); len(msgs) != 0 {
		f.Errorf("a rehash wrote %d messages: %+v", len(msgs), msgs)
	}
	if u, err := f.s.UserByID(f.ctx, alice.ID); err != nil || u.PasswordHash != "$argon2id$rehashed" || !u.PasswordChangedAt.Equal(at(3*time.Minute).Truncate(time.Microsecond)) {
		f.Errorf("after the rehash: %+v, %v", u, err)
	}
	f.ok(f.s.SetDisabled(f.ctx, alice.ID, true), "SetDisabled")
	f.ok(f.s.SetDisabled(f.ctx, alice.ID, true), "SetDisabled again")
	f.oneMessage("SetDisabled(true) twice", f.drain(), vigil.WebhookUserDisabled)
	f.ok(f.s.SetDisabled(f.ctx, alice.ID, false), "SetDisabled(false)")
	f.oneMessage("SetDisabled(false)", f.drain(), vigil.WebhookUserEnabled)
}

// testWebhookNoChange: a call that changes nothing, or fails and rolls
// back, writes no message.
func testWebhookNoChange(f *fixture) {
	alice := f.user("alice")
	s := f.session(alice, t0)
	f.end(s, vigil.ReasonLogout, at(time.Minute))
	f.drain()
	ended, err := f.s.EndSession(f.ctx, s.ID, vigil.ReasonRevoked, at(2*time.Minute))
	f.ok(err, "EndSession again")
	if ended {
		f.Fatal("EndSession ended an ended session")
	}
	f.ok(ignore(f.s.EndSession(f.ctx, "no-such-session", vigil.ReasonRevoked, at(2*time.Minute))), "EndSession of none")
	_, err = f.s.EndUserSessions(f.ctx, alice.ID, "", vigil.ReasonRevoked, at(2*time.Minute))
	f.ok(err, "EndUserSessions of none")
	f.isErr(f.s.SetPassword(f.ctx, alice.ID+100, "$argon2id$x", t0), vigil.ErrNotFound, "SetPassword of no user")
	f.isErr(f.s.SetDisabled(f.ctx, alice.ID+100, true), vigil.ErrNotFound, "SetDisabled of no user")
	f.ok(f.s.SetDisabled(f.ctx, alice.ID, false), "SetDisabled to the value it has")
	f.isErr(f.s.RemoveTOTP(f.ctx, alice.ID), vigil.ErrNotFound, "RemoveTOTP of none")
	removed, err := f.s.RemoveFactors(f.ctx, alice.ID)
	f.ok(err, "RemoveFactors of none")
	if removed {
		f.Error("RemoveFactors of none reported true")
	}
	// A transaction that fails after its first write rolls the message
	// back with it: the repeated hash is refused after the old set went.
	h := vigil.NewToken().Hash()
	f.isErr(f.s.ReplaceRecoveryCodes(f.ctx, alice.ID, []vigil.TokenHash{h, h}, t0), vigil.ErrConflict, "ReplaceRecoveryCodes with a repeat")
	f.isErr(f.s.ReplaceRecoveryCodes(f.ctx, alice.ID+100, nil, t0), vigil.ErrNotFound, "ReplaceRecoveryCodes of no user")
	if msgs := f.drain(); len(msgs) != 0 {
		f.Errorf("messages %v after calls that changed nothing", types(msgs))
	}
}

// ignore drops EndSession's bool.
func ignore(_ bool, err error) error { return err }

func testWebhookFactors(f *fixture) {
	alice := f.user("alice")
	change := func(what, want string) {
		f.Helper()
		d := f.oneMessage(what, f.drain(), vigil.WebhookMFAChanged)
		if d.Change != want || d.UserID != alice.ID || d.Username != "alice" {
			f.Errorf("%s: data %+v, want change %s", what, d, want)
		}
	}
	f.ok(f.s.AddTOTP(f.ctx, &vigil.TOTPFactor{UserID: alice.ID, Secret: "v1:k:sealed", CreatedAt: t0}), "AddTOTP")
	if msgs := f.drain(); len(msgs) != 0 {
		f.Errorf("a pending TOTP wrote %v; only its confirmation changes the factors", types(msgs))
	}
	f.ok(f.s.ConfirmTOTP(f.ctx, alice.ID, 100, at(time.Minute)), "ConfirmTOTP")
	change("ConfirmTOTP", vigil.MFAChangeTOTPAdded)
	f.ok(f.s.RemoveTOTP(f.ctx, alice.ID), "RemoveTOTP")
	change("RemoveTOTP", vigil.MFAChangeTOTPRemoved)
	cred := &vigil.WebAuthnCredential{ID: []byte("credential-1"), UserID: alice.ID, PublicKey: []byte("key"),
		Name: "Phone", CreatedAt: t0}
	f.ok(f.s.AddWebAuthnCredential(f.ctx, cred), "AddWebAuthnCredential")
	change("AddWebAuthnCredential", vigil.MFAChangePasskeyAdded)
	f.isErr(f.s.AddWebAuthnCredential(f.ctx, cred), vigil.ErrConflict, "AddWebAuthnCredential again")
	f.ok(f.s.RemoveWebAuthnCredential(f.ctx, alice.ID, cred.ID), "RemoveWebAuthnCredential")
	change("RemoveWebAuthnCredential", vigil.MFAChangePasskeyRemoved)
	f.ok(f.s.ReplaceRecoveryCodes(f.ctx, alice.ID, []vigil.TokenHash{vigil.NewToken().Hash()}, t0), "ReplaceRecoveryCodes")
	change("ReplaceRecoveryCodes", vigil.MFAChangeRecoveryReplaced)
	removed, err := f.s.RemoveFactors(f.ctx, alice.ID)
	f.ok(err, "RemoveFactors")
	if !removed {
		f.Fatal("RemoveFactors = false with recovery codes")
	}
	change("RemoveFactors", vigil.MFAChangeFactorsRemoved)
}

func testWebhookLock(f *fixture) {
	locked := vigil.ThrottleState{Failures: []time.Time{t0}, Streak: 5, LockedUntil: at(time.Minute)}
	set := func(key string, st vigil.ThrottleState) {
		f.Helper()
		_, err := f.s.UpdateThrottle(f.ctx, key, func(vigil.ThrottleState) vigil.ThrottleState { return st })
		f.ok(err, "UpdateThrottle "+key)
	}
	set("user:alice", vigil.ThrottleState{Failures: []time.Time{t0}, Streak: 1})
	set("ip:192.0.2.7", locked)
	if msgs := f.drain(); len(msgs) != 0 {
		f.Fatalf("failures without a username lock wrote %v", types(msgs))
	}
	set("user:alice", locked)
	d := f.oneMessage("the lock", f.drain(), vigil.WebhookLoginLocked)
	if d.Username != "alice" {
		f.Errorf("lock data = %+v, want username alice", d)
	}
	sameTime(f, "locked_until", d.LockedUntil, at(time.Minute))
	set("user:alice", locked) // the same lock: no news
	if msgs := f.drain(); len(msgs) != 0 {
		f.Errorf("an unchanged lock wrote %v", types(msgs))
	}
	longer := locked
	longer.LockedUntil = at(2 * time.Minute)
	set("user:alice", longer)
	f.oneMessage("a longer lock", f.drain(), vigil.WebhookLoginLocked)
}

// oneDue writes one message (a password change of a new user) and returns
// the time it is due.
func (f *fixture) oneDue(name string) time.Time {
	f.Helper()
	u := f.user(name)
	f.ok(f.s.SetPassword(f.ctx, u.ID, "$argon2id$new", t0), "SetPassword")
	return t0
}

// claim claims up to 10 deliveries to hookA at now.
func (f *fixture) claim(now time.Time, endpoints ...string) []vigil.WebhookDelivery {
	f.Helper()
	if endpoints == nil {
		endpoints = []string{hookA}
	}
	got, err := f.s.ClaimWebhooks(f.ctx, endpoints, now, time.Minute, 10)
	f.ok(err, "ClaimWebhooks")
	return got
}

// counts checks CountWebhooks.
func (f *fixture) counts(what string, pending, dead int64) {
	f.Helper()
	c, err := f.s.CountWebhooks(f.ctx)
	f.ok(err, "CountWebhooks")
	if c.Pending != pending || c.Dead != dead {
		f.Errorf("%s: counts %+v, want %d pending and %d dead", what, c, pending, dead)
	}
}

func testWebhookLifecycle(f *fixture) {
	due := f.oneDue("alice")
	if got := f.claim(due.Add(-time.Second)); len(got) != 0 {
		f.Fatalf("claimed %d deliveries before they were due", len(got))
	}
	got := f.claim(due)
	if len(got) != 1 || got[0].Endpoint != hookA || got[0].Attempts != 0 || got[0].Message.Type != vigil.WebhookPasswordChanged {
		f.Fatalf("first claim = %+v, want one fresh delivery to %s", got, hookA)
	}
	d := got[0]
	sameTime(f, "Since", d.Since, due)
	f.counts("after the claim", 1, 0)
	if again := f.claim(due.Add(30 * time.Second)); len(again) != 0 {
		f.Fatalf("a leased delivery was claimed again within its lease")
	}
	// The claimer died: the lease ends and another takes it.
	if again := f.claim(due.Add(time.Minute)); len(again) != 1 || again[0].ID != d.ID {
		f.Fatalf("after the lease, claim = %+v, want delivery %d again", again, d.ID)
	}
	fail := vigil.WebhookAttempt{At: due.Add(time.Minute), Status: 503, Error: "503 Service Unavailable"}
	f.ok(f.s.RetryWebhook(f.ctx, d.ID, fail, due.Add(10*time.Minute)), "RetryWebhook")
	if again := f.claim(due.Add(9 * time.Minute)); len(again) != 0 {
		f.Fatalf("claimed before the retry was due")
	}
	got = f.claim(due.Add(10 * time.Minute))
	if len(got) != 1 || got[0].Attempts != 1 || got[0].LastStatus != 503 || got[0].LastError != fail.Error {
		f.Fatalf("retry claim = %+v, want the delivery with one failed attempt", got)
	}
	sameTime(f, "LastAt", got[0].LastAt, fail.At)
	dead := vigil.WebhookAttempt{At: due.Add(11 * time.Minute), Error: "connection refused"}
	f.ok(f.s.KillWebhook(f.ctx, d.ID, dead), "KillWebhook")
	f.counts("after KillWebhook", 0, 1)
	f.isErr(f.s.WebhookDelivered(f.ctx, d.ID, fail), vigil.ErrNotFound, "WebhookDelivered of a dead letter")
	f.isErr(f.s.RetryWebhook(f.ctx, d.ID, fail, due), vigil.ErrNotFound, "RetryWebhook of a dead letter")
	if again := f.claim(due.Add(time.Hour)); len(again) != 0 {
		f.Fatalf("a dead letter was claimed")
	}
	letters, err := f.s.DeadWebhooks(f.ctx, 10)
	f.ok(err, "DeadWebhooks")
	if len(letters) != 1 || letters[0].ID != d.ID || letters[0].Attempts != 2 || letters[0].LastError != dead.Error ||
		letters[0].Message.ID != d.Message.ID {
		f.Fatalf("DeadWebhooks = %+v, want the one given up, with 2 attempts", letters)
	}
	f.isErr(f.s.ReviveWebhook(f.ctx, d.ID+1000, due), vigil.ErrNotFound, "ReviveWebhook of none")
	revived := due.Add(2 * time.Hour)
	f.ok(f.s.ReviveWebhook(f.ctx, d.ID, revived), "ReviveWebhook")
	f.isErr(f.s.ReviveWebhook(f.ctx, d.ID, revived), vigil.ErrNotFound, "ReviveWebhook of a pending one")
	f.counts("after ReviveWebhook", 1, 0)
	got = f.claim(revived)
	if len(got) != 1 || got[0].Attempts != 0 {
		f.Fatalf("claim after revival = %+v, want the delivery with a new window", got)
	}
	sameTime(f, "revived Since", got[0].Since, revived)
	f.ok(f.s.WebhookDelivered(f.ctx, d.ID, vigil.WebhookAttempt{At: revived, Status: 200}), "WebhookDelivered")
	f.counts("after delivery", 0, 0)
	f.isErr(f.s.WebhookDelivered(f.ctx, d.ID, fail), vigil.ErrNotFound, "WebhookDelivered twice")
}

func testWebhookFanOut(f *fixture) {
	due := f.oneDue("alice")
	got := f.claim(due, hookA, hookB)
	if len(got) != 2 || got[0].Message.ID != got[1].Message.ID || got[0].Endpoint == got[1].Endpoint {
		f.Fatalf("claim to two endpoints = %+v, want one delivery to each", got)
	}
	for _, d := range got {
		if d.Endpoint == hookA {
			f.ok(f.s.WebhookDelivered(f.ctx, d.ID, vigil.WebhookAttempt{At: due, Status: 200}), "WebhookDelivered A")
		} else {
			f.ok(f.s.RetryWebhook(f.ctx, d.ID, vigil.WebhookAttempt{At: due, Status: 500}, due), "RetryWebhook B")
		}
	}
	// Each endpoint on its own: B is due again, A is done.
	if again := f.claim(due.Add(time.Second), hookA); len(again) != 0 {
		f.Errorf("endpoint A's delivered message was claimed again")
	}
	if again := f.claim(due.Add(time.Second), hookA, hookB); len(again) != 1 || again[0].Endpoint != hookB {
		f.Errorf("claim = %+v, want B's retry only", again)
	}
	// A message fanned out with no endpoints is done with fan-out.
	f.oneDue("bob")
	if got, err := f.s.ClaimWebhooks(f.ctx, nil, due, time.Minute, 10); err != nil || len(got) != 0 {
		f.Fatalf("ClaimWebhooks with no endpoints = %v, %v, want none", got, err)
	}
	if got := f.claim(due.Add(time.Hour), hookA); len(got) != 0 {
		f.Errorf("a message fanned out to no endpoint was claimed later: %+v", got)
	}
}

func testWebhookPrune(f *fixture) {
	due := f.oneDue("alice")
	got := f.claim(due, hookA, hookB)
	f.ok(f.s.WebhookDelivered(f.ctx, got[0].ID, vigil.WebhookAttempt{At: due, Status: 200}), "WebhookDelivered")
	n, err := f.s.DeleteWebhooksBefore(f.ctx, due, 100)
	f.ok(err, "DeleteWebhooksBefore(due)")
	if n != 0 {
		f.Errorf("deleted %d rows finished or made at `before`, want 0", n)
	}
	if n, err := f.s.DeleteWebhooksBefore(f.ctx, due.Add(time.Second), 0); n != 0 || err != nil {
		f.Errorf("DeleteWebhooksBefore with limit 0 = %d, %v", n, err)
	}
	// The delivered one, the pending one (an endpoint no longer claimed),
	// then the message.
	n, err = f.s.DeleteWebhooksBefore(f.ctx, due.Add(time.Second), 100)
	f.ok(err, "DeleteWebhooksBefore")
	if n != 3 {
		f.Errorf("deleted %d rows, want 3 (two deliveries and their message)", n)
	}
	f.counts("after pruning", 0, 0)
	if got := f.claim(due.Add(time.Hour), hookA, hookB); len(got) != 0 {
		f.Errorf("pruned deliveries were claimed: %+v", got)
	}
}

// testWebhookConcurrentClaims: claimers racing over many due deliveries,
// as instances do, each get their own; every delivery goes to one.
func testWebhookConcurrentClaims(f *fixture) {
	const messages = 24
	for i := range messages {
		f.oneDue("user" + string(rune('a'+i)))
	}
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				got, err := f.s.ClaimWebhooks(f.ctx, []string{hookA}, t0, time.Hour, 3)
				if err != nil && !errors.Is(err, vigil.ErrUnavailable) {
					f.Errorf("ClaimWebhooks: %v", err)
					return
				}
				if len(got) == 0 && err == nil {
					return
				}
				mu.Lock()
				for _, d := range got {
					seen[d.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != messages {
		f.Errorf("%d deliveries claimed, want %d", len(seen), messages)
	}
	for id, n := range seen {
		if n != 1 {
			f.Errorf("delivery %d claimed %d times within its lease", id, n)
		}
	}
}
