package sqlstore

import (
	"time"

	"github.com/vigilauth/vigil"
)

// Dialect is how one store's driver takes parameters and keeps times and
// token hashes.
type Dialect interface {
	// Param returns the placeholder of the n-th parameter of a statement,
	// counted from 1 ("?1" in SQLite, "$1" in PostgreSQL).
	Param(n int) string
	// Time returns t as the store keeps it, for a parameter: NULL (nil)
	// for the zero time.
	Time(t time.Time) any
	// TimeDest returns a scan destination that reads a stored time into
	// *t, in UTC; NULL reads as the zero time.
	TimeDest(t *time.Time) any
	// HashDest returns a scan destination that reads a stored token hash
	// into *h, refusing a value of any other length.
	HashDest(h *vigil.TokenHash) any
}
