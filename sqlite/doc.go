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
package sqlite
