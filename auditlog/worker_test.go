package auditlog_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auditlog"
	"github.com/vigilauth/vigil/sqlite"
)

// TestWorker: the server's worker signs checkpoints as events come, and
// prunes what the retention allows.
func TestWorker(t *testing.T) {
	path, key := newKeyFile(t)
	s := chainOf(t, 20, nil) // unsigned checkpoints at 10 and 20
	w, err := auditlog.NewWorker(s, auditlog.Options{KeyFile: path, Every: 10, Retention: time.Nanosecond})
	if err != nil || w.KeyID() != key.ID {
		t.Fatalf("NewWorker = %v; key %q, want %s", err, w.KeyID(), key.ID)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	fillTo(t, s, 30)
	for newest(t, s).Seq != 30 {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
	if c := newest(t, s); c.KeyID != key.ID {
		t.Errorf("the checkpoint at 30 is signed by %q, want %s", c.KeyID, key.ID)
	}
	n, err := w.Prune(t.Context(), 1000)
	if err != nil || n != 30 {
		t.Fatalf("Prune = %d, %v; want the 30 events up to the newest checkpoint", n, err)
	}
	rep, err := auditlog.Verify(t.Context(), s, nil)
	if err != nil || !rep.Intact() || rep.PrunedThrough != 30 {
		t.Errorf("Verify after pruning = %q, %v", rep.Lines(), err)
	}
}

func TestWorkerRefusesKeys(t *testing.T) {
	path, _ := newKeyFile(t)
	os.Chmod(path, 0o644)
	s := chainOf(t, 1, nil)
	if _, err := auditlog.NewWorker(s, auditlog.Options{KeyFile: path}); err == nil || !strings.Contains(err.Error(), "--audit-key-file") {
		t.Errorf("NewWorker with a world-readable key = %v", err)
	}
	if _, err := auditlog.NewWorker(s, auditlog.Options{PublicKeyFiles: []string{filepath.Join(t.TempDir(), "none")}}); err == nil {
		t.Error("NewWorker with a missing public key file succeeded")
	}
	if w, err := auditlog.NewWorker(s, auditlog.Options{}); err != nil || w.KeyID() != "" {
		t.Errorf("NewWorker without a key = %v, %v; want unsigned", w, err)
	}
}

// fillTo appends events until the chain ends at seq n.
func fillTo(t *testing.T, s *sqlite.Store, n int64) {
	t.Helper()
	for newestSeq(t, s) < n {
		if err := s.AppendEvent(t.Context(), &vigil.Event{Time: time.Now(), Username: "erin", Event: vigil.EventLogout}); err != nil {
			t.Fatal(err)
		}
	}
}

// newest returns the newest checkpoint (the zero one when none).
func newest(t *testing.T, s auditlog.Store) auditlog.Checkpoint {
	t.Helper()
	var c auditlog.Checkpoint
	err := s.ReadAudit(t.Context(), func(r auditlog.Reader) error {
		var err error
		c, _, err = r.LastCheckpoint(t.Context())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newestSeq returns the seq of the chain's newest event.
func newestSeq(t *testing.T, s auditlog.Store) int64 {
	t.Helper()
	var h auditlog.Head
	err := s.ReadAudit(t.Context(), func(r auditlog.Reader) error {
		var err error
		h, err = r.Head(t.Context())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return h.Seq
}

// TestCheckpointerKeepsSigning: once checkpoints are signed, a server
// without the key writes none, rather than an unsigned one that would
// read as a signature removed.
func TestCheckpointerKeepsSigning(t *testing.T) {
	key, ring := keyring(t)
	s := chainOf(t, 10, key)
	fillTo(t, s, 12)
	cp := &auditlog.Checkpointer{Store: s, MaxAge: time.Nanosecond}
	if n, err := cp.Once(t.Context()); n != 0 || err == nil || !strings.Contains(err.Error(), "without --audit-key-file") {
		t.Errorf("Once without the key = %d, %v; want none written and why", n, err)
	}
	if rep, err := auditlog.Verify(t.Context(), s, ring); err != nil || !rep.Intact() || rep.Checkpoints != 1 {
		t.Errorf("Verify = %q, %v", rep.Lines(), err)
	}
}
