package postgres

import (
	"context"
	"embed"
	"fmt"
	"github.com/vigilauth/vigil/internal/migrations"
	"hash/fnv"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one embedded SQL file, named NNNN_description.sql.
type migration = migrations.Migration

// Migrate brings the store's schema up to date: it applies, in version
// order, each embedded migration not yet recorded in schema_migrations,
// each in its own transaction together with its record. It is idempotent
// and safe to run from several processes at once: every transaction first
// takes an advisory lock private to the schema, and only then checks what
// is applied, so a migration runs exactly once however many instances
// start together. Open calls it.
//
// Statements run under the session's statement_timeout (10 s by default);
// a migration that needs longer sets its own with SET LOCAL.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := embeddedMigrations()
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	for _, m := range ms {
		if err := s.apply(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// apply runs m unless it is already recorded, in one transaction that
// holds the migration lock. The lock is transaction-scoped, so it is
// released at commit, rollback or a lost connection, never leaked.
func (s *Store) apply(ctx context.Context, m migration) error {
	if s.closed.Load() {
		return wrap(ctx, "migrate", errClosed)
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey("migrate", s.schema)); err != nil {
			return err
		}
		// Created under the lock: concurrent CREATE TABLE IF NOT EXISTS can
		// fail on the catalog's unique index.
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version integer PRIMARY KEY, name text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return err
		}
		var done bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM schema_migrations WHERE version = $1)`,
			m.Version).Scan(&done)
		if err != nil || done {
			return err
		}
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return err
		}
		if err := afterMigration(ctx, tx, m.Version); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name)
		return err
	})
	return wrap(ctx, "migrate "+m.Name, err)
}

// lockKey returns the advisory-lock key of the lock named name in schema.
// Advisory locks are database-wide, so the key names the schema:
// deployments in other schemas of the database do not wait for each other.
func lockKey(name, schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("vigil " + name + "\x00" + schema))
	return int64(h.Sum64())
}

// embeddedMigrations returns the embedded migrations in version order.
func embeddedMigrations() ([]migration, error) { return migrations.Load(migrationFiles, "migrations") }
