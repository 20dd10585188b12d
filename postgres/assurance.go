package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilauth/vigil"
)

// RaiseSession gives a live session a new token hash, ReauthAt, AAL and
// factors, and logs it, in one transaction. ErrNotFound if the session is
// missing or ended, ErrConflict if h is taken.
func (s *Store) RaiseSession(ctx context.Context, id string, h vigil.TokenHash, reauthAt time.Time, aal int, factors vigil.FactorSet) error {
	return s.inTx(ctx, "raise session", func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE sessions SET token_hash = $1, reauth_at = $2, aal = $3, factors = $4
			WHERE id = $5 AND ended_at IS NULL`, h[:], dbTime(reauthAt), aal, factors.String(), id)
		if err := oneRow(tag, err); err != nil {
			return err
		}
		return s.logRevocations(ctx, tx, []string{id}, 0, reauthAt)
	})
}
