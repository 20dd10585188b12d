package health

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigilauth/vigil"
)

// DefaultWindow is how long a failed write keeps the store not ready when
// no write succeeds after it.
const DefaultWindow = 10 * time.Second

// ErrWritesFail is what Ready returns (wrapping the cause) while the
// store's last write failed within the window and none succeeded since.
var ErrWritesFail = errors.New("health: the store's writes fail")

// Options tune a Monitor; the zero value is the default.
type Options struct {
	Window time.Duration    // DefaultWindow if zero
	Now    func() time.Time // time.Now if nil
}

// Monitor records the outcomes of a store's writes and judges readiness.
type Monitor struct {
	store   vigil.Store
	window  time.Duration
	now     func() time.Time
	failing atomic.Bool // a write failed and none succeeded since
	mu      sync.Mutex
	at      time.Time // when the last failed write failed
	cause   error
}

// Watch returns store with the outcome of each of its writes recorded, and
// the Monitor that judges them. The returned store is a
// vigil.RevocationNotifier when store is one.
func Watch(store vigil.Store, opt Options) (vigil.Store, *Monitor) {
	if opt.Window <= 0 {
		opt.Window = DefaultWindow
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	m := &Monitor{store: store, window: opt.Window, now: opt.Now}
	w := &watched{Store: store, m: m}
	if n, ok := store.(vigil.RevocationNotifier); ok {
		return notifying{w, n}, m
	}
	return w, m
}

// Ready returns the store's Ping error, else an error wrapping
// ErrWritesFail while the last write failed less than the window ago and
// no write succeeded since, else nil.
func (m *Monitor) Ready(ctx context.Context) error {
	if err := m.store.Ping(ctx); err != nil {
		return err
	}
	if !m.failing.Load() {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.failing.Load() || m.now().Sub(m.at) >= m.window {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrWritesFail, m.cause)
}

// record notes the outcome of a write. The contract's own outcomes (not
// found, conflict) and a caller that gave up say nothing about whether the
// store can write, and are not recorded.
func (m *Monitor) record(err error) {
	switch {
	case err == nil:
		if m.failing.Load() {
			m.mu.Lock()
			m.failing.Store(false)
			m.mu.Unlock()
		}
	case errors.Is(err, vigil.ErrNotFound), errors.Is(err, vigil.ErrConflict), errors.Is(err, context.Canceled):
	default:
		m.mu.Lock()
		m.at, m.cause = m.now(), err
		m.failing.Store(true)
		m.mu.Unlock()
	}
}
