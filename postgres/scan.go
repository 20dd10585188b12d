package postgres

import (
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vigilauth/vigil"
)

// collect scans every row with scan and closes rows.
func collect[T any](rows pgx.Rows, scan func(pgx.Row) (T, error)) ([]T, error) {
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

// hashCol scans a 32-byte bytea into *h.
type hashCol struct{ h *vigil.TokenHash }

// ScanBytes implements pgtype.BytesScanner.
func (c hashCol) ScanBytes(b []byte) error {
	if len(b) != len(c.h) {
		return fmt.Errorf("token hash column holds %d bytes, want 32", len(b))
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

// oneRow returns err, or pgx.ErrNoRows (ErrNotFound, once wrapped) when
// the statement affected no row.
func oneRow(tag pgconn.CommandTag, err error) error {
	if err == nil && tag.RowsAffected() == 0 {
		return pgx.ErrNoRows
	}
	return err
}
