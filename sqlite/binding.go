package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/vigilauth/vigil"
)

// noHash is what a hash column holds for "none" (migration 0006).
var noHash vigil.TokenHash

// SetChallenge makes h the live session's outstanding challenge until
// expires, replacing any earlier one. ErrNotFound if the session is
// missing or ended.
func (s *Store) SetChallenge(ctx context.Context, id string, h vigil.TokenHash, expires time.Time) error {
	res, err := s.write.ExecContext(ctx, `UPDATE sessions SET challenge_hash = ?, challenge_expires = ?
		WHERE id = ? AND ended_at IS NULL`, h[:], dbTime(expires), id)
	if err == nil {
		err = oneRow(res)
	}
	return wrap(ctx, "set challenge", err)
}

// BindSession binds a live, unbound session whose outstanding challenge is
// challenge, unexpired at b.BoundAt, and logs it, in one transaction: the
// conditional UPDATE consumes the challenge, so one of any number of
// concurrent calls binds. ErrNotFound otherwise.
func (s *Store) BindSession(ctx context.Context, id string, challenge vigil.TokenHash, b vigil.Binding) error {
	return s.inTx(ctx, "bind session", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET device_key = ?1, device_thumbprint = ?2,
			bound_at = ?3, bound_cookie_hash = ?4, bound_cookie_lapse = ?5, challenge_hash = ?6, challenge_expires = NULL
			WHERE id = ?7 AND ended_at IS NULL AND bound_at IS NULL AND challenge_hash = ?8 AND challenge_expires > ?3`,
			b.Key, b.Thumbprint, dbTime(b.BoundAt), b.CookieHash[:], dbTime(b.CookieLapse), noHash[:], id, challenge[:])
		if err != nil {
			return err
		}
		if err := oneRow(res); err != nil {
			return err
		}
		return logRevocation(ctx, tx, vigil.Revocation{SessionID: id}, b.BoundAt)
	})
}

// RefreshBinding gives a live, bound session whose outstanding challenge
// is challenge, unexpired at now, a new bound cookie, and logs it, in one
// transaction (single use, as BindSession). ErrNotFound otherwise.
func (s *Store) RefreshBinding(ctx context.Context, id string, challenge vigil.TokenHash, now time.Time, cookie vigil.TokenHash, lapse time.Time) error {
	return s.inTx(ctx, "refresh binding", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET bound_cookie_hash = ?1, bound_cookie_lapse = ?2,
			challenge_hash = ?3, challenge_expires = NULL
			WHERE id = ?4 AND ended_at IS NULL AND bound_at IS NOT NULL AND challenge_hash = ?5 AND challenge_expires > ?6`,
			cookie[:], dbTime(lapse), noHash[:], id, challenge[:], dbTime(now))
		if err != nil {
			return err
		}
		if err := oneRow(res); err != nil {
			return err
		}
		return logRevocation(ctx, tx, vigil.Revocation{SessionID: id}, now)
	})
}
