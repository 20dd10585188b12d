package auth

import (
	"context"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigilauth/vigil"
)

// flushEvery is how often batched activity is written to the store.
const flushEvery = 100 * time.Millisecond

// activity batches activity writes: while the engine runs, a check that
// must record activity only notes it here, and every flushEvery all noted
// activity is written in one store call. The note is recorded
// flushEvery before the 1% granularity has passed (see threshold), so the
// store's copy still lags true activity by at most 1% of the idle timeout
// and no instance ends a session more than 1% early.
type activity struct {
	store   toucher
	log     *slog.Logger
	on      atomic.Bool // a flusher is running
	mu      sync.Mutex
	pending map[string]time.Time
	// written keeps what a flush wrote for keepWritten more, with when it
	// was written: a read of the store that began before that write and
	// returns after it still finds the activity here (else it would see
	// neither, and a session could look idle for a moment).
	written map[string]writtenActivity
}

// writtenActivity is activity a flush wrote, and when (wall clock).
type writtenActivity struct{ at, wrote time.Time }

// keepWritten is how long written activity stays visible to readers: far
// longer than a store read lasts.
const keepWritten = 5 * time.Second

// toucher is the one store method activity uses (vigil.SessionStore has it).
type toucher interface {
	TouchSessions(ctx context.Context, touches []vigil.Touch) error
}

func newActivity(store toucher, log *slog.Logger) *activity {
	return &activity{store: store, log: log, pending: make(map[string]time.Time), written: make(map[string]writtenActivity)}
}

// batched reports whether activity with this granularity is batched: only
// while a flusher runs, and only when the flush delay fits well inside the
// granularity (tiny idle timeouts are written at once).
func (a *activity) batched(gran time.Duration) bool {
	return a.on.Load() && gran > 2*flushEvery
}

// threshold is how long after the recorded activity a new one is recorded.
func (a *activity) threshold(gran time.Duration) time.Duration {
	if a.batched(gran) {
		return gran - flushEvery
	}
	return gran
}

// record writes activity now, or notes it for the next flush.
func (a *activity) record(ctx context.Context, id string, at time.Time, gran time.Duration) error {
	if !a.batched(gran) {
		return a.store.TouchSessions(ctx, []vigil.Touch{{ID: id, At: at}})
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if at.After(a.pending[id]) {
		a.pending[id] = at
	}
	return nil
}

// latest returns activity noted for id and not yet written, or written
// within keepWritten.
func (a *activity) latest(id string) (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.pending[id]
	if w, wok := a.written[id]; wok && (!ok || w.at.After(t)) {
		return w.at, true
	}
	return t, ok
}

// run flushes every flushEvery until ctx ends, then once more.
func (a *activity) run(ctx context.Context) {
	a.on.Store(true)
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			a.on.Store(false)
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			a.flush(final)
			cancel()
			return
		case <-t.C:
			a.flush(ctx)
		}
	}
}

// flush writes what is noted. Entries stay noted until written, so a
// lookup during the write still counts them; on failure they are kept for
// the next try.
func (a *activity) flush(ctx context.Context) {
	a.mu.Lock()
	for id, w := range a.written {
		if time.Since(w.wrote) > keepWritten {
			delete(a.written, id)
		}
	}
	batch := maps.Clone(a.pending)
	a.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	touches := make([]vigil.Touch, 0, len(batch))
	for id, at := range batch {
		touches = append(touches, vigil.Touch{ID: id, At: at})
	}
	if err := a.store.TouchSessions(ctx, touches); err != nil {
		a.log.Warn("activity not recorded; will retry", "sessions", len(touches), "err", err)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	for id, at := range batch {
		a.written[id] = writtenActivity{at: at, wrote: now}
		if cur, ok := a.pending[id]; ok && !cur.After(at) {
			delete(a.pending, id) // written, and nothing newer noted meanwhile
		}
	}
}
