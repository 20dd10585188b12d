package sqlite

import (
	"context"
	"time"
)

// DeleteRevocationsBefore deletes up to limit revocation-log entries made
// before `before`. AUTOINCREMENT keeps their seqs from being reused.
func (s *Store) DeleteRevocationsBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	return s.deleteLimited(ctx, "delete old revocations",
		`DELETE FROM revocations WHERE seq IN (SELECT seq FROM revocations WHERE created_at < ? LIMIT ?)`,
		before, limit)
}

// DeleteThrottleBefore deletes up to limit throttle keys last updated
// before `before`.
func (s *Store) DeleteThrottleBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	return s.deleteLimited(ctx, "delete old throttle keys",
		`DELETE FROM throttle WHERE key IN (SELECT key FROM throttle WHERE updated_at < ? LIMIT ?)`,
		before, limit)
}

// deleteLimited runs a DELETE taking (before, limit) and returns the rows
// it deleted (none when limit <= 0).
func (s *Store) deleteLimited(ctx context.Context, op, query string, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	res, err := s.write.ExecContext(ctx, query, before.UnixMicro(), limit)
	if err != nil {
		return 0, wrap(ctx, op, err)
	}
	n, err := res.RowsAffected()
	return int(n), wrap(ctx, op, err)
}
