package auditlog

import "context"

// pageSize is how many events, or checkpoints, one read returns: with
// one page of each, what Verify and Export hold at once.
const pageSize = 1000

// Verify checks the whole chain in s, on one snapshot, in constant memory:
// each event's link to the one before and its hash, no sequence number
// missing, each checkpoint against the event it names and (with keys) its
// signature, the chain's end against its head row, and that no event
// sits outside the chain. The Report names the first problem; the error
// is the store's, when it could not be read.
func Verify(ctx context.Context, s Store, keys Keyring) (*Report, error) {
	rep := &Report{}
	err := s.ReadAudit(ctx, func(r Reader) error {
		p, err := verifyChain(ctx, r, newWalker(keys, rep))
		rep.Problem = p
		return err
	})
	return rep, err
}

// verifyChain walks the chain r holds.
func verifyChain(ctx context.Context, r Reader, w *walker) (*Problem, error) {
	head, err := r.Head(ctx)
	if err != nil {
		return nil, err
	}
	w.started = true // at seq 1 with a zero link, unless anchored
	if p, err := anchorAt(ctx, r, w, head.PrunedThrough); p != nil || err != nil {
		return p, err
	}
	events := newPager(func(after int64) ([]Record, error) { return r.Records(ctx, after, pageSize) },
		func(r *Record) int64 { return r.Seq })
	cps := newCheckpoints(ctx, r, head.PrunedThrough)
	if p, err := walkAll(w, events, cps, 0); p != nil || err != nil {
		return p, err
	}
	if p := atHead(w, head); p != nil {
		return p, nil
	}
	n, firstID, err := r.Unchained(ctx)
	if err != nil || n == 0 {
		return nil, err
	}
	return problem(0, "%d event(s) have no place in the chain (the first is row id %d): written outside vigil's append, by hand or by a vigil from before the chain", n, firstID), nil
}

// anchorAt starts w after the checkpoint at prunedThrough, which retention
// keeps when it deletes the events up to it.
func anchorAt(ctx context.Context, r Reader, w *walker, prunedThrough int64) (*Problem, error) {
	if prunedThrough == 0 {
		return nil, nil
	}
	cps, err := r.Checkpoints(ctx, prunedThrough-1, 1)
	if err != nil {
		return nil, err
	}
	if len(cps) == 0 || cps[0].Seq != prunedThrough {
		return problem(prunedThrough, "the chain begins after seq %d, where retention deleted it, but the checkpoint at seq %d that must anchor it is missing: events were deleted without one",
			prunedThrough, prunedThrough), nil
	}
	return w.anchor(&cps[0]), nil
}

// newCheckpoints pages through the checkpoints after seq after.
func newCheckpoints(ctx context.Context, r Reader, after int64) *pager[Checkpoint] {
	p := newPager(func(after int64) ([]Checkpoint, error) { return r.Checkpoints(ctx, after, pageSize) },
		func(c *Checkpoint) int64 { return c.Seq })
	p.after = after
	return p
}

// walkAll feeds w every event of events, each followed by the checkpoints
// at its seq, up to seq until (0: to the end); then any checkpoint left
// at or before until, which names an event that is not there.
func walkAll(w *walker, events *pager[Record], cps *pager[Checkpoint], until int64) (*Problem, error) {
	for {
		rec, err := events.peek()
		if err != nil {
			return nil, err
		}
		if rec == nil || (until > 0 && rec.Seq > until) {
			break
		}
		events.pop()
		if w.rep.PrunedThrough > 0 && rec.Seq <= w.rep.PrunedThrough {
			return problem(rec.Seq, "event seq %d is still there, though retention deleted the chain through seq %d", rec.Seq, w.rep.PrunedThrough), nil
		}
		if p := w.event(rec); p != nil {
			return p, nil
		}
		if p, err := checkpointsThrough(w, cps, rec.Seq); p != nil || err != nil {
			return p, err
		}
	}
	c, err := cps.peek()
	if err != nil || c == nil || (until > 0 && c.Seq > until) {
		return nil, err
	}
	return w.checkpoint(c), nil
}

// checkpointsThrough feeds w the checkpoints of cps up to seq.
func checkpointsThrough(w *walker, cps *pager[Checkpoint], seq int64) (*Problem, error) {
	for {
		c, err := cps.peek()
		if err != nil || c == nil || c.Seq > seq {
			return nil, err
		}
		cps.pop()
		if p := w.checkpoint(c); p != nil {
			return p, nil
		}
	}
}

// atHead checks the chain's end against its head row.
func atHead(w *walker, head Head) *Problem {
	last := w.next - 1
	switch {
	case last < head.Seq:
		return problem(last+1, "events seq %d to %d are missing from the end of the chain: its head records seq %d (events deleted)", last+1, head.Seq, head.Seq)
	case last > head.Seq:
		return problem(head.Seq+1, "event seq %d is past the chain's head (seq %d): it was added outside vigil's append", head.Seq+1, head.Seq)
	case w.prev != head.Hash:
		return problem(head.Seq, "event seq %d is not the newest event the chain's head records: it was replaced", head.Seq)
	}
	return nil
}

// pager reads a sequence in pages, by the Seq of the last item read.
type pager[T any] struct {
	fetch func(after int64) ([]T, error)
	seq   func(*T) int64
	buf   []T
	after int64
	done  bool
}

func newPager[T any](fetch func(after int64) ([]T, error), seq func(*T) int64) *pager[T] {
	return &pager[T]{fetch: fetch, seq: seq}
}

// peek returns the next item without taking it; nil at the end.
func (p *pager[T]) peek() (*T, error) {
	if len(p.buf) == 0 && !p.done {
		page, err := p.fetch(p.after)
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			p.done = true
			return nil, nil
		}
		p.buf, p.after = page, p.seq(&page[len(page)-1])
	}
	if len(p.buf) == 0 {
		return nil, nil
	}
	return &p.buf[0], nil
}

// pop takes the item peek returned.
func (p *pager[T]) pop() { p.buf = p.buf[1:] }
