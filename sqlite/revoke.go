package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

// EndSession ends a live session for reason and logs its revocation and
// its vigil.WebhookSessionRevoked message, in one transaction. It reports false, with no error, when the session is missing
// or already ended: the conditional UPDATE makes exactly one of any number
// of concurrent calls see a changed row.
func (s *Store) EndSession(ctx context.Context, id string, reason vigil.Reason, at time.Time) (bool, error) {
	if at.IsZero() {
		return false, wrap(ctx, "end session", sqlstore.ErrZeroTime)
	}
	var ended bool
	err := s.inTx(ctx, "end session", func(tx *sql.Tx) error {
		var userID int64
		err := tx.QueryRowContext(ctx, `UPDATE sessions SET ended_at = ?, end_reason = ?
			WHERE id = ? AND ended_at IS NULL RETURNING user_id`, dbTime(at), reason, id).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // missing or already ended
		}
		if err != nil {
			return err
		}
		ended = true
		if err := logRevocation(ctx, tx, vigil.Revocation{SessionID: id}, at); err != nil {
			return err
		}
		return writeRevokedWebhook(ctx, tx, userID, []string{id}, reason, at)
	})
	return ended && err == nil, err
}

// EndUserSessions ends every live session of the user but exceptID ("" for
// none) and returns the ids it ended, logging them in the same transaction
// (and writing one vigil.WebhookSessionRevoked message with every id):
// one entry naming the user when every session ended, else one entry per
// session (a user entry would also name the session that was kept).
func (s *Store) EndUserSessions(ctx context.Context, userID int64, exceptID string, reason vigil.Reason, at time.Time) ([]string, error) {
	if at.IsZero() {
		return nil, wrap(ctx, "end user sessions", sqlstore.ErrZeroTime)
	}
	var ids []string
	err := s.inTx(ctx, "end user sessions", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE sessions SET ended_at = ?, end_reason = ?
			WHERE user_id = ? AND ended_at IS NULL AND id <> ? RETURNING id`,
			dbTime(at), reason, userID, exceptID)
		if err != nil {
			return err
		}
		if ids, err = collect(rows, scanString); err != nil || len(ids) == 0 {
			return err
		}
		if err := logUserRevocations(ctx, tx, userID, exceptID, ids, at); err != nil {
			return err
		}
		return writeRevokedWebhook(ctx, tx, userID, ids, reason, at)
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// logUserRevocations logs the sessions EndUserSessions ended.
func logUserRevocations(ctx context.Context, tx *sql.Tx, userID int64, exceptID string, ids []string, at time.Time) error {
	if exceptID == "" {
		return logRevocation(ctx, tx, vigil.Revocation{UserID: userID}, at)
	}
	for _, id := range ids {
		if err := logRevocation(ctx, tx, vigil.Revocation{SessionID: id}, at); err != nil {
			return err
		}
	}
	return nil
}

// RotateSession gives a live session a new token hash and sets ReauthAt,
// and logs the change so that caches drop the old token. ErrNotFound if the
// session is missing or ended; ErrConflict if h is taken.
func (s *Store) RotateSession(ctx context.Context, id string, h vigil.TokenHash, reauthAt time.Time) error {
	return s.inTx(ctx, "rotate session", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET token_hash = ?, reauth_at = ?
			WHERE id = ? AND ended_at IS NULL`, h[:], dbTime(reauthAt), id)
		if err != nil {
			return err
		}
		if err := oneRow(res); err != nil {
			return err
		}
		return logRevocation(ctx, tx, vigil.Revocation{SessionID: id}, reauthAt)
	})
}

// writeRevokedWebhook adds the vigil.WebhookSessionRevoked message of
// sessions ids of the user, ended for reason, to the outbox within tx.
func writeRevokedWebhook(ctx context.Context, tx *sql.Tx, userID int64, ids []string, reason vigil.Reason, at time.Time) error {
	return writeUserWebhook(ctx, tx, vigil.WebhookSessionRevoked, at,
		sqlstore.UserData{UserID: userID, SessionIDs: ids, Reason: string(reason)})
}
