package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/vigilauth/vigil"
)

// DefaultChannel is the pub/sub channel revocation notices travel on.
const DefaultChannel = "vigil:revocations"

// publishTimeout bounds one attempt to publish a notice. No request waits
// for it: notices are published by a goroutine of their own.
const publishTimeout = 2 * time.Second

// queueSize bounds the notices waiting for the publisher. A notice only
// says "the revocation log grew", so one that finds the queue full is
// dropped: the notices still queued are published after it was committed,
// and the store's own path (LISTEN/NOTIFY, the poll of the log) covers the
// rest.
const queueSize = 64

// Store is a vigil.Store whose revocations are also announced on Redis.
// The announcement is made after the store has committed the revocation,
// by one goroutine draining a bounded queue: a revocation never waits for
// Redis.
type Store struct {
	vigil.Store
	client  *goredis.Client
	channel string
	log     *slog.Logger

	queue     chan struct{}
	stop      context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
	published atomic.Uint64
	failed    atomic.Uint64
	dropped   atomic.Uint64
	// Owned by the publisher goroutine: whether the last publish failed,
	// and the counts before the failures began.
	down                    bool
	downFailed, downDropped uint64
}

var (
	_ vigil.Store              = (*Store)(nil)
	_ vigil.RevocationNotifier = (*Store)(nil)
)

// Stats counts the revocation notices since Wrap.
type Stats struct {
	Published uint64 // publishes Redis accepted (one may cover several revocations)
	Failed    uint64 // publishes that failed (Redis unreachable or too slow)
	Dropped   uint64 // notices dropped because the queue was full
}

// Connect parses a redis:// or rediss:// URL and returns a client. It does
// not fail when Redis is down: vigil runs without it.
func Connect(url string) (*goredis.Client, error) {
	opt, err := goredis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	opt.DialTimeout = time.Second
	opt.ReadTimeout = time.Second
	opt.WriteTimeout = time.Second
	return goredis.NewClient(opt), nil
}

// LogTo sends the Redis client's own messages (a dropped connection, a
// pool that cannot dial) to log as warnings, instead of the plain lines it
// writes to stderr by default, which break a JSON log stream. The client's
// logger is one for the whole process: call it once, from main.
func LogTo(log *slog.Logger) {
	goredis.SetLogger(clientLogger{log})
}

// clientLogger is the go-redis logging interface over slog.
type clientLogger struct{ log *slog.Logger }

func (l clientLogger) Printf(ctx context.Context, format string, v ...any) {
	msg := strings.TrimPrefix(strings.TrimSpace(fmt.Sprintf(format, v...)), "redis: ")
	l.log.WarnContext(ctx, "redis client: "+msg)
}

// Wrap returns store with its revocations published on channel ("" for
// DefaultChannel), and starts the goroutine that publishes them. Closing
// the returned store stops it and closes store and client.
func Wrap(store vigil.Store, client *goredis.Client, channel string, log *slog.Logger) *Store {
	if channel == "" {
		channel = DefaultChannel
	}
	if log == nil {
		log = slog.Default()
	}
	ctx, stop := context.WithCancel(context.Background())
	s := &Store{Store: store, client: client, channel: channel, log: log,
		queue: make(chan struct{}, queueSize), stop: stop, done: make(chan struct{})}
	go s.publisher(ctx)
	return s
}

// Stats returns the counts of notices published, failed and dropped.
func (s *Store) Stats() Stats {
	return Stats{Published: s.published.Load(), Failed: s.failed.Load(), Dropped: s.dropped.Load()}
}

// announce queues a notice that the revocation log grew, without waiting.
func (s *Store) announce() {
	select {
	case s.queue <- struct{}{}:
	default:
		s.dropped.Add(1)
	}
}

// publisher publishes queued notices until ctx ends. Notices queued while
// it publishes are answered by one publish: each revocation was committed
// before its notice was queued, so a publish after it covers it.
func (s *Store) publisher(ctx context.Context) {
	defer close(s.done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.queue:
		}
		for drained := false; !drained; {
			select {
			case <-s.queue:
			default:
				drained = true
			}
		}
		s.publish(ctx)
	}
}

// publish sends one notice. While Redis is unreachable it logs one warning
// when the first publish fails and one line when a publish succeeds again.
func (s *Store) publish(ctx context.Context) {
	attempt, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	err := s.client.Publish(attempt, s.channel, "1").Err()
	switch {
	case err != nil && ctx.Err() != nil:
		return // closing
	case err != nil:
		s.failed.Add(1)
		if !s.down {
			s.down, s.downFailed, s.downDropped = true, s.failed.Load()-1, s.dropped.Load()
			s.log.Warn("redis: revocation notices cannot be published; until Redis answers, instances see revocations at their next poll of the store", "err", err)
		}
	default:
		s.published.Add(1)
		if s.down {
			s.down = false
			s.log.Info("redis: revocation notices are published again",
				"failed", s.failed.Load()-s.downFailed, "dropped", s.dropped.Load()-s.downDropped)
		}
	}
}

// EndSession ends the session in the store and announces it.
func (s *Store) EndSession(ctx context.Context, id string, reason vigil.Reason, at time.Time) (bool, error) {
	ended, err := s.Store.EndSession(ctx, id, reason, at)
	if ended {
		s.announce()
	}
	return ended, err
}

// EndUserSessions ends the sessions in the store and announces it.
func (s *Store) EndUserSessions(ctx context.Context, userID int64, exceptID string, reason vigil.Reason, at time.Time) ([]string, error) {
	ids, err := s.Store.EndUserSessions(ctx, userID, exceptID, reason, at)
	if len(ids) > 0 {
		s.announce()
	}
	return ids, err
}

// RotateSession rotates the token in the store and announces it.
func (s *Store) RotateSession(ctx context.Context, id string, h vigil.TokenHash, reauthAt time.Time) error {
	err := s.Store.RotateSession(ctx, id, h, reauthAt)
	if err == nil {
		s.announce()
	}
	return err
}

// RaiseSession raises the session in the store and announces it.
func (s *Store) RaiseSession(ctx context.Context, id string, h vigil.TokenHash, reauthAt time.Time, aal int, factors vigil.FactorSet) error {
	err := s.Store.RaiseSession(ctx, id, h, reauthAt, aal, factors)
	if err == nil {
		s.announce()
	}
	return err
}

// WatchRevocations calls notify for every notice on the channel (and for
// the wrapped store's own notices, if it pushes any) until ctx ends. The
// client re-subscribes by itself after a lost connection; notices missed
// meanwhile are caught by the engine's poll of the revocation log.
func (s *Store) WatchRevocations(ctx context.Context, notify func()) error {
	if inner, ok := s.Store.(vigil.RevocationNotifier); ok {
		go inner.WatchRevocations(ctx, notify)
	}
	sub := s.client.Subscribe(ctx, s.channel)
	defer sub.Close()
	if _, err := sub.Receive(ctx); err == nil {
		notify() // subscribed: catch up on anything published before
	} else {
		s.log.Warn("redis: not subscribed yet; the client keeps trying", "err", err)
	}
	ch := sub.Channel(goredis.WithChannelHealthCheckInterval(5 * time.Second))
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case _, ok := <-ch:
			if !ok {
				return errors.New("redis: subscription closed")
			}
			notify()
		}
	}
}

// Ping reports whether the store answers. Redis is not asked: vigil is
// ready without it.
func (s *Store) Ping(ctx context.Context) error { return s.Store.Ping(ctx) }

// Close stops the publisher (notices still queued are dropped: instances
// see those revocations at their next poll) and closes the wrapped store
// and the Redis client.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.stop()
		<-s.done
	})
	return errors.Join(s.Store.Close(), s.client.Close())
}
