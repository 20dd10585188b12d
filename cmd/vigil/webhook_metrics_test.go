package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilauth/vigil/webhook"
)

// TestWebhookMetrics: with a receiver that keeps failing, /metrics counts
// the failed attempts and the delivery waiting for its retry.
func TestWebhookMetrics(t *testing.T) {
	var calls atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	defer receiver.Close()
	secretFile := filepath.Join(t.TempDir(), "webhook-secrets")
	if err := os.WriteFile(secretFile, []byte(webhook.NewSecret()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, "", "--dev", "--metrics-addr", "127.0.0.1:0",
		"--webhook-url", receiver.URL+"/hooks", "--webhook-secret-file", secretFile)
	srv.addUser(t, "alice", "patient", alicePW)
	d := srv.device(t)
	d.Login("alice", alicePW)
	expect(t, "sign-out", d.Do("POST", "/api/auth/logout", nil), 200)

	var addr string
	for deadline := time.Now().Add(10 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := regexp.MustCompile(`msg="metrics listening" addr=(\S+)`).FindStringSubmatch(srv.stderr.String()); m != nil {
			addr = m[1]
		}
	}
	scrape := func() string {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	// The worker polls every second: wait for its first failed attempt.
	failures := regexp.MustCompile(`(?m)^vigil_webhooks_failed_total ([1-9]\d*)$`)
	text := scrape()
	for deadline := time.Now().Add(30 * time.Second); !failures.MatchString(text) && time.Now().Before(deadline); text = scrape() {
		time.Sleep(50 * time.Millisecond)
	}
	if !failures.MatchString(text) || calls.Load() == 0 {
		t.Fatalf("no failed attempt counted (receiver called %d times): %s", calls.Load(), text)
	}
	for _, want := range []string{"vigil_webhooks_pending 1", "vigil_webhooks_dead 0", "vigil_webhooks_delivered_total 0"} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if !strings.Contains(srv.stderr.String(), `msg="webhooks: delivery failed"`) || strings.Contains(srv.stderr.String(), "down for maintenance") {
		t.Errorf("the failure's log line is missing, or carries the receiver's body")
	}
}
