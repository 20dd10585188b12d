package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Store is a vigil.Store kept in one SQLite file. It is safe for concurrent
// use, also by several processes on the same file (the server and the CLI).
//
// Writes and reads use separate pools. write has a single connection: SQLite
// allows one writer at a time anyway, and queueing writers in database/sql
// (which honours contexts) is cheaper and fairer than letting several
// connections spin in SQLite's busy handler. Its transactions also begin
// IMMEDIATE (_txlock=immediate): a deferred transaction that reads and then
// writes fails at once with SQLITE_BUSY, without waiting busy_timeout, when
// another process committed in between; an immediate one takes the write
// lock up front and so waits like any other writer. read is a pool of
// query_only connections; in WAL mode they never block the writer nor each
// other.
type Store struct {
	write *sql.DB
	read  *sql.DB
	// byToken is SessionByToken's query, prepared once: it is the session
	// cache's miss path, and parsing the SQL each time would triple its cost.
	byToken *sql.Stmt
	// revSince is RevocationsSince's query, prepared once: every running
	// instance polls it 20 times a second, busy or idle, and parsing it
	// each time was most of an idle server's CPU.
	revSince *sql.Stmt
	// audit batches concurrent audit appends into one transaction (audit.go).
	audit sqlstore.AppendBatcher
}

var _ vigil.Store = (*Store)(nil)

// Open opens the database at path, creating the file if it is missing, and
// migrates it to the current schema. The caller must Close the store.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlite: open: empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	s := &Store{write: openPool(abs, true, 1), read: openPool(abs, false, readConns())}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if s.byToken, err = s.read.PrepareContext(ctx, sessionByTokenQuery); err != nil {
		s.Close()
		return nil, wrap(ctx, "open", err)
	}
	if s.revSince, err = s.read.PrepareContext(ctx, revocationsSinceQuery); err != nil {
		s.Close()
		return nil, wrap(ctx, "open", err)
	}
	return s, nil
}

// openPool returns a lazily connecting pool of up to n connections.
func openPool(path string, write bool, n int) *sql.DB {
	db, _ := sql.Open("sqlite", dsn(path, write)) // sql.Open fails only for unknown drivers
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	return db
}

// readConns sizes the read pool: each connection has its own page cache, so
// it is bounded, but large enough that reads never queue behind each other
// on a busy machine.
func readConns() int { return max(4, runtime.GOMAXPROCS(0)) }

// dsn builds a "file:" URI for path with the driver's parameters. Pragmas
// go in _pragma parameters so the driver applies them to every new
// connection (a PRAGMA run once with Exec reaches only the connection that
// ran it). path is absolute; it is escaped so that '?', '#' and '%'
// stay part of it.
func dsn(path string, write bool) string {
	q := url.Values{"_pragma": {
		"busy_timeout(5000)", // wait up to 5 s for another process's write lock
		"foreign_keys(1)",    // sessions and reset tokens go with their user
		"journal_mode(WAL)",  // readers and the writer do not block each other
		"synchronous(FULL)",  // with WAL: fsync per commit, so a revocation survives a power cut
	}}
	if write {
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)") // a write sent to the read pool fails loudly
	}
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive: file:/C:/...
	}
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return "file:" + esc.Replace(p) + "?" + q.Encode()
}

// Ping reports whether the database can be queried; ErrUnavailable if not.
func (s *Store) Ping(ctx context.Context) error {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n)
	if err != nil {
		return fmt.Errorf("sqlite: ping: %w: %w", vigil.ErrUnavailable, err)
	}
	return nil
}

// Close closes both pools. A store must not be used after Close.
func (s *Store) Close() error {
	var errs []error
	for _, st := range []*sql.Stmt{s.byToken, s.revSince} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(append(errs, s.read.Close(), s.write.Close())...)
}
