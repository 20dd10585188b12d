package postgres

import (
	"testing"

	"github.com/vigilauth/vigil/internal/testkit/storekit"
)

// BenchmarkAppendEvent is one audit append, chained (package auditlog): a
// transaction that locks the chain's head row.
func BenchmarkAppendEvent(b *testing.B) {
	storekit.BenchAppendEvent(b, openEmpty(b), false)
}

// BenchmarkAppendEventParallel is appends from many requests at once,
// which the head row's lock serializes.
func BenchmarkAppendEventParallel(b *testing.B) {
	storekit.BenchAppendEvent(b, openEmpty(b), true)
}
