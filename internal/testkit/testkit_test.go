package testkit

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

func TestClock(t *testing.T) {
	start := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
	c := NewClock(start)
	c.Advance(time.Minute)
	c.Advance(time.Minute)
	if got := c.Now(); !got.Equal(start.Add(2 * time.Minute)) {
		t.Errorf("after two Advance(1m): %v", got)
	}
	c.Set(time.Hour) // from the start, not from now
	if got := c.Now(); !got.Equal(start.Add(time.Hour)) {
		t.Errorf("after Set(1h): %v", got)
	}
}

func TestCountingHasher(t *testing.T) {
	ctx := context.Background()
	h := NewCountingHasher()
	phc, err := h.Hash(ctx, "a long enough passphrase")
	if err != nil {
		t.Fatal(err)
	}
	h.Gate = make(chan struct{})
	done := make(chan bool)
	go func() {
		ok, _, _ := h.Verify(ctx, "a long enough passphrase", phc)
		done <- ok
	}()
	select {
	case <-done:
		t.Fatal("Verify did not wait for the gate")
	case <-time.After(20 * time.Millisecond):
	}
	close(h.Gate)
	if !<-done {
		t.Error("Verify of the right password = false")
	}
	h.VerifyDummy(ctx, "x")
	if h.Hashes.Load() != 1 || h.Verifies.Load() != 1 || h.Dummies.Load() != 1 || h.Total() != 3 {
		t.Errorf("counts %d %d %d, total %d; want 1 1 1, 3", h.Hashes.Load(), h.Verifies.Load(), h.Dummies.Load(), h.Total())
	}
	h.Reset()
	if h.Total() != 0 {
		t.Errorf("Total after Reset = %d", h.Total())
	}
}

func TestEngineOverSQLite(t *testing.T) {
	e := Engine(SQLite(t), auth.Options{Policy: vigil.Policy{Lifetime: time.Hour, IdleTimeout: time.Minute}})
	Run(t, e)
	cur := SignIn(t, e, auth.NewUser{Username: "alice", Role: vigil.RolePatient, Password: "quiet-lantern-harbor-5821"}, auth.Actor{})
	if _, err := e.Check(context.Background(), cur.Token, false); err != nil {
		t.Errorf("Check of a new session: %v", err)
	}
}

// TestBrowser: what a same-origin page sends, and the CSRF token it keeps.
func TestBrowser(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"csrf_token":"next","got":{"origin":%q,"csrf":%q,"ua":%q,"cookie":%q,"x":%q}}`,
			r.Header.Get("Origin"), r.Header.Get("X-CSRF-Token"), r.Header.Get("User-Agent"),
			r.Header.Get("Cookie"), strings.Join(r.Header.Values("X-Two"), ","))
	}))
	defer srv.Close()
	b := &Browser{T: t, URL: srv.URL, Client: srv.Client(), CSRF: "first", UserAgent: "ua/1", Cookie: "c=1"}
	r := b.Do("POST", "/", map[string]string{}, "X-Two", "a", "x-two", "b")
	for k, want := range map[string]string{"origin": srv.URL, "csrf": "first", "ua": "ua/1", "cookie": "c=1", "x": "a,b"} {
		if got := r.Str("got", k); got != want {
			t.Errorf("POST sent %s %q, want %q", k, got, want)
		}
	}
	if b.CSRF != "next" {
		t.Errorf("CSRF after the answer = %q, want next", b.CSRF)
	}
	r = b.Do("GET", "/", nil, "Cookie", "")
	if r.Str("got", "origin") != "" || r.Str("got", "csrf") != "" || r.Str("got", "cookie") != "" {
		t.Errorf("GET sent origin, token or a deleted cookie: %s", r.Raw)
	}
}
