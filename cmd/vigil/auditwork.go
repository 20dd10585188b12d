package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auditlog"
	"github.com/vigilauth/vigil/internal/config"
)

// pruneEvery is how often an instance deletes what --audit-retention
// allows, and pruneBatch how many events one pass deletes at most.
const (
	pruneEvery = 10 * time.Minute
	pruneBatch = 10_000
)

// auditWork is the audit chain's part of serve: checkpoints every
// auditlog.DefaultEvery events or DefaultMaxAge (signed with
// --audit-key-file), and the pruning --audit-retention allows. Every
// instance runs it; the chain's lock makes each checkpoint and pruning
// happen once. A key file that cannot be used stops the start.
func auditWork(store vigil.Store, cfg *config.Config, log *slog.Logger) (func(context.Context), error) {
	cs, ok := store.(auditlog.Store)
	if !ok {
		return nil, fmt.Errorf("the store %T keeps no audit chain", store)
	}
	w, err := auditlog.NewWorker(cs, auditlog.Options{KeyFile: cfg.AuditKeyFile, Retention: cfg.AuditRetention, Log: log})
	if err != nil {
		return nil, err
	}
	if id := w.KeyID(); id != "" {
		log.Info("audit checkpoints signed", "key", id)
	} else {
		level := slog.LevelWarn
		if cfg.Dev {
			level = slog.LevelInfo
		}
		log.Log(context.Background(), level, "audit checkpoints are unsigned: give --audit-key-file (vigil audit keygen) so that an altered chain cannot be rehashed unseen")
	}
	return func(ctx context.Context) {
		go func() {
			if err := w.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("audit checkpoints stopped", "err", err)
			}
		}()
		if cfg.AuditRetention <= 0 {
			return
		}
		t := time.NewTicker(pruneEvery)
		defer t.Stop()
		for {
			n, err := w.Prune(ctx, pruneBatch)
			switch {
			case err != nil && ctx.Err() == nil:
				log.Error("audit retention: nothing deleted", "err", err)
			case n > 0:
				log.Info("audit retention: deleted events older than --audit-retention", "events", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}, nil
}
