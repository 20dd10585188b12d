package postgres

import (
	"context"
	"time"
)

// DeleteRevocationsBefore deletes up to limit revocation-log entries made
// before `before`. The sequence never hands out their seqs again.
func (s *Store) DeleteRevocationsBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	return s.deleteLimited(ctx, "delete old revocations",
		`DELETE FROM revocations WHERE seq IN (SELECT seq FROM revocations WHERE created_at < $1 LIMIT $2)`,
		before, limit)
}

// DeleteThrottleBefore deletes up to limit throttle keys last updated
// before `before`.
func (s *Store) DeleteThrottleBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	return s.deleteLimited(ctx, "delete old throttle keys",
		`DELETE FROM throttle WHERE key IN (SELECT key FROM throttle WHERE updated_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
		before, limit)
}

// deleteLimited runs a DELETE taking ($1 before, $2 limit) and returns the
// rows it deleted (none when limit <= 0).
func (s *Store) deleteLimited(ctx context.Context, op, query string, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	var n int64
	err := s.run(ctx, op, func(ctx context.Context) error {
		tag, err := s.pool.Exec(ctx, query, before, limit)
		n = tag.RowsAffected()
		return err
	})
	return int(n), err
}
