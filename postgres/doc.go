// Package postgres is the PostgreSQL backend of vigil: every vigil.Store
// contract (users, sessions and their revocation log, reset tokens, the
// audit log and throttle state), and vigil.RevocationNotifier through
// LISTEN/NOTIFY.
//
// It uses github.com/jackc/pgx/v5 and its pool (4 connections per CPU, at
// most 32; idle connections health-checked every 30 s and pinged before
// reuse). Each session runs with statement_timeout 10 s and
// idle_in_transaction_session_timeout 30 s, and each call is bounded by a
// 15 s client-side timeout, so a stuck server or a dead network ends in
// vigil.ErrUnavailable instead of a hung request. A URL's own settings
// (pool_max_conns=, connect_timeout=, statement_timeout=, ...) win.
//
// Open migrates the schema from SQL files embedded in the binary; each
// migration runs in a transaction that first takes an advisory lock private
// to the schema, so any number of instances may start at once. The tables
// live in the connection's current schema (the first existing schema of
// its search_path), so several deployments, or test runs, can share a
// database: add search_path=NAME to the URL.
//
// Every append to the revocation log notifies the channel
// "vigil_revocations:SCHEMA" in the same transaction (delivered at
// commit), and appends are serialized by an advisory lock so that entries
// become visible in Seq order. WatchRevocations listens on that channel on
// a connection of its own. LISTEN needs a session of its own: behind
// PgBouncer in transaction mode notices are not delivered, and instances
// fall back on polling the log.
//
// Times are stored as timestamptz (microseconds; NULL for the zero time)
// and returned in UTC; tokens are stored only as their SHA-256. Errors map
// to the contracts' sentinels as in package sqlite, and every failure to
// reach the server is vigil.ErrUnavailable, so callers fail closed.
//
// What it says alike with package sqlite (the column lists, the scanning
// of rows, the inserts, the audit query and its limits) is in
// internal/sqlstore, which it drives through its dialect (dialect.go: $n
// parameters, times as timestamptz); the pool, transactions and locks, the
// revocation log's ordered append, LISTEN/NOTIFY, error mapping and
// migrations are its own.
package postgres
