package auth_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/password"
	"github.com/vigilauth/vigil/sqlite"
)

// t0 is the fake clock's start. It has no digits below the microsecond,
// the precision the store keeps, so "t0 + d - 1µs" is a real instant.
var t0 = time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)

const (
	idle     = 30 * time.Minute
	lifetime = 168 * time.Hour
	reauth   = 10 * time.Minute
	resetTTL = 30 * time.Minute
	// gran is the activity granularity: 1% of the idle timeout.
	gran = idle / 100
)

// defaultPolicy is the product's default session policy.
func defaultPolicy() vigil.Policy {
	return vigil.Policy{Lifetime: lifetime, IdleTimeout: idle, ReauthWindow: reauth}
}

// countingStore is a store that counts the calls the tests care about, and
// that can be switched to answer ErrUnavailable (the store is unreachable).
type countingStore struct {
	vigil.Store
	touches atomic.Int64
	lookups atomic.Int64 // SessionByToken
	down    atomic.Bool
	burst   atomic.Int64 // the next poll with news also gets this many other entries
	// afterThrottle, when set, runs after each UpdateThrottle with its key.
	afterThrottle atomic.Pointer[func(key string)]
	// slowPolls makes reads of the revocation log wait for their context
	// to end; polling is closed when the first such read starts.
	slowPolls atomic.Bool
	polling   chan struct{}
	pollOnce  sync.Once
	// hold, when set, makes the next SessionByToken stop after reading
	// the store until the test lets it go on.
	hold atomic.Pointer[hold]
}

// hold pauses one store read: entered is closed once the read is done,
// and the read returns when release is closed.
type hold struct{ entered, release chan struct{} }

func newHold() *hold { return &hold{entered: make(chan struct{}), release: make(chan struct{})} }

// TouchSessions counts each session written (a batch of n counts n).
func (s *countingStore) UpdateThrottle(ctx context.Context, key string, fn func(vigil.ThrottleState) vigil.ThrottleState) (vigil.ThrottleState, error) {
	st, err := s.Store.UpdateThrottle(ctx, key, fn)
	if f := s.afterThrottle.Load(); f != nil {
		(*f)(key)
	}
	return st, err
}

func (s *countingStore) TouchSessions(ctx context.Context, touches []vigil.Touch) error {
	s.touches.Add(int64(len(touches)))
	if s.down.Load() {
		return vigil.ErrUnavailable
	}
	return s.Store.TouchSessions(ctx, touches)
}

func (s *countingStore) SessionByToken(ctx context.Context, h vigil.TokenHash) (*vigil.Session, *vigil.User, error) {
	s.lookups.Add(1)
	if s.down.Load() {
		return nil, nil, vigil.ErrUnavailable
	}
	ses, u, err := s.Store.SessionByToken(ctx, h)
	if hd := s.hold.Swap(nil); hd != nil {
		close(hd.entered)
		<-hd.release
	}
	return ses, u, err
}

// slowPoll, with slowPolls set, waits for ctx to end and returns its
// error.
func (s *countingStore) slowPoll(ctx context.Context) error {
	if !s.slowPolls.Load() {
		return nil
	}
	s.pollOnce.Do(func() { close(s.polling) })
	<-ctx.Done()
	return ctx.Err()
}

func (s *countingStore) RevocationsSince(ctx context.Context, after int64, limit int) ([]vigil.Revocation, error) {
	if s.down.Load() {
		return nil, vigil.ErrUnavailable
	}
	if err := s.slowPoll(ctx); err != nil {
		return nil, err
	}
	revs, err := s.Store.RevocationsSince(ctx, after, limit)
	if len(revs) > 0 && len(revs) < limit {
		if n := s.burst.Swap(0); n > 0 {
			// Entries naming other sessions, as many as a busy cluster
			// makes; they repeat the last real Seq so the log stays true.
			last := revs[len(revs)-1].Seq
			for i := 0; i < int(n) && len(revs) < limit; i++ {
				revs = append(revs, vigil.Revocation{Seq: last, SessionID: fmt.Sprintf("elsewhere-%d", i)})
			}
		}
	}
	return revs, err
}

func (s *countingStore) LastRevocation(ctx context.Context) (int64, error) {
	if s.down.Load() {
		return 0, vigil.ErrUnavailable
	}
	if err := s.slowPoll(ctx); err != nil {
		return 0, err
	}
	return s.Store.LastRevocation(ctx)
}

// env is one test's world: a fresh SQLite store, a fake clock, a counting
// hasher and an engine over them.
type env struct {
	t      *testing.T
	ctx    context.Context
	clock  *testkit.Clock
	raw    *sqlite.Store
	store  *countingStore
	hasher *testkit.CountingHasher
	policy *password.Policy
	log    *testkit.SyncBuffer
	opt    auth.Options
	eng    *auth.Engine
}

// newEnv opens a store in t.TempDir() and builds an engine with the default
// policy, changed by mod if it is not nil. The engine does not Run: every
// check reads the store (see runEngine for the cache).
func newEnv(t *testing.T, mod func(*auth.Options)) *env {
	t.Helper()
	raw := testkit.SQLite(t)
	e := &env{
		t: t, ctx: t.Context(), clock: testkit.NewClock(t0), raw: raw, store: &countingStore{Store: raw, polling: make(chan struct{})},
		hasher: testkit.NewCountingHasher(), policy: testkit.Policy(), log: &testkit.SyncBuffer{},
	}
	e.opt = auth.Options{
		Policy:        defaultPolicy(),
		ResetTokenTTL: resetTTL,
		Now:           e.clock.Now,
		Logger:        slog.New(slog.NewTextHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		PollInterval:  5 * time.Millisecond,
		Normalize:     password.Normalize,
	}
	if mod != nil {
		mod(&e.opt)
	}
	e.eng = auth.New(e.store, e.hasher, e.policy, e.opt)
	return e
}

// newEngine returns another engine over the same store, clock and hasher
// (another instance, a restart, or the CLI), with the env's options changed
// by mod.
func (e *env) newEngine(mod func(*auth.Options)) *auth.Engine {
	opt := e.opt
	if mod != nil {
		mod(&opt)
	}
	return auth.New(e.store, e.hasher, e.policy, opt)
}

// cliEngine returns an engine without a cache over the same database, as
// the command line (or another instance) would use, bypassing the counting
// wrapper.
func (e *env) cliEngine() *auth.Engine {
	opt := e.opt
	opt.CacheSize = -1
	return auth.New(e.raw, e.hasher, e.policy, opt)
}

// runEngine runs eng's revocation follower (which enables its cache) until
// the test ends.
func (e *env) runEngine(eng *auth.Engine) { testkit.Run(e.t, eng) }

// strongPassword returns a password the policy accepts.
func strongPassword(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	pw := "maple-orbit-lantern-" + hex.EncodeToString(b)
	if p := testkit.Policy().Check(pw, ""); len(p) > 0 {
		t.Fatalf("test password %q refused: %v", pw, p)
	}
	return pw
}

// addUser creates an account with a strong password and returns it.
func (e *env) addUser(name string, role vigil.Role) string {
	e.t.Helper()
	return e.addUserWith(name, role, strongPassword(e.t))
}

// addUserWith creates an account with password pw and returns pw.
func (e *env) addUserWith(name string, role vigil.Role, pw string) string {
	e.t.Helper()
	if _, err := e.eng.CreateUser(e.ctx, auth.NewUser{Username: name, Role: role, Password: pw}, admin); err != nil {
		e.t.Fatalf("CreateUser(%s): %v", name, err)
	}
	return pw
}

var admin = auth.Actor{Username: "root-admin", IP: "10.0.0.1"}

// actor is a client at a fixed address.
func actor(ip string) auth.Actor { return auth.Actor{IP: ip, UserAgent: "test-agent/1.0"} }

// login signs in from 192.0.2.1 and fails the test unless it succeeds.
func (e *env) login(name, pw string) *auth.Current {
	e.t.Helper()
	return e.loginWith(e.eng, name, pw)
}

func (e *env) loginWith(eng *auth.Engine, name, pw string) *auth.Current {
	e.t.Helper()
	cur, err := eng.Login(e.ctx, name, pw, nil, actor("192.0.2.1"))
	if err != nil {
		e.t.Fatalf("Login(%s) = %v, want success", name, err)
	}
	return cur
}

// alive fails the test unless tok's session is accepted.
func (e *env) alive(tok vigil.Token, activity bool) *auth.Current {
	e.t.Helper()
	return e.aliveWith(e.eng, tok, activity)
}

func (e *env) aliveWith(eng *auth.Engine, tok vigil.Token, activity bool) *auth.Current {
	e.t.Helper()
	cur, err := eng.Check(e.ctx, tok, activity)
	if err != nil {
		e.t.Fatalf("at %v: Check = %v, want a live session", e.clock.Now().Sub(t0), err)
	}
	return cur
}

// ended fails the test unless tok's session is refused with code and reason.
func (e *env) ended(tok vigil.Token, code string, reason vigil.Reason) {
	e.t.Helper()
	_, err := e.eng.Check(e.ctx, tok, false)
	wantErr(e.t, err, code, reason)
}

// wantErr fails the test unless err is a *vigil.Error with code and reason.
func wantErr(t *testing.T, err error, code string, reason vigil.Reason) *vigil.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %s (%s)", code, reason)
	}
	ve := vigil.AsError(err)
	if got := vigil.ErrorCode(err); got != code || ve == nil || ve.Reason != reason {
		t.Fatalf("err = %v (code %s), want %s (%s)", err, got, code, reason)
	}
	return ve
}

// events returns the audit events named name (every event for ""), newest
// first.
func (e *env) events(name string) []vigil.Event {
	e.t.Helper()
	list, err := e.raw.Events(e.ctx, vigil.EventFilter{Event: name, Limit: 1000})
	if err != nil {
		e.t.Fatalf("Events: %v", err)
	}
	return list
}

// countEvents counts the audit events named name about username.
func (e *env) countEvents(name, username string) int {
	e.t.Helper()
	n := 0
	for _, ev := range e.events(name) {
		if ev.Username == username {
			n++
		}
	}
	return n
}

// eventually calls cond until it reports true, failing the test if it has
// not within a generous deadline. It asserts nothing about speed.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// containsAny returns the first of secrets that s contains.
func containsAny(s string, secrets []string) (string, bool) {
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			return sec, true
		}
	}
	return "", false
}
