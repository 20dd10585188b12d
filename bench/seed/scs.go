package seed

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5"
)

// scs's session values are encoded with its own codec (gob); each session
// holds "user" (what the server puts in Remote-User). Deadline is the
// absolute lifetime (168 h from now); the stored expiry is the idle expiry
// (30 min from now) as scs writes it with IdleTimeout set, which also keeps
// the session valid with IdleTimeout off.
const (
	scsLifetime = 168 * time.Hour
	scsIdle     = 30 * time.Minute
)

func scsRow(i, users int, now time.Time) (string, []byte, time.Time, error) {
	b, err := scs.GobCodec{}.Encode(now.Add(scsLifetime), map[string]any{"user": Username(i % users)})
	return scsToken(), b, now.Add(scsIdle).UTC(), err
}

// SCSSQLiteDSN is the DSN the scs server and the seeding open: WAL and a
// busy timeout, as any Go developer would set for SQLite under concurrent
// load (synchronous stays at SQLite's default, FULL, as in vigil).
func SCSSQLiteDSN(path string) string {
	return "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)"
}

// SCSSQLite creates scs's sessions table (as sqlite3store's README has it)
// in a new SQLite file at path, with spec's sessions; it returns their
// cookies.
func SCSSQLite(ctx context.Context, path string, spec Spec) ([]string, error) {
	db, err := sql.Open("sqlite", SCSSQLiteDSN(path))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, s := range []string{
		`CREATE TABLE sessions (token TEXT PRIMARY KEY, data BLOB NOT NULL, expiry REAL NOT NULL)`,
		`CREATE INDEX sessions_expiry_idx ON sessions(expiry)`,
	} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return nil, fmt.Errorf("seed: scs sqlite: %w", err)
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	// sqlite3store's own Commit statement.
	stmt, err := tx.PrepareContext(ctx, `REPLACE INTO sessions (token, data, expiry) VALUES ($1, $2, julianday($3))`)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tokens := make([]string, spec.Sessions)
	for i := range tokens {
		tok, data, expiry, err := scsRow(i, spec.users(), now)
		if err != nil {
			return nil, err
		}
		if _, err := stmt.ExecContext(ctx, tok, data, expiry.Format("2006-01-02T15:04:05.999")); err != nil {
			return nil, fmt.Errorf("seed: scs sqlite insert: %w", err)
		}
		tokens[i] = tok
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return tokens, countWritesSQLite(ctx, db, "sessions")
}

// SCSPostgres creates pgxstore's sessions table (as its README has it) in
// url's schema, with spec's sessions; it returns their cookies.
func SCSPostgres(ctx context.Context, url string, spec Spec) ([]string, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	for _, s := range []string{
		`CREATE TABLE sessions (token TEXT PRIMARY KEY, data BYTEA NOT NULL, expiry TIMESTAMPTZ NOT NULL)`,
		`CREATE INDEX sessions_expiry_idx ON sessions (expiry)`,
	} {
		if _, err := conn.Exec(ctx, s); err != nil {
			return nil, fmt.Errorf("seed: scs postgres: %w", err)
		}
	}
	now := time.Now()
	tokens := make([]string, spec.Sessions)
	rows := make([][]any, spec.Sessions)
	for i := range tokens {
		tok, data, expiry, err := scsRow(i, spec.users(), now)
		if err != nil {
			return nil, err
		}
		tokens[i], rows[i] = tok, []any{tok, data, expiry}
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"sessions"}, []string{"token", "data", "expiry"}, pgx.CopyFromRows(rows)); err != nil {
		return nil, fmt.Errorf("seed: scs postgres copy: %w", err)
	}
	if err := countWritesPostgres(ctx, conn, "sessions"); err != nil {
		return nil, err
	}
	_, err = conn.Exec(ctx, "ANALYZE")
	return tokens, err
}
