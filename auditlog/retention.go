package auditlog

import (
	"context"
	"log/slog"
	"time"
)

// Retention deletes old events (--audit-retention) without breaking the
// chain: only whole segments, from the oldest, each being the events
// after one checkpoint up to and including the next, once that next
// checkpoint is older than Keep; and only a segment that verifies (its
// links, hashes and, with Keys, its checkpoint's signature): evidence of
// tampering is never deleted (BrokenError). The segment's last checkpoint
// is kept: the chain then begins after it, and Verify says so.
type Retention struct {
	Store Store
	Keep  time.Duration // a segment goes once its checkpoint is older; 0 keeps everything
	Keys  Keyring       // checks the signatures of the segments deleted; empty: not checked
	Now   func() time.Time
	Log   *slog.Logger // each deletion is logged (Info); nil: none
}

// Prune deletes the segments due, oldest first, each in a transaction of
// its own, until it has deleted at least limit events or none is due
// (the segment that reaches limit is deleted whole). It returns how many
// events it deleted.
func (r *Retention) Prune(ctx context.Context, limit int) (int64, error) {
	if r.Keep <= 0 || limit <= 0 {
		return 0, nil
	}
	var total int64
	for total < int64(limit) {
		n, err := r.one(ctx)
		if err != nil || n < 0 {
			return total, err
		}
		total += n
	}
	return total, nil
}

// one deletes the oldest segment if it is due; -1 when none is.
func (r *Retention) one(ctx context.Context) (int64, error) {
	var from, through int64 = -1, 0
	err := r.Store.ReadAudit(ctx, func(rd Reader) error {
		head, err := rd.Head(ctx)
		if err != nil {
			return err
		}
		next, err := rd.Checkpoints(ctx, head.PrunedThrough, 1)
		if err != nil || len(next) == 0 || !next[0].Time.Before(r.cutoff()) {
			return err
		}
		if err := r.check(ctx, rd, head.PrunedThrough, next[0].Seq); err != nil {
			return err
		}
		from, through = head.PrunedThrough, next[0].Seq
		return nil
	})
	if err != nil || from < 0 {
		return -1, err
	}
	var n int64
	err = r.Store.WriteAudit(ctx, func(w Writer) error {
		head, err := w.Head(ctx)
		if err != nil || head.PrunedThrough != from {
			return err // pruned by another instance meanwhile
		}
		n, err = w.Prune(ctx, through)
		return err
	})
	if err == nil && n > 0 {
		r.logger().Info("audit events pruned by retention", "from_seq", from+1, "through_seq", through, "events", n)
	}
	return n, err
}

// check verifies the segment after the checkpoint at from (the chain's
// start when 0) through the checkpoint at through.
func (r *Retention) check(ctx context.Context, rd Reader, from, through int64) error {
	w := newWalker(r.Keys, &Report{})
	w.started = true
	if p, err := anchorAt(ctx, rd, w, from); p != nil || err != nil {
		return brokenOr(p, err)
	}
	events := newPager(func(after int64) ([]Record, error) { return rd.Records(ctx, after, pageSize) },
		func(r *Record) int64 { return r.Seq })
	events.after = from
	p, err := walkAll(w, events, newCheckpoints(ctx, rd, from), through)
	if p == nil && err == nil && (w.rep.Newest == nil || w.rep.Newest.Seq != through) {
		p = problem(through, "the checkpoint at seq %d was not reached", through)
	}
	return brokenOr(p, err)
}

// brokenOr returns err, or p as a BrokenError.
func brokenOr(p *Problem, err error) error {
	if err != nil {
		return err
	}
	if p != nil {
		return &BrokenError{p}
	}
	return nil
}

func (r *Retention) cutoff() time.Time {
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	return now.Add(-r.Keep)
}

func (r *Retention) logger() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.New(slog.DiscardHandler)
}
