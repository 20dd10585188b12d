package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

// EndSession ends a live session for reason and logs its revocation and
// its vigil.WebhookSessionRevoked message, in one transaction. It reports false, with no error, when the session is missing
// or already ended: the conditional UPDATE makes exactly one of any number
// of concurrent calls see a changed row (the others wait for its row lock,
// then find ended_at set), and only that one logs.
func (s *Store) EndSession(ctx context.Context, id string, reason vigil.Reason, at time.Time) (bool, error) {
	if at.IsZero() {
		return false, wrap(ctx, "end session", sqlstore.ErrZeroTime)
	}
	var ended bool
	err := s.inTx(ctx, "end session", func(ctx context.Context, tx pgx.Tx) error {
		var userID int64
		err := tx.QueryRow(ctx, `UPDATE sessions SET ended_at = $1, end_reason = $2
			WHERE id = $3 AND ended_at IS NULL RETURNING user_id`, at, reason, id).Scan(&userID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // missing or already ended
		}
		if err != nil {
			return err
		}
		ended = true
		if err := writeRevokedWebhook(ctx, tx, userID, []string{id}, reason, at); err != nil {
			return err
		}
		return s.logRevocations(ctx, tx, []string{id}, 0, at)
	})
	return ended && err == nil, err
}

// EndUserSessions ends every live session of the user but exceptID ("" for
// none) and returns the ids it ended, logging them (and writing one
// vigil.WebhookSessionRevoked message with every id) in the same
// transaction as package sqlite does: one entry naming the user when every session
// ended, else one entry per session (a user entry would also name the
// session that was kept). The rows are locked in id order first, so that
// concurrent calls for one user queue instead of deadlocking.
func (s *Store) EndUserSessions(ctx context.Context, userID int64, exceptID string, reason vigil.Reason, at time.Time) ([]string, error) {
	if at.IsZero() {
		return nil, wrap(ctx, "end user sessions", sqlstore.ErrZeroTime)
	}
	var ids []string
	err := s.inTx(ctx, "end user sessions", func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE sessions SET ended_at = $1, end_reason = $2
			WHERE ended_at IS NULL AND id IN (SELECT id FROM sessions
				WHERE user_id = $3 AND ended_at IS NULL AND id <> $4 ORDER BY id FOR UPDATE)
			RETURNING id`, at, reason, userID, exceptID)
		if err != nil {
			return err
		}
		if ids, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil || len(ids) == 0 {
			return err
		}
		if err := writeRevokedWebhook(ctx, tx, userID, ids, reason, at); err != nil {
			return err
		}
		if exceptID == "" {
			return s.logRevocations(ctx, tx, []string{""}, userID, at)
		}
		return s.logRevocations(ctx, tx, ids, 0, at)
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// RotateSession gives a live session a new token hash and sets ReauthAt,
// and logs the change so that caches drop the old token. ErrNotFound if the
// session is missing or ended; ErrConflict if h is taken.
func (s *Store) RotateSession(ctx context.Context, id string, h vigil.TokenHash, reauthAt time.Time) error {
	return s.inTx(ctx, "rotate session", func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE sessions SET token_hash = $1, reauth_at = $2
			WHERE id = $3 AND ended_at IS NULL`, h[:], dbTime(reauthAt), id)
		if err := oneRow(tag, err); err != nil {
			return err
		}
		return s.logRevocations(ctx, tx, []string{id}, 0, reauthAt)
	})
}

// writeRevokedWebhook adds the vigil.WebhookSessionRevoked message of
// sessions ids of the user, ended for reason, to the outbox within tx.
// (Before logRevocations, which takes the log lock last.)
func writeRevokedWebhook(ctx context.Context, tx pgx.Tx, userID int64, ids []string, reason vigil.Reason, at time.Time) error {
	return writeUserWebhook(ctx, tx, vigil.WebhookSessionRevoked, at,
		sqlstore.UserData{UserID: userID, SessionIDs: ids, Reason: string(reason)})
}
