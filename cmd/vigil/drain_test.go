package main

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil/internal/testkit"
)

// opsPW is alice's password in the operations tests.
const opsPW = "violet-quarry-lantern-6082"

// stoppable is a vigil started through run() that the test stops itself,
// as a service manager sends SIGTERM: run's context ends.
type stoppable struct {
	*server
	stop func()
	done chan struct{} // closed when run returned
	code int           // run's exit status, once done
}

// jsonListenLine is listenLine in a JSON log.
var jsonListenLine = regexp.MustCompile(`"msg":"vigil listening","addr":"([^"]+)"`)

// startStoppable runs `vigil serve` on 127.0.0.1:0 with a database in a
// temp dir (or db, if given) and the extra flags; it is stopped, and
// waited for, at cleanup.
func startStoppable(t *testing.T, db string, flags ...string) *stoppable {
	t.Helper()
	if db == "" {
		db = filepath.Join(t.TempDir(), "vigil.db")
	}
	s := &stoppable{server: &server{DB: db, stdout: &testkit.SyncBuffer{}, stderr: &testkit.SyncBuffer{}}, done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, flags...)
	go func() {
		defer close(s.done)
		s.code = run(ctx, args, noEnv, strings.NewReader(""), s.stdout, s.stderr)
	}()
	t.Cleanup(func() {
		cancel()
		<-s.done
	})
	for deadline := time.Now().Add(30 * time.Second); s.URL == ""; time.Sleep(10 * time.Millisecond) {
		logs := s.stderr.String()
		if m := listenLine.FindStringSubmatch(logs); m != nil {
			s.URL = "http://" + m[1]
		} else if m := jsonListenLine.FindStringSubmatch(logs); m != nil {
			s.URL = "http://" + m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("server did not start: %s", logs)
		}
	}
	return s
}

// exited reports whether run has returned.
func (s *stoppable) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// fresh returns a device sharing d's cookies whose every request opens a
// new connection, as a client arriving after the stop signal would.
func fresh(d *device) *device {
	nd := *d
	b := *d.Browser
	b.Client = &http.Client{Jar: d.Client.Jar, Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	nd.Browser = &b
	return &nd
}

// TestStopDrainsBeforeClosing: on the stop signal /readyz answers 503
// "draining" at once, while requests, on new connections too, are still
// served for --shutdown-grace; then vigil exits 0 and stops listening.
func TestStopDrainsBeforeClosing(t *testing.T) {
	const grace = 5 * time.Second
	srv := startStoppable(t, "", "--dev", "--shutdown-grace", grace.String())
	srv.addUser(t, "alice", "patient", opsPW)
	d := srv.device(t)
	d.Login("alice", opsPW)
	expect(t, "readyz before the stop", fresh(d).Do("GET", "/readyz", nil), 200)

	stopped := time.Now()
	srv.stop()
	var r testkit.Response
	for r.Status != 503 {
		if srv.exited() {
			t.Fatalf("vigil exited (%d) without draining: %s", srv.code, srv.stderr.String())
		}
		r = fresh(d).Do("GET", "/readyz", nil)
	}
	expect(t, "readyz once stopping", r, 503, "UNAVAILABLE")
	if r.Str("status") != "draining" {
		t.Errorf("readyz once stopping: %s, want status draining", r.Raw)
	}
	expect(t, "a request on a new connection while draining", fresh(d).Do("GET", "/api/auth/session", nil), 200)
	resp, err := d.Client.Get(srv.URL + "/api/auth/sessions")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !resp.Close {
		t.Errorf("a request on a kept-alive connection while draining: status %d, Connection: close %v; want 200 and close", resp.StatusCode, resp.Close)
	}
	if srv.exited() {
		t.Fatalf("vigil exited (%d) before the requests made while draining were answered", srv.code)
	}

	if <-srv.done; srv.code != 0 {
		t.Fatalf("vigil exited %d: %s", srv.code, srv.stderr.String())
	}
	if waited := time.Since(stopped); waited < grace {
		t.Errorf("vigil exited %v after the stop signal, before the grace period of %v", waited, grace)
	}
	if c, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://")); err == nil {
		c.Close()
		t.Error("vigil still accepts connections after it exited")
	}
	if logs := srv.stderr.String(); !strings.Contains(logs, "vigil draining") || !strings.Contains(logs, "vigil stopped") {
		t.Errorf("the log does not tell the drain: %s", logs)
	}
}

// TestDevStopsAtOnce: with --dev and no --shutdown-grace, vigil stops as
// soon as it is told to, and its /readyz never said draining for long.
func TestDevStopsAtOnce(t *testing.T) {
	srv := startStoppable(t, "", "--dev")
	srv.stop()
	if <-srv.done; srv.code != 0 {
		t.Fatalf("vigil exited %d: %s", srv.code, srv.stderr.String())
	}
	if logs := srv.stderr.String(); strings.Contains(logs, "vigil draining") || !strings.Contains(logs, "vigil stopped") {
		t.Errorf("log of a stop without grace: %s", logs)
	}
}
