package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/vigilauth/vigil"
)

// DefaultChannel is the pub/sub channel revocation notices travel on.
const DefaultChannel = "vigil:revocations"

// publishTimeout bounds how long a revocation waits for Redis: the
// revocation itself is already committed to the store.
const publishTimeout = 250 * time.Millisecond

// Store is a vigil.Store whose revocations are also announced on Redis.
type Store struct {
	vigil.Store
	client  *goredis.Client
	channel string
	log     *slog.Logger
}

var (
	_ vigil.Store              = (*Store)(nil)
	_ vigil.RevocationNotifier = (*Store)(nil)
)

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
// DefaultChannel). Closing the returned store closes store and client.
func Wrap(store vigil.Store, client *goredis.Client, channel string, log *slog.Logger) *Store {
	if channel == "" {
		channel = DefaultChannel
	}
	if log == nil {
		log = slog.Default()
	}
	return &Store{Store: store, client: client, channel: channel, log: log}
}

// publish announces that the revocation log grew.
func (s *Store) publish(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	if err := s.client.Publish(ctx, s.channel, "1").Err(); err != nil {
		s.log.Warn("redis: revocation notice not published; instances will see it at their next poll", "err", err)
	}
}

// EndSession ends the session in the store and announces it.
func (s *Store) EndSession(ctx context.Context, id string, reason vigil.Reason, at time.Time) (bool, error) {
	ended, err := s.Store.EndSession(ctx, id, reason, at)
	if ended {
		s.publish(ctx)
	}
	return ended, err
}

// EndUserSessions ends the sessions in the store and announces it.
func (s *Store) EndUserSessions(ctx context.Context, userID int64, exceptID string, reason vigil.Reason, at time.Time) ([]string, error) {
	ids, err := s.Store.EndUserSessions(ctx, userID, exceptID, reason, at)
	if len(ids) > 0 {
		s.publish(ctx)
	}
	return ids, err
}

// RotateSession rotates the token in the store and announces it.
func (s *Store) RotateSession(ctx context.Context, id string, h vigil.TokenHash, reauthAt time.Time) error {
	err := s.Store.RotateSession(ctx, id, h, reauthAt)
	if err == nil {
		s.publish(ctx)
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

// Close closes the wrapped store and the Redis client.
func (s *Store) Close() error {
	return errors.Join(s.Store.Close(), s.client.Close())
}
