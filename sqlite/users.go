package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

// CreateUser inserts u and sets u.ID. ErrConflict if the username is taken.
func (s *Store) CreateUser(ctx context.Context, u *vigil.User) error {
	query, args := sqlstore.InsertUser(dialect{}, u)
	err := s.write.QueryRowContext(ctx, query, args...).Scan(&u.ID)
	return wrap(ctx, "create user", err)
}

// UserByUsername returns the user, or ErrNotFound.
func (s *Store) UserByUsername(ctx context.Context, username string) (*vigil.User, error) {
	row := s.read.QueryRowContext(ctx, `SELECT `+sqlstore.UserColumns+` FROM users WHERE username = ?`, username)
	return oneUser(ctx, "user by username", row)
}

// UserByID returns the user, or ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id int64) (*vigil.User, error) {
	row := s.read.QueryRowContext(ctx, `SELECT `+sqlstore.UserColumns+` FROM users WHERE id = ?`, id)
	return oneUser(ctx, "user by id", row)
}

// ListUsers returns every user ordered by username.
func (s *Store) ListUsers(ctx context.Context) ([]vigil.User, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+sqlstore.UserColumns+` FROM users ORDER BY username`)
	if err != nil {
		return nil, wrap(ctx, "list users", err)
	}
	users, err := collect(rows, scan.User)
	return users, wrap(ctx, "list users", err)
}

// SetPassword replaces the user's hash and sets PasswordChangedAt, and
// writes a vigil.WebhookPasswordChanged message, in one transaction.
// ErrNotFound if there is no such user.
func (s *Store) SetPassword(ctx context.Context, userID int64, hash string, at time.Time) error {
	return s.inTx(ctx, "set password", func(tx *sql.Tx) error {
		data := sqlstore.UserData{UserID: userID}
		var rehash bool // the same password hashed anew (vigil.SetPassword): no message
		if err := tx.QueryRowContext(ctx, `SELECT password_changed_at IS ? FROM users WHERE id = ?`,
			dbTime(at), userID).Scan(&rehash); err != nil {
			return err // sql.ErrNoRows: no such user
		}
		err := tx.QueryRowContext(ctx, `UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?
			RETURNING username`, hash, dbTime(at), userID).Scan(&data.Username)
		if err != nil || rehash {
			return err
		}
		return writeWebhook(ctx, tx, sqlstore.UserMessage(vigil.WebhookPasswordChanged, at, data))
	})
}

// SetDisabled disables or enables the user (idempotently) and, when the
// flag flips, writes a vigil.WebhookUserDisabled or WebhookUserEnabled
// message, in one transaction. ErrNotFound if there is no such user.
func (s *Store) SetDisabled(ctx context.Context, userID int64, disabled bool) error {
	return s.inTx(ctx, "set disabled", func(tx *sql.Tx) error {
		data := sqlstore.UserData{UserID: userID}
		err := tx.QueryRowContext(ctx, `UPDATE users SET disabled = ? WHERE id = ? AND disabled <> ?
			RETURNING username`, disabled, userID, disabled).Scan(&data.Username)
		if errors.Is(err, sql.ErrNoRows) {
			var one int // unchanged: it had the value already, or there is no such user
			return tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = ?`, userID).Scan(&one)
		}
		if err != nil {
			return err
		}
		return writeWebhook(ctx, tx, sqlstore.UserMessage(sqlstore.DisabledType(disabled), time.Now(), data))
	})
}

// RecordLogin sets LastLogin. ErrNotFound if there is no such user.
func (s *Store) RecordLogin(ctx context.Context, userID int64, at time.Time) error {
	return s.updateUser(ctx, "record login", `UPDATE users SET last_login = ? WHERE id = ?`, dbTime(at), userID)
}

// updateUser runs an UPDATE of one user row; ErrNotFound if it matched none.
func (s *Store) updateUser(ctx context.Context, op, query string, args ...any) error {
	res, err := s.write.ExecContext(ctx, query, args...)
	if err != nil {
		return wrap(ctx, op, err)
	}
	return wrap(ctx, op, oneRow(res))
}

// oneUser scans a single-row user query.
func oneUser(ctx context.Context, op string, row *sql.Row) (*vigil.User, error) {
	u, err := scan.User(row)
	if err != nil {
		return nil, wrap(ctx, op, err)
	}
	return &u, nil
}
