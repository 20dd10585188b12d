package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one embedded SQL file, named NNNN_description.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// Migrate brings the schema up to date: it applies, in version order, each
// embedded migration not yet recorded in schema_migrations, each in its own
// transaction together with its record. It is idempotent and safe to run
// from several processes at once. Open calls it.
func (s *Store) Migrate(ctx context.Context) error {
	const op = "migrate"
	if _, err := s.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return wrap(ctx, op, err)
	}
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	for _, m := range ms {
		if err := s.inTx(ctx, op+" "+m.name, m.apply); err != nil {
			return err
		}
	}
	return nil
}

// apply runs m unless it is already recorded. The check is inside the
// (immediate) transaction, so a concurrent migrator cannot apply it twice.
func (m migration) apply(tx *sql.Tx) error {
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil || n > 0 {
		return err
	}
	if _, err := tx.Exec(m.sql); err != nil {
		return err
	}
	_, err := tx.Exec(`INSERT INTO schema_migrations (version, name, applied_at)
		VALUES (?, ?, CAST(unixepoch('subsec') * 1000000 AS INTEGER))`, m.version, m.name)
	return err
}

// migrations returns the embedded migrations in version order (fs.ReadDir
// sorts by name, and names start with a zero-padded version).
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	ms := make([]migration, 0, len(entries))
	for _, e := range entries {
		m, err := readMigration(e.Name())
		if err != nil {
			return nil, err
		}
		if len(ms) > 0 && m.version <= ms[len(ms)-1].version {
			return nil, fmt.Errorf("migration %q: version %d is not above the previous one", m.name, m.version)
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// readMigration reads one file and parses its version.
func readMigration(name string) (migration, error) {
	prefix, _, _ := strings.Cut(name, "_")
	v, err := strconv.Atoi(prefix)
	if err != nil || v <= 0 {
		return migration{}, fmt.Errorf("migration %q: name must start with a positive version", name)
	}
	b, err := migrationFiles.ReadFile("migrations/" + name)
	if err != nil {
		return migration{}, err
	}
	return migration{version: v, name: name, sql: string(b)}, nil
}
