package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/vigilauth/vigil"
)

// RaiseSession gives a live session a new token hash, ReauthAt, AAL and
// factors, and logs it, in one transaction. ErrNotFound if the session is
// missing or ended, ErrConflict if h is taken.
func (s *Store) RaiseSession(ctx context.Context, id string, h vigil.TokenHash, reauthAt time.Time, aal int, factors vigil.FactorSet) error {
	return s.inTx(ctx, "raise session", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET token_hash = ?, reauth_at = ?, aal = ?, factors = ?
			WHERE id = ? AND ended_at IS NULL`, h[:], dbTime(reauthAt), aal, factors.String(), id)
		if err != nil {
			return err
		}
		if err := oneRow(res); err != nil {
			return err
		}
		return logRevocation(ctx, tx, vigil.Revocation{SessionID: id}, reauthAt)
	})
}
