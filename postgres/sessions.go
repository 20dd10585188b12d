package postgres

import (
	"context"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

// sessionByTokenQuery selects a session and its user by token hash. pgx
// prepares it once per connection (its statement cache), which matters:
// it is the session cache's miss path.
const sessionByTokenQuery = `SELECT ` + sqlstore.SessionColumns + `, ` + sqlstore.UserColumns +
	sqlstore.SessionsWithUsers + ` WHERE sessions.token_hash = $1`

// CreateSession inserts s. ErrConflict if its ID or TokenHash is taken,
// ErrNotFound if its user does not exist.
func (s *Store) CreateSession(ctx context.Context, ses *vigil.Session) error {
	query, args := sqlstore.InsertSession(dialect{}, ses)
	return s.run(ctx, "create session", func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, query, args...)
		return err
	})
}

// SessionByToken returns the session whose token hash is h, live or ended,
// with its user, in one query. ErrNotFound if no session has that hash.
func (s *Store) SessionByToken(ctx context.Context, h vigil.TokenHash) (*vigil.Session, *vigil.User, error) {
	var ses *vigil.Session
	var u *vigil.User
	err := s.run(ctx, "session by token", func(ctx context.Context) (err error) {
		ses, u, err = scan.SessionUser(s.pool.QueryRow(ctx, sessionByTokenQuery, h[:]))
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return ses, u, nil
}

// SessionByID returns a session, live or ended, or ErrNotFound.
func (s *Store) SessionByID(ctx context.Context, id string) (*vigil.Session, error) {
	var ses vigil.Session
	err := s.run(ctx, "session by id", func(ctx context.Context) (err error) {
		ses, err = scan.Session(s.pool.QueryRow(ctx, `SELECT `+sqlstore.SessionColumns+` FROM sessions WHERE id = $1`, id))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ses, nil
}

// ListSessions returns the user's live sessions, most recent activity first
// (ties: newest first).
func (s *Store) ListSessions(ctx context.Context, userID int64) ([]vigil.Session, error) {
	var list []vigil.Session
	err := s.run(ctx, "list sessions", func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, `SELECT `+sqlstore.SessionColumns+` FROM sessions
			WHERE user_id = $1 AND ended_at IS NULL`+sqlstore.LiveFirst, userID)
		if err != nil {
			return err
		}
		list, err = collect(rows, scan.Session)
		return err
	})
	return list, err
}

// ListAllSessions returns every live session with its username, most recent
// activity first (ties: newest first).
func (s *Store) ListAllSessions(ctx context.Context) ([]vigil.SessionWithUser, error) {
	var list []vigil.SessionWithUser
	err := s.run(ctx, "list all sessions", func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, `SELECT `+sqlstore.SessionColumns+`, users.username, users.role`+
			sqlstore.SessionsWithUsers+` WHERE sessions.ended_at IS NULL`+sqlstore.LiveFirst)
		if err != nil {
			return err
		}
		list, err = collect(rows, scan.SessionWithUser)
		return err
	})
	return list, err
}

// TouchSessions moves each session's LastActivity forward to its touch's
// time, in one statement. Ended or missing sessions, and earlier times, are
// left alone without error.
func (s *Store) TouchSessions(ctx context.Context, touches []vigil.Touch) error {
	if len(touches) == 0 {
		return nil
	}
	ids, times := make([]string, len(touches)), make([]time.Time, len(touches))
	for i, t := range touches {
		ids[i], times[i] = t.ID, t.At
	}
	return s.run(ctx, "touch sessions", func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `UPDATE sessions SET last_activity = t.at
			FROM (SELECT id, max(at) AS at FROM unnest($1::text[], $2::timestamptz[]) AS u(id, at) GROUP BY id) AS t
			WHERE sessions.id = t.id AND sessions.ended_at IS NULL
			AND (sessions.last_activity IS NULL OR sessions.last_activity < t.at)`, ids, times)
		return err
	})
}

// DeleteEndedSessions deletes up to limit sessions that ended before
// `before` and returns how many it deleted (none when limit <= 0). Rows
// another sweeper is deleting are skipped, so sweepers on several
// instances do not queue behind each other.
func (s *Store) DeleteEndedSessions(ctx context.Context, before time.Time, limit int) (int, error) {
	return s.deleteLimited(ctx, "delete ended sessions",
		`DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE ended_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
		before, limit)
}

// DeleteSessionsCreatedBefore deletes up to limit sessions created before
// `before` and returns how many it deleted (none when limit <= 0).
func (s *Store) DeleteSessionsCreatedBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	return s.deleteLimited(ctx, "delete old sessions",
		`DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE created_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
		before, limit)
}
