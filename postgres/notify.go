package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Reconnection backoff of WatchRevocations: the first retry waits
// minBackoff, each further one twice as long, up to maxBackoff.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 2 * time.Second
)

// WatchRevocations calls notify whenever the revocation log may have grown,
// until ctx ends, and then returns ctx's error (or, if the store is closed
// first, an error saying so).
//
// It holds one connection of its own, outside the pool, that LISTENs on
// the store's channel; every append to the log notifies it when its
// transaction commits. notify is also called each time the connection is
// (re)established and listening, since entries may have been appended
// while no one listened. A lost connection is re-established with backoff
// (100 ms doubling to 2 s); a quiet one is pinged every 30 s, so a
// connection the network dropped without a word is noticed too.
func (s *Store) WatchRevocations(ctx context.Context, notify func()) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.life, cancel)() // Close stops the watcher
	wait := minBackoff
	for {
		listened, err := s.listen(wctx, notify)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if wctx.Err() != nil {
			return fmt.Errorf("postgres: watch revocations: %w", errClosed)
		}
		if listened {
			wait = minBackoff
		}
		s.log.Warn("postgres: revocation notices interrupted; instances still poll the log",
			"err", err, "retry_in", wait)
		t := time.NewTimer(wait)
		select {
		case <-wctx.Done():
			t.Stop()
		case <-t.C:
		}
		wait = min(2*wait, maxBackoff)
	}
}

// listen connects, LISTENs, calls notify once, and then once per
// notification, until the connection fails or ctx ends. It reports whether
// it got as far as listening.
func (s *Store) listen(ctx context.Context, notify func()) (bool, error) {
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, s.listenConfig)
	if err != nil {
		return false, wrap(ctx, "listen", err)
	}
	defer closeConn(conn)
	// An identifier, not a parameter: quoted, so the channel is matched
	// exactly as pg_notify names it.
	if _, err := conn.Exec(cctx, "LISTEN "+pgx.Identifier{s.channel}.Sanitize()); err != nil {
		return false, wrap(ctx, "listen", err)
	}
	notify()
	for {
		if err := s.waitOne(ctx, conn); err != nil {
			return true, wrap(ctx, "listen", err)
		}
		notify()
	}
}

// waitOne waits for one notification. A quiet connection is pinged every
// idlePing; a failed ping ends the wait with its error.
func (s *Store) waitOne(ctx context.Context, conn *pgx.Conn) error {
	for {
		wctx, cancel := context.WithTimeout(ctx, s.idlePing)
		_, err := conn.WaitForNotification(wctx)
		cancel()
		if err == nil || ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		// A timed-out wait leaves the connection usable (pgx sets a read
		// deadline and keeps the connection open on a timeout).
		pctx, cancel := context.WithTimeout(ctx, pingTimeout)
		err = conn.Ping(pctx)
		cancel()
		if err != nil {
			return err
		}
	}
}

// closeConn closes a watcher's connection, waiting at most a second for
// the server to hear of it.
func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	conn.Close(ctx)
}
