package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

// Throttle returns the state of key (the zero state if none).
func (s *Store) Throttle(ctx context.Context, key string) (vigil.ThrottleState, error) {
	st, err := readThrottle(ctx, s.read, key)
	return st, wrap(ctx, "throttle", err)
}

// UpdateThrottle applies fn to the state of key and stores the result in one
// write transaction, so updates of a key never interleave, and returns it.
// When the result locks a username (a "user:" key's LockedUntil moves
// later), the same transaction writes a vigil.WebhookLoginLocked message.
// fn runs while the write lock is held: it must be quick and must not use
// the store.
func (s *Store) UpdateThrottle(ctx context.Context, key string, fn func(vigil.ThrottleState) vigil.ThrottleState) (vigil.ThrottleState, error) {
	var st vigil.ThrottleState
	err := s.inTx(ctx, "update throttle", func(tx *sql.Tx) error {
		old, err := readThrottle(ctx, tx, key)
		if err != nil {
			return err
		}
		st = fn(old)
		_, err = tx.ExecContext(ctx, `INSERT INTO throttle (key, failures, streak, locked_until, pending, updated_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,
			streak = excluded.streak, locked_until = excluded.locked_until, pending = excluded.pending,
			updated_at = excluded.updated_at`,
			key, encodeTimes(st.Failures), st.Streak, dbTime(st.LockedUntil), encodeTimes(st.Pending), time.Now().UnixMicro())
		if m, locked := sqlstore.LockMessage(key, old, st, time.Now()); locked && err == nil {
			return writeWebhook(ctx, tx, m)
		}
		return err
	})
	if err != nil {
		return vigil.ThrottleState{}, err
	}
	return sqlstore.StoredThrottle(st), nil
}

// ResetThrottle forgets key.
func (s *Store) ResetThrottle(ctx context.Context, key string) error {
	_, err := s.write.ExecContext(ctx, `DELETE FROM throttle WHERE key = ?`, key)
	return wrap(ctx, "reset throttle", err)
}

// querier is a pool or a transaction.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// readThrottle reads key's state; a missing row is the zero state.
func readThrottle(ctx context.Context, q querier, key string) (vigil.ThrottleState, error) {
	var st vigil.ThrottleState
	var failures, pending string
	err := q.QueryRowContext(ctx, `SELECT failures, streak, locked_until, pending FROM throttle WHERE key = ?`,
		key).Scan(&failures, &st.Streak, timeCol{&st.LockedUntil}, &pending)
	if err == sql.ErrNoRows {
		return vigil.ThrottleState{}, nil
	}
	if err != nil {
		return st, err
	}
	if st.Failures, err = decodeTimes("failures", failures); err != nil {
		return st, err
	}
	st.Pending, err = decodeTimes("pending", pending)
	return st, err
}

// encodeTimes stores times as comma-separated unix microseconds.
func encodeTimes(ts []time.Time) string {
	var b strings.Builder
	for i, t := range ts {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(t.UnixMicro(), 10))
	}
	return b.String()
}

// decodeTimes reverses encodeTimes; column names the column in errors.
func decodeTimes(column, s string) ([]time.Time, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	ts := make([]time.Time, len(parts))
	for i, p := range parts {
		us, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("throttle %s %q: %w", column, s, err)
		}
		ts[i] = fromMicros(us)
	}
	return ts, nil
}
