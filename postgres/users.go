package postgres

import (
	"context"
	"time"

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

// SetPassword replaces the user's hash and sets PasswordChangedAt.
// ErrNotFound if there is no such user.
func (s *Store) SetPassword(ctx context.Context, userID int64, hash string, at time.Time) error {
	return s.updateUser(ctx, "set password",
		`UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3`, hash, dbTime(at), userID)
}

// SetDisabled disables or enables the user (idempotently). ErrNotFound if
// there is no such user.
func (s *Store) SetDisabled(ctx context.Context, userID int64, disabled bool) error {
	return s.updateUser(ctx, "set disabled", `UPDATE users SET disabled = $1 WHERE id = $2`, disabled, userID)
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
