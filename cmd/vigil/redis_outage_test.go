package main

import (
	"encoding/json"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilauth/vigil/internal/testkit"
)

// hangingRedis accepts connections and reads them without ever answering:
// a Redis that hangs. Its connections are closed at cleanup.
func hangingRedis(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go io.Copy(io.Discard, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "redis://" + ln.Addr().String()
}

// TestHangingRedis: two instances share a store and a Redis that hangs.
// Sign-outs on A are answered, B drops those sessions through the store,
// and A's log says once, not once per sign-out, that notices cannot be
// published.
func TestHangingRedis(t *testing.T) {
	redis := hangingRedis(t)
	db := filepath.Join(t.TempDir(), "vigil.db")
	a := startStoppable(t, db, "--dev", "--redis", redis, "--log-format", "json")
	b := startStoppable(t, db, "--dev", "--redis", redis)
	a.addUser(t, "alice", "patient", opsPW)

	const signOuts = 5
	var onB []*device
	for range signOuts {
		d := a.device(t)
		d.Login("alice", opsPW)
		nd := d.on(b.server)
		warm(t, 2, nd)
		expect(t, "sign out on A", d.Do("POST", "/api/auth/logout", nil), 200)
		onB = append(onB, nd)
	}
	for i, d := range onB {
		var r testkit.Response
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if r = d.Do("GET", "/api/auth/session", nil); r.Status != 200 {
				break
			}
		}
		expect(t, "B after sign-out "+string(rune('1'+i)), r, 401, "SESSION_REVOKED", "logout")
	}

	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(a.stderr.String(), "revocation notices cannot be published"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("A never said that notices cannot be published: %s", a.stderr.String())
		}
	}
	a.stop()
	<-a.done // writes what the log still holds back
	warnings := 0
	for _, line := range strings.Split(strings.TrimSpace(a.stderr.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if msg, _ := rec["msg"].(string); rec["level"] == "WARN" && strings.Contains(msg, "revocation notice") {
			if n, ok := rec["repeated"].(float64); ok {
				warnings += int(n)
			} else {
				warnings++
			}
		}
	}
	if warnings != 1 {
		t.Errorf("A warned %d times about %d unpublished sign-outs, want once:\n%s", warnings, signOuts, a.stderr.String())
	}
}
