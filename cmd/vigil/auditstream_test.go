package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/testkit"
)

// TestStartAuditStream: serve's --audit-stream stdout writes each new
// event as a JSON line with its seq and hash; a target it cannot use is
// refused before anything starts; "" starts nothing.
func TestStartAuditStream(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	store, err := openStore(ctx, filepath.Join(t.TempDir(), "vigil.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, bad := range []string{"stderr", "syslog+udp://siem", "syslog+tcp://siem:514/x"} {
		if _, err := startAuditStream(ctx, store, bad, io.Discard, log); err == nil || !strings.Contains(err.Error(), "--audit-stream") {
			t.Errorf("--audit-stream %s: %v", bad, err)
		}
	}
	stop, err := startAuditStream(ctx, store, "", io.Discard, log)
	if err != nil {
		t.Fatal(err)
	}
	stop()

	var out testkit.SyncBuffer
	if stop, err = startAuditStream(ctx, store, "stdout", &out, log); err != nil {
		t.Fatal(err)
	}
	defer stop()
	// The stream starts at the head it finds; append until one is sent.
	for i := 0; !strings.Contains(out.String(), "\n"); i++ {
		e := &vigil.Event{Time: time.Now(), Username: "alice", Actor: "alice", Event: vigil.EventLogout}
		if err := store.AppendEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var line struct {
		Type     string `json:"type"`
		Seq      int64  `json:"seq"`
		Hash     string `json:"hash"`
		Username string `json:"username"`
		Event    string `json:"event"`
	}
	first := strings.SplitN(out.String(), "\n", 2)[0]
	if err := json.Unmarshal([]byte(first), &line); err != nil || line.Type != "event" || line.Seq < 1 || len(line.Hash) != 64 ||
		line.Username != "alice" || line.Event != vigil.EventLogout {
		t.Errorf("stdout line %q: %+v, %v", first, line, err)
	}
}
