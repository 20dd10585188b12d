package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil/internal/testkit"
)

// server is a vigil started through run(), as a user would start it.
type server struct {
	URL    string
	DB     string
	stdout *testkit.SyncBuffer
	stderr *testkit.SyncBuffer
}

var listenLine = regexp.MustCompile(`msg="vigil listening" addr=(\S+)`)

// startServer runs `vigil serve` on 127.0.0.1:0 with a database in a temp
// dir (or db, if given) and the extra flags, and stops it at cleanup.
func startServer(t *testing.T, db string, flags ...string) *server {
	t.Helper()
	if db == "" {
		db = filepath.Join(t.TempDir(), "vigil.db")
	}
	s := &server{DB: db, stdout: &testkit.SyncBuffer{}, stderr: &testkit.SyncBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, flags...)
	if !slices.Contains(flags, "--shutdown-grace") {
		// A test's server stops at once, production mode or not (the
		// drain has tests of its own).
		args = append(args, "--shutdown-grace", "0")
	}
	go func() { done <- run(ctx, args, noEnv, strings.NewReader(""), s.stdout, s.stderr) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d: %s", code, s.stderr.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := listenLine.FindStringSubmatch(s.stderr.String()); m != nil {
			s.URL = "http://" + m[1]
			return s
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d before listening: %s", code, s.stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("server did not start: %s", s.stderr.String())
	return nil
}

func noEnv(string) string { return "" }

// cli runs a vigil command against the server's database.
func (s *server) cli(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append(args, "--db", s.DB), noEnv, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// addUser creates a user with a password through the CLI.
func (s *server) addUser(t *testing.T, name, role, password string) {
	t.Helper()
	if code, _, errs := s.cli(t, password+"\n", "user", "add", name, "--role", role, "--password-stdin"); code != 0 {
		t.Fatalf("user add %s: exit %d: %s", name, code, errs)
	}
}

// device is one browser: its own cookie jar and the CSRF token it was given.
type device struct {
	*testkit.Browser
	srv *server
}

func (s *server) device(t testing.TB) *device {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &device{srv: s, Browser: &testkit.Browser{T: t, URL: s.URL, Client: &http.Client{Jar: jar, Timeout: 30 * time.Second}}}
}

// expect fails the test unless r has the status and (if given) the code
// and reason.
func expect(t testing.TB, what string, r testkit.Response, status int, codeReason ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, r.Status, status, r.Raw)
	}
	if len(codeReason) > 0 && r.Code() != codeReason[0] {
		t.Fatalf("%s: code %q, want %q: %s", what, r.Code(), codeReason[0], r.Raw)
	}
	if len(codeReason) > 1 && r.Reason() != codeReason[1] {
		t.Fatalf("%s: reason %q, want %q: %s", what, r.Reason(), codeReason[1], r.Raw)
	}
}
