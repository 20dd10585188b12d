package auditlog

import (
	"fmt"
	"time"
)

// Problem is the first thing found wrong with a chain.
type Problem struct {
	// Seq is the sequence number of the event (or checkpoint) concerned:
	// the first one missing, altered or out of place; 0 when the problem
	// is no one event's (events outside the chain, a file that is not an
	// export).
	Seq  int64
	What string // one sentence, naming Seq
}

func (p *Problem) Error() string { return p.What }

func problem(seq int64, format string, args ...any) *Problem {
	return &Problem{Seq: seq, What: fmt.Sprintf(format, args...)}
}

// Report is what a verification found.
type Report struct {
	// First and Last are the sequence numbers of the first and last events
	// checked; Events how many were (0 when none).
	First, Last, Events int64
	// PrunedThrough: the chain begins after it, retention having deleted
	// the events up to it; Anchor is the checkpoint kept there.
	PrunedThrough int64
	Anchor        *Checkpoint
	// Checkpoints is how many checkpoints were checked against the events
	// they name; Signed how many of them carry a signature. KeyIDs are the
	// keys that signed them, in the order first seen. SignaturesChecked is
	// false when no key was given: then signatures were not checked.
	Checkpoints, Signed int
	KeyIDs              []string
	SignaturesChecked   bool
	// Newest is the checkpoint with the highest Seq; NewestSigned the
	// signed one with the highest Seq.
	Newest, NewestSigned *Checkpoint
	// File is set when an export file was checked, not a database: its
	// first event's link to the one before is not checked.
	File bool
	// Problem is the first thing wrong; nil when the chain is intact.
	Problem *Problem
}

// Intact reports whether no problem was found.
func (r *Report) Intact() bool { return r.Problem == nil }

// walker checks a chain fed to it event by event, in increasing Seq, each
// checkpoint right after the event it names. It keeps only the last link,
// so a chain of any length is checked in constant memory.
type walker struct {
	keys Keyring
	rep  *Report
	next int64 // the Seq the next event must have
	prev Hash  // the Prev it must have: the last event's Hash
	// started is set once the first event or anchor fixed next and prev.
	started bool
	// signedSince: a signed checkpoint has been seen, so an unsigned one
	// after it is suspect.
	signedSince bool
}

func newWalker(keys Keyring, rep *Report) *walker {
	rep.SignaturesChecked = len(keys) > 0
	return &walker{keys: keys, rep: rep, next: 1}
}

// anchor starts the chain after the checkpoint c, which retention kept.
func (w *walker) anchor(c *Checkpoint) *Problem {
	w.rep.PrunedThrough, w.rep.Anchor = c.Seq, copyOf(c)
	w.next, w.prev, w.started = c.Seq+1, c.Hash, true
	if p := w.signature(c); p != nil {
		return p
	}
	w.rep.Checkpoints++
	w.rep.Newest = copyOf(c)
	return nil
}

// event checks r against the chain so far and makes it the last link.
func (w *walker) event(r *Record) *Problem {
	if !w.started {
		// An export starts where it starts: its first link is taken as
		// given (a database's chain starts at 1, or at an anchor).
		w.next, w.prev, w.started = r.Seq, r.Prev, true
	}
	switch {
	case r.Seq < w.next:
		return problem(r.Seq, "event seq %d comes again after event seq %d: events are out of order", r.Seq, w.next-1)
	case r.Seq == w.next+1:
		return problem(w.next, "event seq %d is missing (deleted or moved): the chain goes on at seq %d", w.next, r.Seq)
	case r.Seq > w.next:
		return problem(w.next, "events seq %d to %d are missing (deleted or moved): the chain goes on at seq %d", w.next, r.Seq-1, r.Seq)
	case r.Prev != w.prev:
		return problem(r.Seq, "event seq %d does not follow event seq %d: its link is not that event's hash (events reordered or replaced, or seq %d altered and its hash recomputed)",
			r.Seq, r.Seq-1, r.Seq-1)
	case r.Sum() != r.Hash:
		return problem(r.Seq, "event seq %d was altered: its contents do not match its hash", r.Seq)
	}
	if w.rep.Events == 0 {
		w.rep.First = r.Seq
	}
	w.rep.Events++
	w.rep.Last = r.Seq
	w.next, w.prev = r.Seq+1, r.Hash
	return nil
}

// checkpoint checks c, which names the event just fed.
func (w *walker) checkpoint(c *Checkpoint) *Problem {
	last := w.next - 1
	switch {
	case !w.started || c.Seq > last:
		return problem(c.Seq, "the checkpoint at seq %d names an event that is missing: the chain ends at seq %d before it (events deleted)", c.Seq, last)
	case c.Seq < last:
		return problem(c.Seq, "the checkpoint at seq %d is out of place (after event seq %d)", c.Seq, last)
	case c.Hash != w.prev:
		return problem(c.Seq, "event seq %d is not the one the checkpoint of %s vouches for: it was altered or replaced after", c.Seq, stamp(c.Time))
	}
	if p := w.signature(c); p != nil {
		return p
	}
	w.rep.Checkpoints++
	w.rep.Newest = copyOf(c)
	return nil
}

// signature checks c's signature, when it has one and keys were given.
func (w *walker) signature(c *Checkpoint) *Problem {
	if !c.Signed() {
		if w.signedSince {
			return problem(c.Seq, "the checkpoint at seq %d is unsigned, after signed ones: its signature was removed", c.Seq)
		}
		return nil
	}
	if w.rep.SignaturesChecked {
		if err := w.keys.check(c); err != nil {
			return problem(c.Seq, "the checkpoint at seq %d does not verify: %v", c.Seq, err)
		}
	}
	w.signedSince = true
	w.rep.Signed++
	w.rep.NewestSigned = copyOf(c)
	for _, id := range w.rep.KeyIDs {
		if id == c.KeyID {
			return nil
		}
	}
	w.rep.KeyIDs = append(w.rep.KeyIDs, c.KeyID)
	return nil
}

// stamp formats t for a report.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// copyOf returns a copy of c, so that a report does not hold on to a page
// of checkpoints.
func copyOf(c *Checkpoint) *Checkpoint {
	cp := *c
	return &cp
}
