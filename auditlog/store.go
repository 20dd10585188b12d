package auditlog

import (
	"context"
	"time"
)

// Store is what a vigil store provides for the chain; packages sqlite and
// postgres implement it (their AppendEvent writes each event's link in the
// event's own transaction).
type Store interface {
	// ReadAudit runs fn on one consistent, read-only snapshot of the
	// chain: what is appended, checkpointed or pruned meanwhile is not
	// seen. It returns fn's error, or the store's.
	ReadAudit(ctx context.Context, fn func(Reader) error) error
	// WriteAudit runs fn in a transaction that holds the chain's lock: no
	// event is appended, and no other WriteAudit runs, on any instance,
	// until it ends. What fn writes commits if it returns nil, and is
	// rolled back otherwise.
	WriteAudit(ctx context.Context, fn func(Writer) error) error
}

// Reader reads the chain.
type Reader interface {
	// Head returns the chain's head.
	Head(ctx context.Context) (Head, error)
	// Records returns up to limit events with Seq > after, in increasing
	// Seq; none when there are no more.
	Records(ctx context.Context, after int64, limit int) ([]Record, error)
	// Checkpoints returns up to limit checkpoints with Seq > after, in
	// increasing Seq; none when there are no more.
	Checkpoints(ctx context.Context, after int64, limit int) ([]Checkpoint, error)
	// LastCheckpoint returns the checkpoint with the highest Seq; false
	// when there is none.
	LastCheckpoint(ctx context.Context) (Checkpoint, bool, error)
	// Unchained returns how many events have no Seq (written outside the
	// chain: by hand, or by a vigil from before it) and the lowest row id
	// among them (0 when none).
	Unchained(ctx context.Context) (n, firstID int64, err error)
	// SeqRange returns the lowest Seq of an event at or after since and
	// the highest of one before until (a zero time is no bound); 0 for
	// either when no event is on that side.
	SeqRange(ctx context.Context, since, until time.Time) (lo, hi int64, err error)
}

// Writer changes the chain, under WriteAudit's lock.
type Writer interface {
	Reader
	// AddCheckpoint stores c. ErrConflict (package vigil) if there is a
	// checkpoint at c.Seq already.
	AddCheckpoint(ctx context.Context, c Checkpoint) error
	// Prune deletes the events with Seq <= through and the checkpoints
	// with Seq < through, sets the head's PrunedThrough to through, and
	// returns how many events it deleted.
	Prune(ctx context.Context, through int64) (int64, error)
}
