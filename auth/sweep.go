package auth

import (
	"context"
	"time"

	"github.com/vigilauth/vigil"
)

// Sweeping keeps the session table small: ended sessions are deleted in
// small batches once no cookie for them can still be alive (their longest
// possible lifetime has passed), so a late request is still told why its
// session ended. Audit events are never deleted.
const (
	sweepEvery = 10 * time.Minute
	sweepBatch = 500
)

// Sweep deletes old ended sessions every 10 minutes until ctx ends.
func (e *Engine) Sweep(ctx context.Context) error {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			if n, err := e.SweepOnce(ctx); err != nil {
				e.log.Warn("sweep failed", "deleted", n, "err", err)
			}
		}
	}
}

// SweepOnce deletes, in batches, every session that ended, or began,
// longer ago than the longest lifetime of any role (no cookie for it can
// still be alive), and returns how many it deleted.
func (e *Engine) SweepOnce(ctx context.Context) (int, error) {
	before := e.now().Add(-e.longestLifetime())
	total := 0
	for _, del := range []func(context.Context, time.Time, int) (int, error){
		e.store.DeleteEndedSessions, e.store.DeleteSessionsCreatedBefore,
	} {
		for {
			n, err := del(ctx, before, sweepBatch)
			total += n
			if err != nil {
				return total, err
			}
			if n < sweepBatch {
				break
			}
			time.Sleep(10 * time.Millisecond) // let session checks in between batches
		}
	}
	return total, nil
}

func (e *Engine) longestLifetime() time.Duration {
	var d time.Duration
	for _, r := range vigil.Roles {
		d = max(d, e.opt.Policy.For(r).Lifetime)
	}
	return d
}
