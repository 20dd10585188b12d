package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"github.com/vigilauth/vigil/internal/migrations"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one embedded SQL file, named NNNN_description.sql.
type migration = migrations.Migration

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
	ms, err := embeddedMigrations()
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	for _, m := range ms {
		if err := s.inTx(ctx, op+" "+m.Name, func(tx *sql.Tx) error { return apply(tx, m) }); err != nil {
			return err
		}
	}
	return nil
}

// apply runs m unless it is already recorded. The check is inside the
// (immediate) transaction, so a concurrent migrator cannot apply it twice.
func apply(tx *sql.Tx, m migration) error {
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil || n > 0 {
		return err
	}
	if _, err := tx.Exec(m.SQL); err != nil {
		return err
	}
	if err := afterMigration(tx, m.Version); err != nil {
		return err
	}
	_, err := tx.Exec(`INSERT INTO schema_migrations (version, name, applied_at)
		VALUES (?, ?, CAST(unixepoch('subsec') * 1000000 AS INTEGER))`, m.Version, m.Name)
	return err
}

// embeddedMigrations returns the embedded migrations in version order.
func embeddedMigrations() ([]migration, error) { return migrations.Load(migrationFiles, "migrations") }
