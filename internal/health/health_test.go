package health_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/health"
	"github.com/vigilauth/vigil/internal/testkit"
)

// diskFull makes every write of the store it wraps fail while full is set,
// as a full disk does; reads and Ping still answer.
type diskFull struct {
	vigil.Store
	full    atomic.Bool
	pingErr atomic.Value // error
}

var errDiskFull = errors.New("sqlite: database or disk is full (13)")

func (s *diskFull) CreateSession(ctx context.Context, sess *vigil.Session) error {
	if s.full.Load() {
		return errDiskFull
	}
	return s.Store.CreateSession(ctx, sess)
}

func (s *diskFull) AppendEvent(ctx context.Context, e *vigil.Event) error {
	if s.full.Load() {
		return errDiskFull
	}
	return s.Store.AppendEvent(ctx, e)
}

func (s *diskFull) Ping(ctx context.Context) error {
	if err, _ := s.pingErr.Load().(error); err != nil {
		return err
	}
	return s.Store.Ping(ctx)
}

type fixture struct {
	t     *testing.T
	inner *diskFull
	store vigil.Store
	mon   *health.Monitor
	clock *testkit.Clock
	user  *vigil.User
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{t: t, inner: &diskFull{Store: testkit.SQLite(t)}, clock: testkit.NewClock(time.Now())}
	f.store, f.mon = health.Watch(f.inner, health.Options{Window: 10 * time.Second, Now: f.clock.Now})
	f.user = &vigil.User{Username: "alice", Role: vigil.RolePatient, CreatedAt: time.Now()}
	if err := f.store.CreateUser(t.Context(), f.user); err != nil {
		t.Fatal(err)
	}
	return f
}

// login writes what a login writes: a session and an audit event.
func (f *fixture) login() error {
	now := time.Now().UTC()
	s := &vigil.Session{ID: vigil.NewID(), TokenHash: vigil.NewToken().Hash(), UserID: f.user.ID, CreatedAt: now, LastActivity: now, ReauthAt: now}
	return errors.Join(f.store.CreateSession(f.t.Context(), s), f.store.AppendEvent(f.t.Context(), &vigil.Event{Time: now, Username: "alice", Event: "login_succeeded"}))
}

func (f *fixture) ready(what string, want error) {
	f.t.Helper()
	err := f.mon.Ready(f.t.Context())
	switch {
	case want == nil && err != nil:
		f.t.Fatalf("%s: Ready = %v, want ready", what, err)
	case want != nil && !errors.Is(err, want):
		f.t.Fatalf("%s: Ready = %v, want %v", what, err, want)
	}
}

// TestFailedWritesMakeTheStoreNotReady: while the disk is full, the store
// still answers Ping and reads but is not ready; the first write that
// succeeds makes it ready again.
func TestFailedWritesMakeTheStoreNotReady(t *testing.T) {
	f := newFixture(t)
	if err := f.login(); err != nil {
		t.Fatal(err)
	}
	f.ready("writes succeed", nil)

	f.inner.full.Store(true)
	if err := f.login(); !errors.Is(err, errDiskFull) {
		t.Fatalf("login on a full disk: %v", err)
	}
	f.ready("the last write failed", health.ErrWritesFail)
	err := f.mon.Ready(t.Context())
	if !errors.Is(err, errDiskFull) {
		t.Errorf("Ready = %v, want the cause too", err)
	}
	if _, err := f.store.ListUsers(t.Context()); err != nil {
		t.Fatalf("reads still work: %v", err)
	}
	f.clock.Advance(9 * time.Second)
	f.ready("9 s after the failed write", health.ErrWritesFail)

	f.inner.full.Store(false)
	if err := f.login(); err != nil {
		t.Fatal(err)
	}
	f.ready("a write succeeded", nil)
}

// TestNotReadyOnlyWithinTheWindow: with no write since the failed one,
// the store is ready again once the window has passed (a request may then
// try a write, and a failure makes it not ready again).
func TestNotReadyOnlyWithinTheWindow(t *testing.T) {
	f := newFixture(t)
	f.inner.full.Store(true)
	f.login()
	f.ready("just failed", health.ErrWritesFail)
	f.clock.Advance(10 * time.Second)
	f.ready("10 s after the failed write, none since", nil)
	f.login()
	f.ready("failed again", health.ErrWritesFail)
}

// TestServerKeySuccessProvesNothing: reading a server key that exists
// writes nothing, so it does not make a store whose writes fail ready.
func TestServerKeySuccessProvesNothing(t *testing.T) {
	f := newFixture(t)
	if _, err := f.store.ServerKey(t.Context(), "device"); err != nil {
		t.Fatal(err)
	}
	f.inner.full.Store(true)
	f.login()
	if _, err := f.store.ServerKey(t.Context(), "device"); err != nil {
		t.Fatal(err)
	}
	f.ready("a key read after a failed write", health.ErrWritesFail)
}

// TestOutcomesAreNotFailures: the contract's own answers (conflict, not
// found) and a caller that gave up say nothing against the store.
func TestOutcomesAreNotFailures(t *testing.T) {
	f := newFixture(t)
	dup := &vigil.User{Username: "alice", Role: vigil.RolePatient, CreatedAt: time.Now()}
	if err := f.store.CreateUser(t.Context(), dup); !errors.Is(err, vigil.ErrConflict) {
		t.Fatalf("duplicate user: %v", err)
	}
	if err := f.store.SetDisabled(t.Context(), 999, true); !errors.Is(err, vigil.ErrNotFound) {
		t.Fatalf("disable nobody: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	f.store.RecordLogin(ctx, f.user.ID, time.Now())
	f.ready("after a conflict, a not-found and a cancelled write", nil)
}

// TestPingFailureIsNotReady: an unreachable store is not ready, whatever
// its writes did.
func TestPingFailureIsNotReady(t *testing.T) {
	f := newFixture(t)
	down := fmt.Errorf("ping: %w", vigil.ErrUnavailable)
	f.inner.pingErr.Store(down)
	f.ready("ping fails", vigil.ErrUnavailable)
}

// notifier is a store that pushes revocation notices.
type notifier struct{ vigil.Store }

func (notifier) WatchRevocations(ctx context.Context, notify func()) error {
	notify()
	<-ctx.Done()
	return ctx.Err()
}

// TestKeepsRevocationNotices: a store that pushes revocation notices still
// does through the wrapper (the engine's cache depends on them); one that
// does not, still does not.
func TestKeepsRevocationNotices(t *testing.T) {
	plain, _ := health.Watch(testkit.SQLite(t), health.Options{})
	if _, ok := plain.(vigil.RevocationNotifier); ok {
		t.Error("a store without notices gained WatchRevocations")
	}
	st, _ := health.Watch(notifier{testkit.SQLite(t)}, health.Options{})
	n, ok := st.(vigil.RevocationNotifier)
	if !ok {
		t.Fatal("the wrapper hides WatchRevocations")
	}
	ctx, cancel := context.WithCancel(t.Context())
	called := false
	cancel()
	n.WatchRevocations(ctx, func() { called = true })
	if !called {
		t.Error("WatchRevocations did not reach the store")
	}
}

// reads are the methods of vigil.Store that write nothing.
var reads = map[string]bool{
	"UserByUsername": true, "UserByID": true, "ListUsers": true, "SessionByToken": true, "SessionByID": true,
	"ListSessions": true, "ListAllSessions": true, "RevocationsSince": true, "LastRevocation": true,
	"ResetTokenUser": true, "Events": true, "Throttle": true, "Ping": true, "Close": true,
	"PendingSignIn": true, "Factors": true, "WebAuthnCredential": true, "WebAuthnCredentials": true,
	"DeadWebhooks": true, "CountWebhooks": true,
}

// closedStore is a store closed under the caller: every call that reaches
// it fails. Its Ping says it answers, so Ready judges the writes alone.
type closedStore struct{ vigil.Store }

func (closedStore) Ping(context.Context) error { return nil }

// TestEveryWriteIsRecorded: every method of vigil.Store is a read, or a
// write whose failure makes the store not ready: a method added to the
// contract must be sorted here, and a write wrapped.
func TestEveryWriteIsRecorded(t *testing.T) {
	inner := testkit.SQLite(t)
	inner.Close()
	contract := reflect.TypeFor[vigil.Store]()
	for i := range contract.NumMethod() {
		m := contract.Method(i)
		if reads[m.Name] {
			continue
		}
		t.Run(m.Name, func(t *testing.T) {
			st, mon := health.Watch(closedStore{inner}, health.Options{})
			args := make([]reflect.Value, m.Type.NumIn())
			for j := range args {
				args[j] = someValue(t.Context(), m.Type.In(j))
			}
			reflect.ValueOf(st).MethodByName(m.Name).Call(args)
			if err := mon.Ready(t.Context()); !errors.Is(err, health.ErrWritesFail) {
				t.Errorf("after %s failed: Ready = %v; is it a write left unwrapped, or a read missing from the list?", m.Name, err)
			}
		})
	}
}

// someValue is an argument of type t that makes a store method do its
// work: non-empty, non-zero where a zero would let it return early.
func someValue(ctx context.Context, t reflect.Type) reflect.Value {
	v := reflect.New(t).Elem()
	switch t.Kind() {
	case reflect.Interface:
		v.Set(reflect.ValueOf(ctx))
	case reflect.String:
		v.SetString("x")
	case reflect.Int, reflect.Int64:
		v.SetInt(1)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		v.Set(reflect.New(t.Elem()))
	case reflect.Slice:
		v.Set(reflect.MakeSlice(t, 1, 1))
	case reflect.Func:
		v.Set(reflect.MakeFunc(t, func(in []reflect.Value) []reflect.Value { return in }))
	case reflect.Struct:
		if t == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Now()))
		}
	}
	return v
}
