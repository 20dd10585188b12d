package sqlite

import (
	"context"
	"database/sql"
)

// inTx runs fn in a write transaction (BEGIN IMMEDIATE on the single write
// connection) and commits it if fn returns nil; otherwise it rolls back.
// Errors are wrapped for op.
func (s *Store) inTx(ctx context.Context, op string, fn func(*sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return wrap(ctx, op, err)
	}
	defer tx.Rollback() // a no-op after Commit
	if err := fn(tx); err != nil {
		return wrap(ctx, op, err)
	}
	return wrap(ctx, op, tx.Commit())
}
