package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// inTx runs fn in a transaction (READ COMMITTED, the server's default) and
// commits it if fn returns nil; otherwise it rolls back. Errors are mapped
// for op, and the whole transaction is bounded by the call timeout.
func (s *Store) inTx(ctx context.Context, op string, fn func(context.Context, pgx.Tx) error) error {
	return s.run(ctx, op, func(ctx context.Context) error {
		return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return fn(ctx, tx) })
	})
}
