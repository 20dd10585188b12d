package postgres

import (
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

// scan reads rows of the shared column lists (package sqlstore).
var scan = sqlstore.Scan{Dialect: dialect{}}

// collect reads every row with read and closes rows.
func collect[T any](rows pgx.Rows, read func(sqlstore.Row) (T, error)) ([]T, error) {
	defer rows.Close()
	return sqlstore.Collect(rows, read)
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

// oneRow returns err, or pgx.ErrNoRows (ErrNotFound, once wrapped) when
// the statement affected no row.
func oneRow(tag pgconn.CommandTag, err error) error {
	if err == nil && tag.RowsAffected() == 0 {
		return pgx.ErrNoRows
	}
	return err
}
