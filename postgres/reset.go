package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilauth/vigil"
)

// CreateResetToken stores t and, in the same transaction, deletes every
// earlier token of the same user, so at most one is outstanding.
// ErrNotFound if the user does not exist.
func (s *Store) CreateResetToken(ctx context.Context, t vigil.ResetToken) error {
	return s.inTx(ctx, "create reset token", func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM reset_tokens WHERE user_id = $1`, t.UserID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO reset_tokens (hash, user_id, created_at, expires_at)
			VALUES ($1, $2, $3, $4)`, t.Hash[:], t.UserID, dbTime(t.CreatedAt), t.ExpiresAt)
		return err
	})
}

// ResetTokenUser returns the user id of the token if it is unused and
// unexpired at now (now < ExpiresAt), without using it; ErrNotFound
// otherwise.
func (s *Store) ResetTokenUser(ctx context.Context, h vigil.TokenHash, now time.Time) (int64, error) {
	var userID int64
	err := s.run(ctx, "reset token user", func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, `SELECT user_id FROM reset_tokens
			WHERE hash = $1 AND used_at IS NULL AND expires_at > $2`, h[:], now).Scan(&userID)
	})
	return userID, err
}

// ConsumeResetToken marks the token used and returns its user id, if it was
// unused and unexpired at now. It is one conditional UPDATE: concurrent
// calls queue on the row lock and re-check used_at once they get it, so
// exactly one succeeds; the others get ErrNotFound.
func (s *Store) ConsumeResetToken(ctx context.Context, h vigil.TokenHash, now time.Time) (int64, error) {
	var userID int64
	err := s.run(ctx, "consume reset token", func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, `UPDATE reset_tokens SET used_at = $1
			WHERE hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id`,
			now, h[:]).Scan(&userID)
	})
	return userID, err
}
