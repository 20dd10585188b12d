package auth

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/vigilauth/vigil"
)

// maxStale bounds how long the cache is trusted without a successful read
// of the revocation log. A revocation made elsewhere (the CLI, another
// instance) takes effect within this delay even when the notice pushed by
// the store is lost, or when this instance is cut off from the store (SPEC
// §2: within 100 ms with PostgreSQL or Redis); with the store unreachable,
// the cache stops answering after it and requests fail closed with 503.
const maxStale = 100 * time.Millisecond

// pollTimeout bounds one read of the log; a slow read only lets the cache
// go stale (lookups then go to the store), it never blocks requests.
const pollTimeout = time.Second

// follower reads the revocation log and drops what it names from the cache.
// The cache is used only while the follower is current (fresh).
type follower struct {
	store    vigil.RevocationLog
	cache    *cache
	interval time.Duration
	log      *slog.Logger
	last     int64        // highest Seq applied
	okAt     atomic.Int64 // monotonic nanoseconds of the last good poll; 0 = never
	start    time.Time
	wake     chan struct{} // a pushed notice: poll now
}

func newFollower(store vigil.RevocationLog, c *cache, interval time.Duration, log *slog.Logger) *follower {
	return &follower{store: store, cache: c, interval: interval, log: log, start: time.Now(), wake: make(chan struct{}, 1)}
}

// nudge asks for a poll now; it never blocks.
func (f *follower) nudge() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// since returns monotonic nanoseconds since the follower was made.
func (f *follower) since() int64 { return int64(time.Since(f.start)) + 1 }

// fresh reports whether the cache may answer.
func (f *follower) fresh() bool {
	ok := f.okAt.Load()
	return ok != 0 && f.since()-ok < int64(maxStale)
}

// run polls until ctx ends: every interval, and at once when a store that
// pushes revocation notices (vigil.RevocationNotifier) sends one.
func (f *follower) run(ctx context.Context) error {
	if n, ok := f.store.(vigil.RevocationNotifier); ok {
		go n.WatchRevocations(ctx, f.nudge)
	}
	t := time.NewTicker(f.interval)
	defer t.Stop()
	defer f.okAt.Store(0)
	for {
		f.poll(ctx)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case <-f.wake:
		}
	}
}

// pollBatch is how many log entries one poll applies before it gives up
// and purges the whole cache instead.
const pollBatch = 1000

// poll applies new log entries; on failure the cache goes stale by itself.
// A poll cut short because the engine is stopping (parent ended) is no
// failure of the store, and is not reported as one.
func (f *follower) poll(parent context.Context) {
	ctx, cancel := context.WithTimeout(parent, pollTimeout)
	defer cancel()
	if f.okAt.Load() == 0 {
		// Starting (or restarting after an error): what happened meanwhile
		// is unknown, so start from an empty cache at the log's end.
		seq, err := f.store.LastRevocation(ctx)
		if err != nil {
			f.fail(parent, err)
			return
		}
		f.cache.purge()
		f.last = seq
		f.okAt.Store(f.since())
		return
	}
	revs, err := f.store.RevocationsSince(ctx, f.last, pollBatch)
	if err != nil {
		f.fail(parent, err)
		return
	}
	f.apply(revs)
	f.okAt.Store(f.since())
}

func (f *follower) apply(revs []vigil.Revocation) {
	if len(revs) >= pollBatch {
		f.cache.purge()
	}
	for _, r := range revs {
		if len(revs) < pollBatch {
			if r.SessionID != "" {
				f.cache.dropSession(r.SessionID)
			}
			if r.UserID != 0 {
				f.cache.dropUser(r.UserID)
			}
		}
		f.last = r.Seq
	}
}

func (f *follower) fail(parent context.Context, err error) {
	if f.okAt.Load() != 0 && f.since()-f.okAt.Load() >= int64(maxStale) {
		f.okAt.Store(0) // stale: restart from the log's end when the store answers
	}
	if parent.Err() != nil {
		return // stopping: run marks the cache stale on its way out
	}
	f.log.Warn("revocation log unreadable", "err", err)
}
