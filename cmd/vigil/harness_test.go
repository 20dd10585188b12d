package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer collects a server's output and lets a test wait for a line.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// server is a vigil started through run(), as a user would start it.
type server struct {
	URL    string
	DB     string
	stdout *syncBuffer
	stderr *syncBuffer
}

var listenLine = regexp.MustCompile(`msg="vigil listening" addr=(\S+)`)

// startServer runs `vigil serve` on 127.0.0.1:0 with a database in a temp
// dir (or db, if given) and the extra flags, and stops it at cleanup.
func startServer(t *testing.T, db string, flags ...string) *server {
	t.Helper()
	if db == "" {
		db = filepath.Join(t.TempDir(), "vigil.db")
	}
	s := &server{DB: db, stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, flags...)
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
	t    *testing.T
	srv  *server
	c    *http.Client
	csrf string
}

func (s *server) device(t *testing.T) *device {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &device{t: t, srv: s, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// response is a decoded answer.
type response struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

func (r response) code() string   { s, _ := r.Body["code"].(string); return s }
func (r response) reason() string { s, _ := r.Body["reason"].(string); return s }

// do sends a request as a same-origin page would (Origin set for unsafe
// methods, the CSRF token attached), unless headers override.
func (d *device) do(method, path string, body any, headers ...string) response {
	d.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			d.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, d.srv.URL+path, rd)
	if err != nil {
		d.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method != http.MethodGet {
		req.Header.Set("Origin", d.srv.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		if d.csrf != "" {
			req.Header.Set("X-CSRF-Token", d.csrf)
		}
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := d.c.Do(req)
	if err != nil {
		d.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := response{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &out.Body)
	if tok, ok := out.Body["csrf_token"].(string); ok {
		d.csrf = tok
	}
	return out
}

// login signs the device in and fails the test otherwise.
func (d *device) login(user, password string) response {
	d.t.Helper()
	r := d.do("POST", "/api/auth/login", map[string]string{"username": user, "password": password})
	if r.Status != http.StatusOK {
		d.t.Fatalf("login %s: %d %s", user, r.Status, r.Raw)
	}
	return r
}

// expect fails the test unless r has the status and (if given) the code
// and reason.
func expect(t *testing.T, what string, r response, status int, codeReason ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, r.Status, status, r.Raw)
	}
	if len(codeReason) > 0 && r.code() != codeReason[0] {
		t.Fatalf("%s: code %q, want %q: %s", what, r.code(), codeReason[0], r.Raw)
	}
	if len(codeReason) > 1 && r.reason() != codeReason[1] {
		t.Fatalf("%s: reason %q, want %q: %s", what, r.reason(), codeReason[1], r.Raw)
	}
}
