// Package sqlite is the SQLite backend of vigil: one file holds every
// vigil.Store contract (users, sessions and their revocation log, reset
// tokens, the audit log and throttle state).
//
// It uses modernc.org/sqlite (pure Go, no cgo) in WAL mode. All writes go
// through one connection and every write transaction begins IMMEDIATE, so
// concurrent writers queue instead of failing with SQLITE_BUSY; reads use a
// separate pool of query-only connections. The schema is created and
// migrated by Open from SQL files embedded in the binary.
//
// Times are stored as INTEGER unix microseconds (NULL for the zero time) and
// returned in UTC; tokens are stored only as their SHA-256.
//
// What it says alike with package postgres (the column lists, the scanning
// of rows, the inserts, the audit query and its limits) is in
// internal/sqlstore, which it drives through its dialect (dialect.go: ?NNN
// parameters, times as microseconds); the connections, transactions, error
// mapping and migrations are its own.
package sqlite
