package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/vigilauth/vigil"
)

// CreateResetToken stores t and, in the same transaction, deletes every
// earlier token of the same user, so at most one is outstanding.
// ErrNotFound if the user does not exist.
func (s *Store) CreateResetToken(ctx context.Context, t vigil.ResetToken) error {
	return s.inTx(ctx, "create reset token", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM reset_tokens WHERE user_id = ?`, t.UserID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO reset_tokens (hash, user_id, created_at, expires_at)
			VALUES (?, ?, ?, ?)`, t.Hash[:], t.UserID, dbTime(t.CreatedAt), t.ExpiresAt.UnixMicro())
		return err
	})
}

// ResetTokenUser returns the user id of the token if it is unused and
// unexpired at now (now < ExpiresAt), without using it; ErrNotFound
// otherwise.
func (s *Store) ResetTokenUser(ctx context.Context, h vigil.TokenHash, now time.Time) (int64, error) {
	var userID int64
	err := s.read.QueryRowContext(ctx, `SELECT user_id FROM reset_tokens
		WHERE hash = ? AND used_at IS NULL AND expires_at > ?`, h[:], now.UnixMicro()).Scan(&userID)
	return userID, wrap(ctx, "reset token user", err)
}

// ConsumeResetToken marks the token used and returns its user id, if it was
// unused and unexpired at now. It is one conditional UPDATE, so exactly one
// of any number of concurrent calls succeeds; the others get ErrNotFound.
func (s *Store) ConsumeResetToken(ctx context.Context, h vigil.TokenHash, now time.Time) (int64, error) {
	var userID int64
	err := s.write.QueryRowContext(ctx, `UPDATE reset_tokens SET used_at = ?1
		WHERE hash = ?2 AND used_at IS NULL AND expires_at > ?1 RETURNING user_id`,
		now.UnixMicro(), h[:]).Scan(&userID)
	return userID, wrap(ctx, "consume reset token", err)
}
