package auth

import (
	"context"
	"time"

	"github.com/vigilauth/vigil"
)

// Sweeping keeps the tables small: ended sessions are deleted in
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

// Horizons past which the log and the throttle state mean nothing: a
// follower reads the log within a second or starts again from its end, and
// a throttle key untouched for two hours has no failure in any window and
// no lock (the longest lock is an hour, plus 15 quiet minutes).
const (
	revocationHorizon = time.Hour
	throttleHorizon   = 2 * time.Hour
)

// SweepOnce deletes, in batches, every session that ended, or began,
// longer ago than the longest lifetime of any role (no cookie for it can
// still be alive), revocation-log entries older than an hour and throttle
// keys untouched for two hours, and expired passkey ceremonies. It
// returns how many sessions it deleted.
func (e *Engine) SweepOnce(ctx context.Context) (int, error) {
	n, err := sweep(ctx, e.store, e.now(), e.longestLifetime())
	if err != nil {
		return n, err
	}
	_, err = deleteAll(ctx, e.store.DeleteCeremoniesBefore, e.now())
	return n, err
}

// sweep is SweepOnce with the store's pruning methods, the engine's now and
// the longest lifetime of any role.
func sweep(ctx context.Context, p vigil.Pruner, now time.Time, longest time.Duration) (int, error) {
	before := now.Add(-longest)
	ended, err := deleteAll(ctx, p.DeleteEndedSessions, before)
	if err != nil {
		return ended, err
	}
	old, err := deleteAll(ctx, p.DeleteSessionsCreatedBefore, before)
	if err != nil {
		return ended + old, err
	}
	if _, err := deleteAll(ctx, p.DeleteRevocationsBefore, now.Add(-revocationHorizon)); err != nil {
		return ended + old, err
	}
	// The store stamps throttle keys with its own (wall) clock.
	_, err = deleteAll(ctx, p.DeleteThrottleBefore, time.Now().Add(-throttleHorizon))
	return ended + old, err
}

// deleteAll calls del in batches until a batch comes back short, pausing
// between batches so that no lock is held for long.
func deleteAll(ctx context.Context, del func(context.Context, time.Time, int) (int, error), before time.Time) (int, error) {
	total := 0
	for {
		n, err := del(ctx, before, sweepBatch)
		total += n
		if err != nil || n < sweepBatch {
			return total, err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (e *Engine) longestLifetime() time.Duration {
	var d time.Duration
	for _, r := range vigil.Roles {
		d = max(d, e.opt.Policy.For(r).Lifetime)
	}
	return d
}
