package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/vigilauth/vigil"
)

// memLog is a write function over a slice: a transaction that fails
// whole when an event's detail is "refused".
type memLog struct {
	mu      sync.Mutex
	events  []vigil.Event
	batches []int
	gate    chan struct{} // when set, each write waits for it
}

func (m *memLog) write(ctx context.Context, events []vigil.Event) error {
	if m.gate != nil {
		<-m.gate
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range events {
		if e.Detail == "refused" {
			return errors.New("refused")
		}
	}
	for i := range events {
		events[i].ID = int64(len(m.events) + 1)
		m.events = append(m.events, events[i])
	}
	m.batches = append(m.batches, len(events))
	return nil
}

// queued waits until n appends wait behind the one being written.
func queued(b *AppendBatcher, n int) {
	for {
		b.mu.Lock()
		k := len(b.queue)
		b.mu.Unlock()
		if k == n {
			return
		}
		runtime.Gosched()
	}
}

// TestAppendBatcher: 64 concurrent appends are each written once, with
// their own id, in fewer transactions than events.
func TestAppendBatcher(t *testing.T) {
	var b AppendBatcher
	m := &memLog{gate: make(chan struct{})}
	var wg sync.WaitGroup
	events := make([]*vigil.Event, 64)
	for i := range events {
		events[i] = &vigil.Event{Username: fmt.Sprint(i)}
		wg.Go(func() {
			if err := b.Append(t.Context(), events[i], m.write); err != nil {
				t.Errorf("Append: %v", err)
			}
		})
	}
	queued(&b, 63) // the first write waits: the others queue behind it
	close(m.gate)
	wg.Wait()
	if len(m.events) != 64 || len(m.batches) != 2 {
		t.Fatalf("%d events in transactions of %v, want 64 in 2", len(m.events), m.batches)
	}
	for _, e := range events {
		if e.ID == 0 || m.events[e.ID-1].Username != e.Username {
			t.Errorf("event %s has id %d", e.Username, e.ID)
		}
	}
}

// TestAppendBatcherRefusedEventFailsAlone: an event the database refuses
// fails its own call; the others of its batch are written.
func TestAppendBatcherRefusedEventFailsAlone(t *testing.T) {
	var b AppendBatcher
	m := &memLog{gate: make(chan struct{})}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		e := &vigil.Event{Username: fmt.Sprint(i)}
		if i == 5 {
			e.Detail = "refused"
		}
		wg.Go(func() { errs[i] = b.Append(t.Context(), e, m.write) })
	}
	queued(&b, 7)
	close(m.gate)
	wg.Wait()
	for i, err := range errs {
		if (err != nil) != (i == 5) {
			t.Errorf("event %d: %v", i, err)
		}
	}
	if len(m.events) != 7 {
		t.Errorf("%d events written, want 7", len(m.events))
	}
}

// TestAppendBatcherIgnoresCancel: a caller whose context ends while its
// batch is written does not fail the others (nor itself).
func TestAppendBatcherIgnoresCancel(t *testing.T) {
	var b AppendBatcher
	m := &memLog{}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := b.Append(ctx, &vigil.Event{}, m.write); err != nil || len(m.events) != 1 {
		t.Errorf("Append with an ended context = %v, %d written", err, len(m.events))
	}
}
