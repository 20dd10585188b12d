package auditlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Defaults of Checkpointer.
const (
	DefaultEvery  = 1000
	DefaultMaxAge = 5 * time.Minute
	DefaultPoll   = time.Second
)

// BrokenError is what the Checkpointer and Retention return when the part
// of the chain they were to sign or delete does not verify: they never
// sign over, nor delete, evidence of tampering.
type BrokenError struct{ Problem *Problem }

func (e *BrokenError) Error() string {
	return fmt.Sprintf("audit chain broken at seq %d: %s", e.Problem.Seq, e.Problem.What)
}

// Checkpointer writes checkpoints: one every Every events, and one at the
// newest event when an event has waited MaxAge without one. Every
// instance may run one: each checkpoint is written once, by the first to
// find it due, under the chain's lock. Before it signs, it checks the
// events since the previous checkpoint; it signs nothing over a broken
// chain (BrokenError).
type Checkpointer struct {
	Store  Store
	Key    *PrivateKey   // nil: checkpoints are written unsigned
	Every  int64         // 0: DefaultEvery
	MaxAge time.Duration // 0: DefaultMaxAge
	Poll   time.Duration // how often Run looks; 0: DefaultPoll
	Now    func() time.Time
	Log    *slog.Logger // each checkpoint is logged (Info), so a copy lives outside the database; nil: none
}

// Run calls Once every Poll until ctx ends, and returns ctx's error. A
// failure is logged (once while it lasts) and retried at the next poll.
func (c *Checkpointer) Run(ctx context.Context) error {
	poll := c.Poll
	if poll <= 0 {
		poll = DefaultPoll
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	var failing string
	for {
		_, err := c.Once(ctx)
		switch {
		case err == nil:
			failing = ""
		case ctx.Err() != nil:
			return ctx.Err()
		case err.Error() != failing:
			failing = err.Error()
			c.logger().Error("audit checkpoint not written", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// maxPerOnce bounds how many checkpoints one call to Once writes (a
// server catching up on a long unsigned run writes the rest at the next
// poll).
const maxPerOnce = 100

// Once writes the checkpoints due now, and returns how many it wrote.
func (c *Checkpointer) Once(ctx context.Context) (int, error) {
	n := 0
	for n < maxPerOnce {
		wrote, err := c.one(ctx)
		if err != nil || !wrote {
			return n, err
		}
		n++
	}
	return n, nil
}

// one writes the next checkpoint due, if one is: it finds and checks it on
// a snapshot, without the lock, then writes it under the lock if no one
// else has.
func (c *Checkpointer) one(ctx context.Context) (bool, error) {
	var target Checkpoint
	var checkedBase int64
	err := c.Store.ReadAudit(ctx, func(r Reader) error {
		base, seq, err := c.due(ctx, r)
		if err != nil || seq == 0 {
			return err
		}
		if c.Key == nil && base.Signed() {
			// An unsigned checkpoint after signed ones reads as a
			// signature removed: verify would fail for good.
			return fmt.Errorf("the audit chain's checkpoints are signed (key %s): none is written without --audit-key-file", base.KeyID)
		}
		checkedBase = base.Seq
		target, err = c.check(ctx, r, base, seq)
		return err
	})
	if err != nil || target.Seq == 0 {
		return false, err
	}
	wrote := false
	err = c.Store.WriteAudit(ctx, func(w Writer) error {
		base, seq, err := c.due(ctx, w)
		if err != nil || seq == 0 || base.Seq != checkedBase {
			return err // written by another instance meanwhile
		}
		// The chain may have grown since the snapshot: the checkpoint
		// checked is still due (at most Every events on from base).
		recs, err := w.Records(ctx, target.Seq-1, 1)
		if err != nil {
			return err
		}
		if len(recs) == 0 || recs[0].Seq != target.Seq || recs[0].Hash != target.Hash {
			return &BrokenError{problem(target.Seq, "event seq %d changed while it was being checked", target.Seq)}
		}
		target.Time = c.now()
		if c.Key != nil {
			c.Key.Sign(&target)
		}
		wrote = true
		return w.AddCheckpoint(ctx, target)
	})
	if err != nil || !wrote {
		return false, err
	}
	c.logger().Info("audit checkpoint", "seq", target.Seq, "hash", target.Hash.String(), "time", target.Time,
		"key_id", target.KeyID, "signature", target.Signature)
	return true, nil
}

// due returns the newest checkpoint (the zero one, at seq 0, when there is
// none) and the seq of the checkpoint due after it; 0 when none is due.
func (c *Checkpointer) due(ctx context.Context, r Reader) (Checkpoint, int64, error) {
	head, err := r.Head(ctx)
	if err != nil {
		return Checkpoint{}, 0, err
	}
	base, _, err := r.LastCheckpoint(ctx)
	if err != nil || head.Seq <= base.Seq {
		return base, 0, err
	}
	every := c.Every
	if every <= 0 {
		every = DefaultEvery
	}
	if head.Seq-base.Seq >= every {
		return base, base.Seq + every, nil
	}
	maxAge := c.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	oldest, err := r.Records(ctx, base.Seq, 1)
	if err != nil || len(oldest) == 0 {
		return base, 0, err
	}
	if c.now().Sub(oldest[0].Time) >= maxAge {
		return base, head.Seq, nil
	}
	return base, 0, nil
}

// check verifies the events after base up to seq, and returns the
// checkpoint to write at seq (unsigned, untimed).
func (c *Checkpointer) check(ctx context.Context, r Reader, base Checkpoint, seq int64) (Checkpoint, error) {
	var keys Keyring
	if c.Key != nil && base.KeyID == c.Key.ID {
		keys = Keyring{}
		keys.Add(c.Key.Public())
	}
	w := newWalker(keys, &Report{})
	w.started = true
	if base.Seq > 0 {
		// The previous checkpoint is where this one starts: its own
		// signature is checked when it was made by this key.
		w.next, w.prev = base.Seq+1, base.Hash
		if p := w.signature(&base); p != nil && keys != nil {
			return Checkpoint{}, &BrokenError{p}
		}
	}
	events := newPager(func(after int64) ([]Record, error) { return r.Records(ctx, after, pageSize) },
		func(r *Record) int64 { return r.Seq })
	events.after = base.Seq
	none := newPager(func(int64) ([]Checkpoint, error) { return nil, nil }, func(c *Checkpoint) int64 { return c.Seq })
	p, err := walkAll(w, events, none, seq)
	if err != nil {
		return Checkpoint{}, err
	}
	if p == nil && w.next-1 != seq {
		p = problem(w.next, "event seq %d is missing: the chain ends at seq %d before the checkpoint due at seq %d", w.next, w.next-1, seq)
	}
	if p != nil {
		return Checkpoint{}, &BrokenError{p}
	}
	return Checkpoint{Seq: seq, Hash: w.prev}, nil
}

func (c *Checkpointer) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Checkpointer) logger() *slog.Logger {
	if c.Log != nil {
		return c.Log
	}
	return slog.New(slog.DiscardHandler)
}

// IsBroken reports whether err is a BrokenError.
func IsBroken(err error) bool {
	var b *BrokenError
	return errors.As(err, &b)
}
