package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

var _ vigil.PendingSignInStore = (*Store)(nil)

var pendingSQL = sqlstore.NewPendingQueries(dialect{})

// CreatePendingSignIn stores p in place of the user's earlier one, in one
// transaction.
func (s *Store) CreatePendingSignIn(ctx context.Context, p vigil.PendingSignIn) error {
	return s.inTx(ctx, "create pending sign-in", func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, pendingSQL.DeleteUser, p.UserID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, pendingSQL.Insert, sqlstore.PendingArgs(dialect{}, &p)...)
		return err
	})
}

// PendingSignIn returns an unexpired pending sign-in, or ErrNotFound.
func (s *Store) PendingSignIn(ctx context.Context, h vigil.TokenHash, now time.Time) (*vigil.PendingSignIn, error) {
	var p *vigil.PendingSignIn
	err := s.run(ctx, "pending sign-in", func(ctx context.Context) (err error) {
		p, err = scan.Pending(s.pool.QueryRow(ctx, pendingSQL.Get, h[:], dbTime(now)))
		return err
	})
	return p, err
}

// ConsumePendingSignIn deletes and returns an unexpired pending sign-in in
// one conditional statement, or ErrNotFound.
func (s *Store) ConsumePendingSignIn(ctx context.Context, h vigil.TokenHash, now time.Time) (*vigil.PendingSignIn, error) {
	var p *vigil.PendingSignIn
	err := s.run(ctx, "consume pending sign-in", func(ctx context.Context) (err error) {
		p, err = scan.Pending(s.pool.QueryRow(ctx, pendingSQL.Consume, h[:], dbTime(now)))
		return err
	})
	return p, err
}
