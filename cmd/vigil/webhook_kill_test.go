package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilauth/vigil/internal/pgtest"
	"github.com/vigilauth/vigil/vigilhttp"
	"github.com/vigilauth/vigil/webhook"
)

// hookReceiver is a webhook endpoint as a service would write one: every
// request verified with vigilhttp.VerifyWebhook, each webhook-id
// processed once.
type hookReceiver struct {
	t      *testing.T
	secret string
	mu     sync.Mutex
	ids    []string          // every verified request's webhook-id
	bodies map[string][]byte // the processed body of each id
	got    chan struct{}     // a message was processed
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := vigilhttp.VerifyWebhook(h.secret, r.Header, body, time.Now()); err != nil {
		h.t.Errorf("receiver: %v", err)
		http.Error(w, "unverified", http.StatusUnauthorized)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	id := r.Header.Get("webhook-id")
	h.ids = append(h.ids, id)
	if _, seen := h.bodies[id]; !seen {
		h.bodies[id] = body
		select {
		case h.got <- struct{}{}:
		default:
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// serveHooks serves h on addr until the test ends.
func serveHooks(t *testing.T, addr string, h *hookReceiver) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("the receiver cannot listen on %s again: %v", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
}

// downAddress returns a loopback address nothing listens on: the receiver
// while it is down.
func downAddress(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestWebhookSurvivesKill9: a sign-out acknowledged while the receiver is
// down, the process then killed with SIGKILL, reaches the receiver once
// vigil runs again and the receiver is up: signed, and processed once.
func TestWebhookSurvivesKill9(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		webhookAfterKill(t, filepath.Join(t.TempDir(), "vigil.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		pgtest.BaseURL(t)
		_, db := pgtest.Schema(t)
		webhookAfterKill(t, db)
	})
}

func webhookAfterKill(t *testing.T, db string) {
	secret := webhook.NewSecret()
	secretFile := filepath.Join(t.TempDir(), "webhook-secrets")
	if err := os.WriteFile(secretFile, []byte("# rotation: newest first\n"+secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := downAddress(t)
	// The child serve inherits the environment: the flags' twins.
	t.Setenv("VIGIL_WEBHOOK_URL", "http://"+addr+"/hooks/vigil")
	t.Setenv("VIGIL_WEBHOOK_SECRET_FILE", secretFile)

	srv, cmd := startChild(t, db)
	if !strings.Contains(srv.stderr.String(), "webhooks: delivering") {
		t.Fatalf("serve did not start the webhook worker (startWebhooks): %s", srv.stderr.String())
	}
	srv.addUser(t, "alice", "patient", alicePW)
	d := srv.device(t)
	d.Login("alice", alicePW)
	id := d.sessionID("alice's session")
	expect(t, "alice signs out while the receiver is down", d.Do("POST", "/api/auth/logout", nil), 200)
	kill9(t, cmd)

	rec := &hookReceiver{t: t, secret: secret, bodies: map[string][]byte{}, got: make(chan struct{}, 1)}
	serveHooks(t, addr, rec)
	startChild(t, db)
	select {
	case <-rec.got:
	case <-time.After(3 * time.Minute): // a lease the killed process held ends within 2 minutes
		t.Fatalf("the sign-out's webhook never arrived after the restart")
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.bodies) != 1 {
		t.Fatalf("receiver processed %d messages, want the one sign-out", len(rec.bodies))
	}
	for _, body := range rec.bodies {
		var p struct {
			Type string `json:"type"`
			Data struct {
				Username   string   `json:"username"`
				SessionIDs []string `json:"session_ids"`
				Reason     string   `json:"reason"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &p); err != nil || p.Type != "session.revoked" || p.Data.Username != "alice" ||
			len(p.Data.SessionIDs) != 1 || p.Data.SessionIDs[0] != id || p.Data.Reason != "logout" {
			t.Errorf("the webhook = %s (%v), want alice's session %s revoked for logout", body, err, id)
		}
	}
	if len(rec.ids) != 1 {
		t.Errorf("receiver saw ids %v: one delivery was expected once the receiver answered at once", rec.ids)
	}
}
