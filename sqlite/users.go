package sqlite

import (
	"context"
	"database/sql"
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

// SetPassword replaces the user's hash and sets PasswordChangedAt.
// ErrNotFound if there is no such user.
func (s *Store) SetPassword(ctx context.Context, userID int64, hash string, at time.Time) error {
	return s.updateUser(ctx, "set password",
		`UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?`, hash, dbTime(at), userID)
}

// SetDisabled disables or enables the user (idempotently). ErrNotFound if
// there is no such user.
func (s *Store) SetDisabled(ctx context.Context, userID int64, disabled bool) error {
	return s.updateUser(ctx, "set disabled", `UPDATE users SET disabled = ? WHERE id = ?`, disabled, userID)
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
