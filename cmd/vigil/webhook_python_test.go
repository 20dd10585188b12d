package main

import (
	"bufio"
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/webhook"
)

// pythonReceiver is the receiver docs/events.md shows ("A receiver in
// Python"), as the reader copies it; the README's section on webhooks
// shows the same one.
func pythonReceiver(t *testing.T) string {
	t.Helper()
	block := func(path, heading string) string {
		doc, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile("(?s)" + regexp.QuoteMeta(heading) + "\n.*?```python\n(.*?)```").FindSubmatch(doc)
		if m == nil {
			t.Fatalf("%s has no python block under %q", path, heading)
		}
		return string(m[1])
	}
	doc := block("../../docs/events.md", "### A receiver in Python")
	if readme := block("../../README.md", "## Webhooks: changes other services act on"); readme != doc {
		t.Errorf("the README's receiver differs from docs/events.md's:\n%s\n---\n%s", readme, doc)
	}
	return doc
}

// TestWebhookPythonReceiver: the documented Python receiver, run with
// python3 against vigil serve, verifies vigil's signatures and acts on
// each message once: a sign-out and a password change arrive with their
// data; a forged signature, a stale timestamp and a repeated id are
// refused or skipped by the receiver's own checks.
func TestWebhookPythonReceiver(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("no python3")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "receiver.py")
	if err := os.WriteFile(script, []byte(pythonReceiver(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	secret := webhook.NewSecret()
	secretFile := filepath.Join(dir, "webhook.secret")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(freePort(t))
	py := exec.Command("python3", script, port)
	py.Env = append(os.Environ(), "VIGIL_WEBHOOK_SECRET="+secret)
	out := &testkit.SyncBuffer{}
	py.Stdout, py.Stderr = out, out
	if err := py.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { py.Process.Kill(); py.Wait() })
	url := "http://127.0.0.1:" + port + "/hooks/vigil"
	waitListening(t, "127.0.0.1:"+port)

	srv := startServer(t, "", "--dev", "--webhook-url", url, "--webhook-secret-file", secretFile)
	srv.addUser(t, "alice", "patient", alicePW)
	d := srv.device(t)
	d.Login("alice", alicePW)
	id := d.sessionID("alice's session")
	expect(t, "alice signs out", d.Do("POST", "/api/auth/logout", nil), 200)
	line := waitLine(t, out, "session.revoked")
	if !strings.Contains(line, `"reason": "logout"`) || !strings.Contains(line, `"username": "alice"`) || !strings.Contains(line, id) {
		t.Errorf("the receiver acted on %q, want alice's session %s ended by logout", line, id)
	}

	// The receiver's own checks, with requests vigil would never send.
	body := []byte(`{"type":"user.disabled","timestamp":"2026-01-01T00:00:00Z","data":{"user_id":1,"username":"forged"}}`)
	post := func(secret, msgID string, at time.Time) int {
		t.Helper()
		s, err := webhook.ParseSecret(secret)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
		webhook.Headers(req.Header, []webhook.Secret{s}, msgID, at, body)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := post(webhook.NewSecret(), "msg_forged", time.Now()); code != 401 {
		t.Errorf("another secret's signature: %d, want 401", code)
	}
	if code := post(secret, "msg_stale", time.Now().Add(-10*time.Minute)); code != 401 {
		t.Errorf("a 10-minute-old timestamp: %d, want 401", code)
	}
	for range 2 {
		if code := post(secret, "msg_twice", time.Now()); code != 204 {
			t.Errorf("a good message: %d, want 204", code)
		}
	}

	// vigil's next message is processed; the one sent twice, once.
	if code, _, errs := srv.cli(t, "", "user", "disable", "alice"); code != 0 {
		t.Fatalf("user disable: %d %s", code, errs)
	}
	waitLine(t, out, "user.disabled")
	if n := strings.Count(out.String(), `"username": "forged"`); n != 1 {
		t.Errorf("the message sent twice was acted on %d times:\n%s", n, out.String())
	}
}

// waitListening waits until addr accepts connections.
func waitListening(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get("http://" + addr + "/"); err == nil {
			res.Body.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("nothing listens on %s", addr)
}

// waitLine waits for a line of out starting with prefix from a vigil
// message (not one of the test's own, whose username is "forged").
func waitLine(t *testing.T, out *testkit.SyncBuffer, prefix string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		sc := bufio.NewScanner(strings.NewReader(out.String()))
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, prefix+" ") && !strings.Contains(l, "forged") {
				return l
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the receiver printed no %s line:\n%s", prefix, out.String())
	return ""
}
