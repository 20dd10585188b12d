package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

// CreateUser inserts u and sets u.ID. ErrConflict if the username is taken.
func (s *Store) CreateUser(ctx context.Context, u *vigil.User) error {
	query, args := sqlstore.InsertUser(dialect{}, u)
	return s.run(ctx, "create user", func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, query, args...).Scan(&u.ID)
	})
}

// UserByUsername returns the user, or ErrNotFound.
func (s *Store) UserByUsername(ctx context.Context, username string) (*vigil.User, error) {
	return s.oneUser(ctx, "user by username", `SELECT `+sqlstore.UserColumns+` FROM users WHERE username = $1`, username)
}

// UserByID returns the user, or ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id int64) (*vigil.User, error) {
	return s.oneUser(ctx, "user by id", `SELECT `+sqlstore.UserColumns+` FROM users WHERE id = $1`, id)
}

// ListUsers returns every user ordered by username.
func (s *Store) ListUsers(ctx context.Context) ([]vigil.User, error) {
	var users []vigil.User
	err := s.run(ctx, "list users", func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, `SELECT `+sqlstore.UserColumns+` FROM users ORDER BY username`)
		if err != nil {
			return err
		}
		users, err = collect(rows, scan.User)
		return err
	})
	return users, err
}

// SetPassword replaces the user's hash and sets PasswordChangedAt, and
// writes a vigil.WebhookPasswordChanged message, in one transaction.
// ErrNotFound if there is no such user.
func (s *Store) SetPassword(ctx context.Context, userID int64, hash string, at time.Time) error {
	return s.inTx(ctx, "set password", func(ctx context.Context, tx pgx.Tx) error {
		data := sqlstore.UserData{UserID: userID}
		var rehash bool // the same password hashed anew (vigil.SetPassword): no message
		if err := tx.QueryRow(ctx, `SELECT password_changed_at IS NOT DISTINCT FROM $1::timestamptz FROM users WHERE id = $2 FOR UPDATE`,
			dbTime(at), userID).Scan(&rehash); err != nil {
			return err // pgx.ErrNoRows: no such user
		}
		err := tx.QueryRow(ctx, `UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3
			RETURNING username`, hash, dbTime(at), userID).Scan(&data.Username)
		if err != nil || rehash {
			return err
		}
		return writeWebhook(ctx, tx, sqlstore.UserMessage(vigil.WebhookPasswordChanged, at, data))
	})
}

// SetDisabled disables or enables the user (idempotently) and, when the
// flag flips, writes a vigil.WebhookUserDisabled or WebhookUserEnabled
// message, in one transaction: the conditional UPDATE makes one of
// concurrent flips to one value see the change (the others wait for its
// row lock, then find the value set). ErrNotFound if there is no such
// user.
func (s *Store) SetDisabled(ctx context.Context, userID int64, disabled bool) error {
	return s.inTx(ctx, "set disabled", func(ctx context.Context, tx pgx.Tx) error {
		data := sqlstore.UserData{UserID: userID}
		err := tx.QueryRow(ctx, `UPDATE users SET disabled = $1 WHERE id = $2 AND disabled <> $1
			RETURNING username`, disabled, userID).Scan(&data.Username)
		if errors.Is(err, pgx.ErrNoRows) {
			var one int // unchanged: it had the value already, or there is no such user
			return tx.QueryRow(ctx, `SELECT 1 FROM users WHERE id = $1`, userID).Scan(&one)
		}
		if err != nil {
			return err
		}
		return writeWebhook(ctx, tx, sqlstore.UserMessage(sqlstore.DisabledType(disabled), time.Now(), data))
	})
}

// RecordLogin sets LastLogin. ErrNotFound if there is no such user.
func (s *Store) RecordLogin(ctx context.Context, userID int64, at time.Time) error {
	return s.updateUser(ctx, "record login", `UPDATE users SET last_login = $1 WHERE id = $2`, dbTime(at), userID)
}

// updateUser runs an UPDATE of one user row; ErrNotFound if it matched none.
// (PostgreSQL counts the rows an UPDATE matched, changed or not.)
func (s *Store) updateUser(ctx context.Context, op, query string, args ...any) error {
	return s.run(ctx, op, func(ctx context.Context) error {
		tag, err := s.pool.Exec(ctx, query, args...)
		return oneRow(tag, err)
	})
}

// oneUser runs a single-row user query.
func (s *Store) oneUser(ctx context.Context, op, query string, args ...any) (*vigil.User, error) {
	var u vigil.User
	err := s.run(ctx, op, func(ctx context.Context) (err error) {
		u, err = scan.User(s.pool.QueryRow(ctx, query, args...))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}
