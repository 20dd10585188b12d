package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

// logRevocations appends one log entry per session id (with userID, 0 when
// the entries name sessions) inside tx, and notifies the store's channel
// with the last seq; PostgreSQL delivers the notification at commit, and
// never after a rollback.
//
// A sequence hands out numbers in the order transactions ask, not in the
// order they commit: without more, a follower could read seq 6, move past
// it, and never see seq 5 committed a moment later. So appends first take
// the schema's log lock, a transaction-scoped advisory lock held to
// commit: whoever gets a seq commits (and its entries become visible)
// before the next seq is handed out, so entries become visible in seq
// order, as the followers of the log assume. Readers never take it. The
// lock is taken last in the transaction, so it is held for one round trip
// and the commit.
//
// (Not LOCK TABLE revocations: pgx prepares both statements of the batch
// before running them, and preparing the INSERT already takes the table's
// ROW EXCLUSIVE lock, which LOCK TABLE would then have to upgrade: two
// appenders would deadlock.)
func (s *Store) logRevocations(ctx context.Context, tx pgx.Tx, sessionIDs []string, userID int64, at time.Time) error {
	b := &pgx.Batch{}
	b.Queue(`SELECT pg_advisory_xact_lock($1)`, s.logLock)
	b.Queue(`WITH logged AS (
			INSERT INTO revocations (session_id, user_id, created_at)
			SELECT id, $2, $3 FROM unnest($1::text[]) AS id
			RETURNING seq)
		SELECT pg_notify($4, max(seq)::text) FROM logged`,
		sessionIDs, userID, dbTime(at), s.channel)
	return tx.SendBatch(ctx, b).Close()
}

// RevocationsSince returns up to limit log entries with Seq > after, in Seq
// order (none when limit <= 0).
func (s *Store) RevocationsSince(ctx context.Context, after int64, limit int) ([]vigil.Revocation, error) {
	if limit <= 0 {
		return nil, nil
	}
	var list []vigil.Revocation
	err := s.run(ctx, "revocations since", func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, `SELECT `+sqlstore.RevocationColumns+` FROM revocations
			WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
		if err != nil {
			return err
		}
		list, err = collect(rows, scan.Revocation)
		return err
	})
	return list, err
}

// LastRevocation returns the highest Seq in the log (0 when empty).
func (s *Store) LastRevocation(ctx context.Context) (int64, error) {
	var seq int64
	err := s.run(ctx, "last revocation", func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM revocations`).Scan(&seq)
	})
	return seq, err
}
