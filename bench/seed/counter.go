package seed

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// The write counters: a trigger on the sessions table bumps a counter on
// every insert, update or delete, so the harness reads how many row writes
// a run cost without instrumenting the server. (scs's SQLite REPLACE is one
// insert; its PostgreSQL upsert one update.)

// openSQLite opens a bench connection to an SQLite file in WAL mode.
func openSQLite(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

func countWritesSQLite(ctx context.Context, db *sql.DB, table string) error {
	stmts := []string{
		`CREATE TABLE bench_writes (n INTEGER NOT NULL)`,
		`INSERT INTO bench_writes VALUES (0)`,
	}
	for _, ev := range []string{"INSERT", "UPDATE", "DELETE"} {
		stmts = append(stmts, fmt.Sprintf(`CREATE TRIGGER bench_count_%s AFTER %s ON %s
			BEGIN UPDATE bench_writes SET n = n + 1; END`, ev, ev, table))
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("seed: write counter: %w", err)
		}
	}
	return nil
}

func countWritesPostgres(ctx context.Context, conn *pgx.Conn, table string) error {
	stmts := []string{
		`CREATE SEQUENCE bench_writes`,
		`CREATE FUNCTION bench_count() RETURNS trigger LANGUAGE plpgsql AS
			$$ BEGIN PERFORM nextval('bench_writes'); RETURN NULL; END $$`,
		`CREATE TRIGGER bench_count AFTER INSERT OR UPDATE OR DELETE ON ` + table +
			` FOR EACH ROW EXECUTE FUNCTION bench_count()`,
	}
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("seed: write counter: %w", err)
		}
	}
	return nil
}

// Counter reads a store's write counter.
type Counter interface {
	Writes(ctx context.Context) (int64, error)
	Close() error
}

type sqliteCounter struct{ db *sql.DB }

// SQLiteCounter reads the write counter of the SQLite file at path.
func SQLiteCounter(path string) (Counter, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return sqliteCounter{db}, nil
}

func (c sqliteCounter) Writes(ctx context.Context) (int64, error) {
	var n int64
	err := c.db.QueryRowContext(ctx, `SELECT n FROM bench_writes`).Scan(&n)
	return n, err
}

func (c sqliteCounter) Close() error { return c.db.Close() }

type pgCounter struct{ conn *pgx.Conn }

// PostgresCounter reads the write counter in url's schema.
func PostgresCounter(ctx context.Context, url string) (Counter, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	return pgCounter{conn}, nil
}

func (c pgCounter) Writes(ctx context.Context) (int64, error) {
	var n int64
	var called bool
	err := c.conn.QueryRow(ctx, `SELECT last_value, is_called FROM bench_writes`).Scan(&n, &called)
	if !called {
		n = 0
	}
	return n, err
}

func (c pgCounter) Close() error { return c.conn.Close(context.Background()) }
