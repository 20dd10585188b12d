package storetest

import (
	"sync"
	"testing"

	"github.com/vigilauth/vigil"
)

// TwoStoresOneThrottleKey is two stores on one database (two instances, or
// the server and the CLI) updating one throttle key at once: no update
// fails and none is lost. A backend calls it with a and b opened on the
// same database.
func TwoStoresOneThrottleKey(t *testing.T, a, b vigil.ThrottleStore) {
	t.Helper()
	ctx := t.Context()
	var wg sync.WaitGroup
	for i := range 32 {
		s := []vigil.ThrottleStore{a, b}[i%2]
		wg.Go(func() {
			_, err := s.UpdateThrottle(ctx, "k", func(st vigil.ThrottleState) vigil.ThrottleState {
				st.Streak++
				return st
			})
			if err != nil {
				t.Errorf("UpdateThrottle: %v", err)
			}
		})
	}
	wg.Wait()
	st, err := a.Throttle(ctx, "k")
	if err != nil || st.Streak != 32 {
		t.Errorf("Throttle = %+v, %v; want Streak 32", st, err)
	}
}
