package sqlite

import (
	"database/sql"
	"fmt"

	"github.com/vigilauth/vigil"
)

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// oneRow returns ErrNotFound unless the statement changed at least one row.
// (SQLite counts the rows an UPDATE matched, changed or not.)
func oneRow(res sql.Result) error {
	n, err := res.RowsAffected()
	if err == nil && n == 0 {
		return vigil.ErrNotFound
	}
	return err
}

// hashCol scans a 32-byte BLOB into *h.
type hashCol struct{ h *vigil.TokenHash }

// Scan implements sql.Scanner.
func (c hashCol) Scan(v any) error {
	b, ok := v.([]byte)
	if !ok || len(b) != len(c.h) {
		return fmt.Errorf("token hash column holds %T of %d bytes, want a 32-byte BLOB", v, len(b))
	}
	copy(c.h[:], b)
	return nil
}

// sessionDest returns the scan destinations for sessionColumns.
func sessionDest(s *vigil.Session) []any {
	return []any{&s.ID, hashCol{&s.TokenHash}, &s.UserID, timeCol{&s.CreatedAt},
		timeCol{&s.LastActivity}, timeCol{&s.ReauthAt}, &s.IP, &s.UserAgent,
		timeCol{&s.EndedAt}, &s.EndReason}
}

// userDest returns the scan destinations for userColumns.
func userDest(u *vigil.User) []any {
	return []any{&u.ID, &u.Username, &u.Role, &u.ClinicianID, &u.PasswordHash,
		&u.Disabled, timeCol{&u.CreatedAt}, timeCol{&u.LastLogin}, timeCol{&u.PasswordChangedAt}}
}

// scanString reads one TEXT column.
func scanString(row scanner) (string, error) {
	var v string
	err := row.Scan(&v)
	return v, err
}
