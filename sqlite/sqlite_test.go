package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
	"github.com/vigilauth/vigil/internal/testkit/storekit"
	"github.com/vigilauth/vigil/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) vigil.Store { return open(t, dbPath(t)) })
}

// dbPath returns a path for a new database file in a fresh directory.
func dbPath(t testing.TB) string { return filepath.Join(t.TempDir(), "vigil.db") }

// open opens the store at path and closes it when the test ends.
func open(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var t0 = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)

func TestReopenKeepsDataAndMigrationsAreIdempotent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "dir with ?#% chars", "vigil.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	tok := vigil.NewToken()
	ses := storekit.NewSession(t, s, "alice", tok, t0)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file not at the given path: %v", err)
	}

	s = open(t, path)
	for range 2 {
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("Migrate on a migrated database: %v", err)
		}
	}
	got, u, err := s.SessionByToken(ctx, tok.Hash())
	if err != nil || got.ID != ses.ID || u.Username != "alice" {
		t.Fatalf("after reopening: SessionByToken = %+v, %+v, %v", got, u, err)
	}
	ms, err := embeddedMigrations()
	if err != nil {
		t.Fatal(err)
	}
	var applied int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != len(ms) {
		t.Errorf("schema_migrations has %d rows, want %d (one per migration)", applied, len(ms))
	}
}

// TestNoRawTokenStored checks SPEC §2: a leaked database yields no usable
// token. The raw bytes of the file (and WAL) must not hold the token in any
// encoding, while they do hold its hash (so the scan can see the session).
func TestNoRawTokenStored(t *testing.T) {
	path := dbPath(t)
	s := open(t, path)
	tok := vigil.NewToken()
	storekit.NewSession(t, s, "alice", tok, t0)
	h := tok.Hash()

	var stored []byte
	if err := s.read.QueryRow(`SELECT token_hash FROM sessions`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stored, h[:]) {
		t.Fatalf("token_hash column = %x, want the 32-byte SHA-256 %x", stored, h)
	}
	raw := fileBytes(t, path)
	if !bytes.Contains(raw, h[:]) {
		t.Fatal("the token hash is not in the file: the scan below would prove nothing")
	}
	for name, secret := range map[string][]byte{
		"raw bytes":     tok[:],
		"base64url":     []byte(tok.String()),
		"base64":        []byte(base64.StdEncoding.EncodeToString(tok[:])),
		"base64 (trim)": []byte(base64.RawStdEncoding.EncodeToString(tok[:])),
	} {
		if bytes.Contains(raw, secret) {
			t.Errorf("the database holds the token as %s", name)
		}
	}
}

// fileBytes returns the database file followed by its WAL, if any.
func fileBytes(t *testing.T, path string) []byte {
	t.Helper()
	var all []byte
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

// TestPragmasOnEveryConnection holds every connection of each pool at once,
// so that each is a distinct connection, and checks their settings.
func TestPragmasOnEveryConnection(t *testing.T) {
	ctx := context.Background()
	s := open(t, dbPath(t))
	for _, pool := range []struct {
		name string
		db   *sql.DB
		n    int
	}{{"write", s.write, 1}, {"read", s.read, readConns()}} {
		for i := range pool.n {
			c, err := pool.db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			checkPragmas(t, pool.name, i, c)
		}
	}
}

func checkPragmas(t *testing.T, pool string, i int, c *sql.Conn) {
	t.Helper()
	for pragma, want := range map[string]string{
		"busy_timeout": "5000", "foreign_keys": "1", "journal_mode": "wal", "synchronous": "2",
	} {
		var got string
		if err := c.QueryRowContext(context.Background(), "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s connection %d: %s = %s, want %s", pool, i, pragma, got, want)
		}
	}
}

// TestTwoStoresOnOneFile is the server and the CLI writing the same file at
// once: with immediate write transactions and busy_timeout, neither gets
// SQLITE_BUSY and no update is lost.
func TestTwoStoresOnOneFile(t *testing.T) {
	path := dbPath(t)
	a, b := open(t, path), open(t, path)
	storetest.TwoStoresOneThrottleKey(t, a, b)
}

// TestTwoStoresOneServerKey: the server and the CLI sign with one key.
func TestTwoStoresOneServerKey(t *testing.T) {
	path := dbPath(t)
	a, b := open(t, path), open(t, path)
	storetest.TwoStoresOneServerKey(t, a, b)
}

func TestEventLimits(t *testing.T) {
	ctx := context.Background()
	s := open(t, dbPath(t))
	// Appended in one statement: this tests Events, not AppendEvent.
	_, err := s.write.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO audit_events (time, event) SELECT ? + i, 'login_failed' FROM n`, sqlstore.MaxEventLimit+1, t0.UnixMicro())
	if err != nil {
		t.Fatal(err)
	}
	storekit.EventLimits(t, s)
}
