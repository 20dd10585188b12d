package sqlite

import (
	"database/sql"
	"fmt"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

// scan reads rows of the shared column lists (package sqlstore).
var scan = sqlstore.Scan{Dialect: dialect{}}

// collect reads every row with read and closes rows.
func collect[T any](rows *sql.Rows, read func(sqlstore.Row) (T, error)) ([]T, error) {
	defer rows.Close()
	return sqlstore.Collect(rows, read)
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

// scanString reads one TEXT column.
func scanString(row sqlstore.Row) (string, error) {
	var v string
	err := row.Scan(&v)
	return v, err
}
