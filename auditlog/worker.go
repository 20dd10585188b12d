package auditlog

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Options are vigil serve's settings of the chain.
type Options struct {
	// KeyFile is --audit-key-file: the key that signs checkpoints; ""
	// writes them unsigned.
	KeyFile string
	// PublicKeyFiles are earlier keys' public files, so that retention
	// can check the checkpoints they signed.
	PublicKeyFiles []string
	// Retention is --audit-retention: 0 keeps every event.
	Retention time.Duration
	// Every and MaxAge: a checkpoint every Every events, and one when an
	// event has waited MaxAge (0: DefaultEvery, DefaultMaxAge).
	Every  int64
	MaxAge time.Duration
	Log    *slog.Logger
}

// Worker is the server's part of the chain: it writes checkpoints (Run)
// and deletes what retention allows (Prune, for the sweep).
type Worker struct {
	checkpoints *Checkpointer
	retention   *Retention
	key         *PrivateKey
}

// NewWorker loads the keys o names (a key file others may read is
// refused, and so is a damaged one) and returns the worker of s.
func NewWorker(s Store, o Options) (*Worker, error) {
	w := &Worker{}
	ring := Keyring{}
	if o.KeyFile != "" {
		k, err := LoadPrivateKey(o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("--audit-key-file: %w", err)
		}
		w.key = k
		ring.Add(k.Public())
	}
	for _, p := range o.PublicKeyFiles {
		pub, err := LoadPublicKey(p)
		if err != nil {
			return nil, err
		}
		ring.Add(pub)
	}
	w.checkpoints = &Checkpointer{Store: s, Key: w.key, Every: o.Every, MaxAge: o.MaxAge, Log: o.Log}
	w.retention = &Retention{Store: s, Keep: o.Retention, Keys: ring, Log: o.Log}
	return w, nil
}

// KeyID returns the signing key's id; "" when checkpoints are unsigned.
func (w *Worker) KeyID() string {
	if w.key == nil {
		return ""
	}
	return w.key.ID
}

// Run writes the checkpoints due, polling every second, until ctx ends;
// it returns ctx's error. Every instance may run it: each checkpoint is
// written once.
func (w *Worker) Run(ctx context.Context) error { return w.checkpoints.Run(ctx) }

// Prune deletes up to about limit events that the retention allows, in
// whole verified segments (Retention.Prune); none without a retention.
// A segment that does not verify is a BrokenError, and stays.
func (w *Worker) Prune(ctx context.Context, limit int) (int64, error) {
	return w.retention.Prune(ctx, limit)
}
