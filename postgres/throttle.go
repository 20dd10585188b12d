package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

// Throttle returns the state of key (the zero state if none).
func (s *Store) Throttle(ctx context.Context, key string) (vigil.ThrottleState, error) {
	var st vigil.ThrottleState
	err := s.run(ctx, "throttle", func(ctx context.Context) error {
		err := s.pool.QueryRow(ctx, `SELECT failures, streak, locked_until, pending FROM throttle WHERE key = $1`,
			key).Scan(throttleDest(&st)...)
		if err == pgx.ErrNoRows {
			return nil
		}
		return err
	})
	if err != nil {
		return vigil.ThrottleState{}, err
	}
	st.Failures, st.Pending = utcTimes(st.Failures), utcTimes(st.Pending)
	return st, nil
}

// UpdateThrottle applies fn to the state of key and stores the result in one
// transaction, and returns it. The transaction first locks key's row,
// creating it if missing, in one statement: an upsert takes the row lock
// whether the row existed, was being inserted by another transaction (it
// waits for that one), or was just deleted by ResetThrottle (it inserts
// again), so updates of one key run one after another and none is lost.
// (INSERT ... ON CONFLICT DO NOTHING followed by SELECT ... FOR UPDATE
// would leave a gap: a reset between the two finds no row to lock.)
// fn runs while the row lock is held: it must be quick and must not use
// the store. When the result locks a username (a "user:" key's
// LockedUntil moves later), the same transaction writes a
// vigil.WebhookLoginLocked message.
func (s *Store) UpdateThrottle(ctx context.Context, key string, fn func(vigil.ThrottleState) vigil.ThrottleState) (vigil.ThrottleState, error) {
	var st vigil.ThrottleState
	err := s.inTx(ctx, "update throttle", func(ctx context.Context, tx pgx.Tx) error {
		var old vigil.ThrottleState
		err := tx.QueryRow(ctx, `INSERT INTO throttle AS t (key) VALUES ($1)
			ON CONFLICT (key) DO UPDATE SET key = t.key
			RETURNING t.failures, t.streak, t.locked_until, t.pending`, key).Scan(throttleDest(&old)...)
		if err != nil {
			return err
		}
		old.Failures, old.Pending = utcTimes(old.Failures), utcTimes(old.Pending)
		st = sqlstore.StoredThrottle(fn(old))
		_, err = tx.Exec(ctx, `UPDATE throttle SET failures = $2, streak = $3, locked_until = $4, pending = $5,
			updated_at = now() WHERE key = $1`, key, notNull(st.Failures), st.Streak, dbTime(st.LockedUntil), notNull(st.Pending))
		if m, locked := sqlstore.LockMessage(key, old, st, time.Now()); locked && err == nil {
			return writeWebhook(ctx, tx, m)
		}
		return err
	})
	if err != nil {
		return vigil.ThrottleState{}, err
	}
	return st, nil
}

// ResetThrottle forgets key.
func (s *Store) ResetThrottle(ctx context.Context, key string) error {
	return s.run(ctx, "reset throttle", func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `DELETE FROM throttle WHERE key = $1`, key)
		return err
	})
}

// throttleDest returns the scan destinations of failures, streak,
// locked_until and pending.
func throttleDest(st *vigil.ThrottleState) []any {
	return []any{&st.Failures, &st.Streak, timeCol{&st.LockedUntil}, &st.Pending}
}

// notNull returns ts, or an empty list for nil: the columns are NOT NULL,
// and nil would be sent as NULL.
func notNull(ts []time.Time) []time.Time {
	if ts == nil {
		return []time.Time{}
	}
	return ts
}
