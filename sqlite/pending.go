package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

var _ vigil.PendingSignInStore = (*Store)(nil)

var pendingSQL = sqlstore.NewPendingQueries(dialect{})

// CreatePendingSignIn stores p in place of the user's earlier one, in one
// transaction.
func (s *Store) CreatePendingSignIn(ctx context.Context, p vigil.PendingSignIn) error {
	return s.inTx(ctx, "create pending sign-in", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, pendingSQL.DeleteUser, p.UserID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, pendingSQL.Insert, sqlstore.PendingArgs(dialect{}, &p)...)
		return err
	})
}

// PendingSignIn returns an unexpired pending sign-in, or ErrNotFound.
func (s *Store) PendingSignIn(ctx context.Context, h vigil.TokenHash, now time.Time) (*vigil.PendingSignIn, error) {
	p, err := scan.Pending(s.read.QueryRowContext(ctx, pendingSQL.Get, h[:], dbTime(now)))
	return p, wrap(ctx, "pending sign-in", err)
}

// ConsumePendingSignIn deletes and returns an unexpired pending sign-in in
// one statement on the single write connection, or ErrNotFound.
func (s *Store) ConsumePendingSignIn(ctx context.Context, h vigil.TokenHash, now time.Time) (*vigil.PendingSignIn, error) {
	p, err := scan.Pending(s.write.QueryRowContext(ctx, pendingSQL.Consume, h[:], dbTime(now)))
	return p, wrap(ctx, "consume pending sign-in", err)
}
