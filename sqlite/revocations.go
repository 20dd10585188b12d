package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

// logRevocation appends r to the revocation log inside tx.
func logRevocation(ctx context.Context, tx *sql.Tx, r vigil.Revocation, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO revocations (session_id, user_id, created_at)
		VALUES (?, ?, ?)`, r.SessionID, r.UserID, dbTime(at))
	return err
}

// RevocationsSince returns up to limit log entries with Seq > after, in Seq
// order (none when limit <= 0).
func (s *Store) RevocationsSince(ctx context.Context, after int64, limit int) ([]vigil.Revocation, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.revSince.QueryContext(ctx, after, limit)
	if err != nil {
		return nil, wrap(ctx, "revocations since", err)
	}
	list, err := collect(rows, scan.Revocation)
	return list, wrap(ctx, "revocations since", err)
}

// revocationsSinceQuery is RevocationsSince's query (prepared in Open).
const revocationsSinceQuery = `SELECT ` + sqlstore.RevocationColumns + ` FROM revocations
	WHERE seq > ? ORDER BY seq LIMIT ?`

// LastRevocation returns the highest Seq in the log (0 when empty).
func (s *Store) LastRevocation(ctx context.Context) (int64, error) {
	var seq int64
	err := s.read.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM revocations`).Scan(&seq)
	return seq, wrap(ctx, "last revocation", err)
}
