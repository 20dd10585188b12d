package storekit

import (
	"testing"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

// EventLimits checks the page sizes of Events on a log holding more than
// sqlstore.MaxEventLimit events: the default when the filter sets no
// limit, the limit when it is below the maximum, the maximum above it.
func EventLimits(t testing.TB, s vigil.AuditLog) {
	t.Helper()
	for limit, want := range map[int]int{0: sqlstore.DefaultEventLimit, 5: 5, sqlstore.MaxEventLimit + 1: sqlstore.MaxEventLimit} {
		es, err := s.Events(t.Context(), vigil.EventFilter{Limit: limit})
		if err != nil || len(es) != want {
			t.Errorf("Events(Limit %d) = %d events, %v; want %d", limit, len(es), err, want)
		}
	}
}
