package sqlite

import (
	"testing"

	"github.com/vigilauth/vigil/internal/testkit/storekit"
)

// BenchmarkAppendEvent is one audit append, chained (package auditlog):
// a write transaction and its fsync.
func BenchmarkAppendEvent(b *testing.B) {
	storekit.BenchAppendEvent(b, open(b, dbPath(b)), false)
}

// BenchmarkAppendEventParallel is appends from many requests at once,
// which SQLite's one writer serializes.
func BenchmarkAppendEventParallel(b *testing.B) {
	storekit.BenchAppendEvent(b, open(b, dbPath(b)), true)
}
