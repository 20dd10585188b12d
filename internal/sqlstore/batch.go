package sqlstore

import (
	"context"
	"sync"

	"github.com/vigilauth/vigil"
)

// maxBatch bounds how many events one transaction of an AppendBatcher
// writes.
const maxBatch = 256

// AppendBatcher writes the audit appends that arrive while one is being
// written together, in the next transaction: group commit, as a
// transparency log's sequencer batches its entries. The chain's head row
// makes appends one at a time, each holding the lock through its commit
// (and its fsync); a batch takes the lock once for many events, so
// concurrent requests do not queue behind each other's commits. Each call
// still returns only once its event is committed. The zero value is ready.
type AppendBatcher struct {
	mu    sync.Mutex
	queue []*appendRequest
	busy  bool // a caller is writing a batch
}

// appendRequest is one caller's event, waiting to be written.
type appendRequest struct {
	e    *vigil.Event
	err  error
	done chan struct{} // closed when written (or failed)
	lead chan struct{} // signalled when it is its turn to write a batch
}

// Append writes e with write, in a batch with the events that arrived
// meanwhile, and sets e.ID and e.Seq. write runs one transaction over its
// events (setting their IDs and Seqs); it is called with a context that
// the callers' cancellations do not end (the store bounds it). If a batch fails, its
// events are written one by one, so that one event the database refuses
// fails its own call alone.
func (b *AppendBatcher) Append(ctx context.Context, e *vigil.Event, write func(ctx context.Context, events []vigil.Event) error) error {
	r := &appendRequest{e: e, done: make(chan struct{}), lead: make(chan struct{}, 1)}
	b.mu.Lock()
	b.queue = append(b.queue, r)
	if b.busy {
		b.mu.Unlock()
		select {
		case <-r.done:
			return r.err
		case <-r.lead: // the writer before handed over: write the next batch
		}
	} else {
		b.busy = true
		b.mu.Unlock()
	}
	b.writeBatch(context.WithoutCancel(ctx), write)
	return r.err
}

// writeBatch writes the queue's first events (the caller's first among
// them), then hands the writing to the next caller waiting, if any.
func (b *AppendBatcher) writeBatch(ctx context.Context, write func(context.Context, []vigil.Event) error) {
	b.mu.Lock()
	batch := append([]*appendRequest(nil), b.queue[:min(len(b.queue), maxBatch)]...)
	b.queue = b.queue[len(batch):]
	b.mu.Unlock()

	events := make([]vigil.Event, len(batch))
	for i, r := range batch {
		events[i] = *r.e
	}
	err := write(ctx, events)
	for i, r := range batch {
		switch {
		case err == nil:
			r.e.ID, r.e.Seq = events[i].ID, events[i].Seq
		case len(batch) == 1:
			r.err = err
		default:
			one := events[i : i+1]
			if r.err = write(ctx, one); r.err == nil {
				r.e.ID, r.e.Seq = one[0].ID, one[0].Seq
			}
		}
	}

	b.mu.Lock()
	var next *appendRequest
	if len(b.queue) > 0 {
		next = b.queue[0]
	} else {
		b.busy = false
	}
	b.mu.Unlock()
	if next != nil {
		next.lead <- struct{}{}
	}
	for _, r := range batch {
		close(r.done)
	}
}
