package sqlstore

import "time"

// Dialect is how one store's driver takes parameters.
type Dialect interface {
	// Param returns the placeholder of the n-th parameter of a statement,
	// counted from 1 ("?1" in SQLite, "$1" in PostgreSQL).
	Param(n int) string
	// Time returns t as the store keeps it, for a parameter: NULL (nil)
	// for the zero time.
	Time(t time.Time) any
}
