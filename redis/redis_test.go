package redis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/redis"
	"github.com/vigilauth/vigil/sqlite"
	"github.com/vigilauth/vigil/storetest"
)

// redisURL returns VIGIL_TEST_REDIS, skipping the test when it is unset.
// A set but unreachable server fails the test.
func redisURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("VIGIL_TEST_REDIS")
	if u == "" {
		t.Skip("VIGIL_TEST_REDIS not set")
	}
	c, err := redis.Connect(u)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Ping(t.Context()).Err(); err != nil {
		t.Fatalf("VIGIL_TEST_REDIS=%s does not answer: %v", u, err)
	}
	return u
}

func channel(t *testing.T) string {
	var b [6]byte
	rand.Read(b[:])
	return "vigil-test:" + t.Name() + ":" + hex.EncodeToString(b[:])
}

func wrap(t *testing.T, url, path, ch string) *redis.Store {
	t.Helper()
	inner, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := redis.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	return redis.Wrap(inner, c, ch, nil)
}

// TestStoreSuite: the wrapper keeps every contract of the store it wraps.
func TestStoreSuite(t *testing.T) {
	url := redisURL(t)
	storetest.Run(t, func(t *testing.T) vigil.Store {
		return wrap(t, url, filepath.Join(t.TempDir(), "vigil.db"), channel(t))
	})
}

// TestRevocationFanOut: a revocation made through one instance reaches a
// watcher on another through Redis.
func TestRevocationFanOut(t *testing.T) {
	url := redisURL(t)
	path, ch := filepath.Join(t.TempDir(), "vigil.db"), channel(t)
	a, b := wrap(t, url, path, ch), wrap(t, url, path, ch)
	defer a.Close()
	defer b.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	got := make(chan struct{}, 16)
	go b.WatchRevocations(ctx, func() {
		select {
		case got <- struct{}{}:
		default:
		}
	})
	// The watcher announces itself once subscribed.
	waitFor(t, got, "subscription")

	u := &vigil.User{Username: "alice", Role: vigil.RolePatient, CreatedAt: time.Now()}
	if err := a.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	s := &vigil.Session{ID: vigil.NewID(), TokenHash: vigil.NewToken().Hash(), UserID: u.ID, CreatedAt: now, LastActivity: now, ReauthAt: now}
	if err := a.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	if ended, err := a.EndSession(ctx, s.ID, vigil.ReasonRevoked, now); err != nil || !ended {
		t.Fatalf("end session: %v %v", ended, err)
	}
	waitFor(t, got, "revocation notice")
}

// TestRedisDownKeepsStoreWorking: with Redis unreachable, revocations still
// happen in the store and report success.
func TestRedisDownKeepsStoreWorking(t *testing.T) {
	st := wrap(t, "redis://127.0.0.1:1/0", filepath.Join(t.TempDir(), "vigil.db"), channel(t))
	defer st.Close()
	ctx := t.Context()
	u := &vigil.User{Username: "alice", Role: vigil.RolePatient, CreatedAt: time.Now()}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	s := &vigil.Session{ID: vigil.NewID(), TokenHash: vigil.NewToken().Hash(), UserID: u.ID, CreatedAt: now, LastActivity: now, ReauthAt: now}
	if err := st.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	if ended, err := st.EndSession(ctx, s.ID, vigil.ReasonRevoked, now); err != nil || !ended {
		t.Fatalf("end session with Redis down: %v %v", ended, err)
	}
	got, err := st.SessionByID(ctx, s.ID)
	if err != nil || got.Live() {
		t.Fatalf("session after revoke: %+v %v", got, err)
	}
	if err := st.Ping(ctx); err != nil {
		t.Fatalf("ready without Redis: %v", err)
	}
}

func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s within 10 s", what)
	}
}
