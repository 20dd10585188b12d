package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

// sessionByTokenQuery selects a session and its user by token hash.
const sessionByTokenQuery = `SELECT ` + sqlstore.SessionColumns + `, ` + sqlstore.UserColumns +
	sqlstore.SessionsWithUsers + ` WHERE sessions.token_hash = ?`

// CreateSession inserts s. ErrConflict if its ID or TokenHash is taken,
// ErrNotFound if its user does not exist.
func (s *Store) CreateSession(ctx context.Context, ses *vigil.Session) error {
	query, args := sqlstore.InsertSession(dialect{}, ses)
	_, err := s.write.ExecContext(ctx, query, args...)
	return wrap(ctx, "create session", err)
}

// SessionByToken returns the session whose token hash is h, live or ended,
// with its user, in one query. ErrNotFound if no session has that hash.
func (s *Store) SessionByToken(ctx context.Context, h vigil.TokenHash) (*vigil.Session, *vigil.User, error) {
	ses, u, err := scan.SessionUser(s.byToken.QueryRowContext(ctx, h[:]))
	if err != nil {
		return nil, nil, wrap(ctx, "session by token", err)
	}
	return ses, u, nil
}

// SessionByID returns a session, live or ended, or ErrNotFound.
func (s *Store) SessionByID(ctx context.Context, id string) (*vigil.Session, error) {
	row := s.read.QueryRowContext(ctx, `SELECT `+sqlstore.SessionColumns+` FROM sessions WHERE id = ?`, id)
	ses, err := scan.Session(row)
	if err != nil {
		return nil, wrap(ctx, "session by id", err)
	}
	return &ses, nil
}

// ListSessions returns the user's live sessions, most recent activity first
// (ties: newest first).
func (s *Store) ListSessions(ctx context.Context, userID int64) ([]vigil.Session, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+sqlstore.SessionColumns+` FROM sessions
		WHERE user_id = ? AND ended_at IS NULL`+sqlstore.LiveFirst, userID)
	if err != nil {
		return nil, wrap(ctx, "list sessions", err)
	}
	list, err := collect(rows, scan.Session)
	return list, wrap(ctx, "list sessions", err)
}

// ListAllSessions returns every live session with its username, most recent
// activity first (ties: newest first).
func (s *Store) ListAllSessions(ctx context.Context) ([]vigil.SessionWithUser, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+sqlstore.SessionColumns+`, users.username, users.role`+
		sqlstore.SessionsWithUsers+` WHERE sessions.ended_at IS NULL`+sqlstore.LiveFirst)
	if err != nil {
		return nil, wrap(ctx, "list all sessions", err)
	}
	list, err := collect(rows, scan.SessionWithUser)
	return list, wrap(ctx, "list all sessions", err)
}

// TouchSessions moves each session's LastActivity forward to its touch's
// time, in one write transaction. Ended or missing sessions, and earlier
// times, are left alone without error.
func (s *Store) TouchSessions(ctx context.Context, touches []vigil.Touch) error {
	if len(touches) == 0 {
		return nil
	}
	return s.inTx(ctx, "touch sessions", func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `UPDATE sessions SET last_activity = ?1
			WHERE id = ?2 AND ended_at IS NULL AND (last_activity IS NULL OR last_activity < ?1)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, t := range touches {
			if _, err := stmt.ExecContext(ctx, dbTime(t.At), t.ID); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteEndedSessions deletes up to limit sessions that ended before
// `before` and returns how many it deleted (none when limit <= 0).
func (s *Store) DeleteEndedSessions(ctx context.Context, before time.Time, limit int) (int, error) {
	return s.deleteLimited(ctx, "delete ended sessions",
		`DELETE FROM sessions WHERE rowid IN (SELECT rowid FROM sessions WHERE ended_at IS NOT NULL AND ended_at < ? LIMIT ?)`,
		before, limit)
}

// DeleteSessionsCreatedBefore deletes up to limit sessions created before
// `before` and returns how many it deleted (none when limit <= 0).
func (s *Store) DeleteSessionsCreatedBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	return s.deleteLimited(ctx, "delete old sessions",
		`DELETE FROM sessions WHERE rowid IN (SELECT rowid FROM sessions WHERE created_at < ? LIMIT ?)`,
		before, limit)
}
