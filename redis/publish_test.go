package redis_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/redis"
	"github.com/vigilauth/vigil/sqlite"
)

// fakeRedis is a listener standing in for Redis. While hanging, it accepts
// connections and reads what they send without ever answering (a Redis
// that hangs); while down, it closes every connection at once; while up,
// it passes connections to the real server at upstream.
type fakeRedis struct {
	t        *testing.T
	ln       net.Listener
	upstream string
	mode     atomic.Int32
	heard    chan struct{} // a client sent bytes to the hanging server
	mu       sync.Mutex
	conns    []net.Conn
}

const (
	hanging int32 = iota
	down
	up
)

func newFakeRedis(t *testing.T, mode int32, upstream string) *fakeRedis {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeRedis{t: t, ln: ln, upstream: upstream, heard: make(chan struct{}, 1)}
	f.mode.Store(mode)
	go f.accept()
	t.Cleanup(f.close)
	return f
}

func (f *fakeRedis) URL() string { return "redis://" + f.ln.Addr().String() }

func (f *fakeRedis) accept() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.conns = append(f.conns, c)
		f.mu.Unlock()
		switch f.mode.Load() {
		case hanging:
			go f.hang(c)
		case down:
			c.Close()
		case up:
			go f.pipe(c)
		}
	}
}

func (f *fakeRedis) hang(c net.Conn) {
	buf := make([]byte, 4096)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
		select {
		case f.heard <- struct{}{}:
		default:
		}
	}
}

func (f *fakeRedis) pipe(c net.Conn) {
	r, err := net.Dial("tcp", f.upstream)
	if err != nil {
		c.Close()
		return
	}
	f.mu.Lock()
	f.conns = append(f.conns, r)
	f.mu.Unlock()
	go func() { io.Copy(r, c); r.Close() }()
	io.Copy(c, r)
	c.Close()
}

// close stops listening and closes every connection, which releases a
// client blocked on the hanging server.
func (f *fakeRedis) close() {
	f.ln.Close()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.conns {
		c.Close()
	}
}

// blockingClient is a client that waits for an answer as long as it takes:
// a publish to the hanging server never returns until the server closes.
func blockingClient(addr string) *goredis.Client {
	return goredis.NewClient(&goredis.Options{Addr: addr, ReadTimeout: -1, WriteTimeout: -1, MaxRetries: -1})
}

// within fails the test when fn does not return: a call that waits for a
// publisher that never returns would hang.
func within(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s is still waiting (for Redis?) after 30 s", what)
	}
}

// newSession stores a live session of userID and returns its id.
func newSession(t *testing.T, st vigil.SessionStore, userID int64) string {
	t.Helper()
	now := time.Now().UTC()
	s := &vigil.Session{ID: vigil.NewID(), TokenHash: vigil.NewToken().Hash(), UserID: userID, CreatedAt: now, LastActivity: now, ReauthAt: now}
	if err := st.CreateSession(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	return s.ID
}

// TestRevocationsDoNotWaitForRedis: with Redis hanging (it accepts and never
// answers) and the publisher provably stuck in a publish, revocations still
// return at once, are in the store, and another instance drops the session
// through the store's revocation log. Notices beyond the queue are dropped
// and counted.
func TestRevocationsDoNotWaitForRedis(t *testing.T) {
	hung := newFakeRedis(t, hanging, "")
	path := filepath.Join(t.TempDir(), "vigil.db")
	open := func(c *goredis.Client) *redis.Store {
		inner, err := sqlite.Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		st := redis.Wrap(inner, c, channel(t), slog.New(slog.DiscardHandler))
		t.Cleanup(func() { st.Close() })
		return st
	}
	a := open(blockingClient(hung.ln.Addr().String()))
	bClient, err := redis.Connect(newFakeRedis(t, hanging, "").URL())
	if err != nil {
		t.Fatal(err)
	}
	b := open(bClient)
	t.Cleanup(hung.close) // first: releases the stuck publisher so Close can stop it

	opt := auth.Options{Policy: vigil.Policy{Lifetime: time.Hour, IdleTimeout: time.Hour}}
	onA, onB := testkit.Engine(a, opt), testkit.Engine(b, opt)
	testkit.Run(t, onB)
	alice := testkit.SignIn(t, onA, auth.NewUser{Username: "alice", Role: vigil.RolePatient, Password: "quiet-lantern-harbor-5821"}, auth.Actor{})
	if _, err := onB.Check(t.Context(), alice.Token, false); err != nil {
		t.Fatalf("B: alice's session before the revocation: %v", err)
	}

	// The first revocation's notice puts the publisher into a publish that
	// never returns.
	first := newSession(t, a, alice.User.ID)
	within(t, "the first revocation", func() {
		if ended, err := a.EndSession(t.Context(), first, vigil.ReasonRevoked, time.Now()); err != nil || !ended {
			t.Errorf("EndSession: %v %v", ended, err)
		}
	})
	select {
	case <-hung.heard:
	case <-time.After(30 * time.Second):
		t.Fatal("the publisher never reached Redis")
	}

	// While it is stuck: many revocations, alice's last.
	const more = 200
	within(t, "revocations while the publisher is stuck", func() {
		for range more {
			id := newSession(t, a, alice.User.ID)
			if ended, err := a.EndSession(t.Context(), id, vigil.ReasonRevoked, time.Now()); err != nil || !ended {
				t.Errorf("EndSession: %v %v", ended, err)
				return
			}
		}
		if err := onA.Logout(t.Context(), alice.Token, auth.Actor{}); err != nil {
			t.Errorf("logout: %v", err)
		}
	})
	if s, err := a.SessionByID(t.Context(), alice.Session.ID); err != nil || s.Live() {
		t.Fatalf("alice's session in the store after logout: %+v %v", s, err)
	}
	if st := a.Stats(); st.Published != 0 || st.Dropped == 0 {
		t.Errorf("stats while the publisher is stuck = %+v, want nothing published and notices dropped", st)
	}

	// Instance B learns it from the store's revocation log.
	var cerr error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, cerr = onB.Check(t.Context(), alice.Token, false); cerr != nil {
			break
		}
	}
	if e := vigil.AsError(cerr); e == nil || e.Code != vigil.CodeSessionRevoked {
		t.Fatalf("B after the logout: %v, want SESSION_REVOKED", cerr)
	}
}

// TestRedisOutageLogsOnce: while Redis is unreachable, failed publishes
// give one warning in all, not one per revocation; when Redis answers
// again, one line says so and notices flow again.
func TestRedisOutageLogsOnce(t *testing.T) {
	url := redisURL(t)
	opt, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	fake := newFakeRedis(t, down, opt.Addr)
	var logs testkit.SyncBuffer
	client, err := redis.Connect(fake.URL())
	if err != nil {
		t.Fatal(err)
	}
	inner := testkit.SQLite(t)
	ch := channel(t)
	st := redis.Wrap(inner, client, ch, slog.New(slog.NewJSONHandler(&logs, nil)))
	defer st.Close()
	u := &vigil.User{Username: "alice", Role: vigil.RolePatient, CreatedAt: time.Now()}
	if err := st.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	revoke := func() {
		t.Helper()
		if ended, err := st.EndSession(t.Context(), newSession(t, st, u.ID), vigil.ReasonRevoked, time.Now()); err != nil || !ended {
			t.Fatalf("EndSession: %v %v", ended, err)
		}
	}

	const failures = 4
	for i := range failures {
		revoke()
		for deadline := time.Now().Add(30 * time.Second); st.Stats().Failed <= uint64(i); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("publish %d neither failed nor succeeded: %+v", i+1, st.Stats())
			}
		}
	}
	if got := records(t, &logs, "WARN"); len(got) != 1 || !strings.Contains(got[0]["msg"].(string), "cannot be published") {
		t.Fatalf("warnings after %d failed publishes = %v, want one", failures, got)
	}

	sub := goredis.NewClient(opt).Subscribe(t.Context(), ch)
	defer sub.Close()
	if _, err := sub.Receive(t.Context()); err != nil {
		t.Fatal(err)
	}
	fake.mode.Store(up)
	heard := false
	for deadline := time.Now().Add(30 * time.Second); !heard && time.Now().Before(deadline); {
		revoke()
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		_, err := sub.ReceiveMessage(ctx)
		cancel()
		heard = err == nil
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			t.Fatal(err)
		}
	}
	if !heard {
		t.Fatal("no notice within 30 s of Redis answering again")
	}
	var back []map[string]any
	for deadline := time.Now().Add(10 * time.Second); len(back) == 0 && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		back = records(t, &logs, "INFO")
	}
	if len(back) != 1 || !strings.Contains(back[0]["msg"].(string), "published again") || back[0]["failed"].(float64) < failures {
		t.Errorf("lines when Redis answered again = %v, want one, counting at least %d failures", back, failures)
	}
	if got := records(t, &logs, "WARN"); len(got) != 1 {
		t.Errorf("warnings in all = %v, want one", got)
	}
}

// records returns the JSON log records of level in buf.
func records(t *testing.T, buf *testkit.SyncBuffer, level string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range bytes.Split([]byte(buf.String()), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["level"] == level {
			out = append(out, rec)
		}
	}
	return out
}
