package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/vigilauth/vigil"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// wrap maps err from operation op to what the contracts promise:
//   - a done context stays a context error (the driver may report the
//     interruption as SQLITE_INTERRUPT instead);
//   - sql.ErrNoRows and a missing foreign key (no such user) are ErrNotFound;
//   - a unique-constraint violation (a username) is ErrConflict;
//   - a locked, unopenable or failing file is ErrUnavailable, so callers fail
//     closed with 503 rather than 500;
//
// and keeps the cause in the chain in every case.
func wrap(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		return fmt.Errorf("sqlite: %s: %w: %w", op, ctxErr, err)
	}
	if sentinel := sentinelFor(err); sentinel != nil {
		return fmt.Errorf("sqlite: %s: %w: %w", op, sentinel, err)
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// sentinelFor returns the contract error that err means, or nil.
func sentinelFor(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return vigil.ErrNotFound
	}
	if errors.Is(err, sql.ErrConnDone) || strings.HasSuffix(err.Error(), "sql: database is closed") {
		return vigil.ErrUnavailable // closed under a running server: fail closed with 503
	}
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return nil
	}
	switch code := e.Code(); {
	case code == sqlite3.SQLITE_CONSTRAINT_UNIQUE, code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return vigil.ErrConflict
	case code == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return vigil.ErrNotFound
	default:
		return unavailable(code & 0xff)
	}
}

// unavailable returns ErrUnavailable for primary result codes that mean
// the database cannot be used right now, nil for the others.
func unavailable(primary int) error {
	switch primary {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR,
		sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY,
		sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
		return vigil.ErrUnavailable
	}
	return nil
}
