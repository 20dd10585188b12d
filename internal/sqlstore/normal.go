package sqlstore

import (
	"time"

	"github.com/vigilauth/vigil"
)

// StoredTime returns t as the stores return it: truncated to the
// microsecond, in UTC; the zero time stays zero.
func StoredTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Truncate(time.Microsecond).UTC()
}

// StoredThrottle returns st as it reads back from a store: every time as
// StoredTime, and nil for an empty list.
func StoredThrottle(st vigil.ThrottleState) vigil.ThrottleState {
	return vigil.ThrottleState{Streak: st.Streak, LockedUntil: StoredTime(st.LockedUntil),
		Failures: storedTimes(st.Failures), Pending: storedTimes(st.Pending)}
}

// storedTimes returns a copy of ts, each as StoredTime; nil if empty.
func storedTimes(ts []time.Time) []time.Time {
	if len(ts) == 0 {
		return nil
	}
	out := make([]time.Time, len(ts))
	for i, t := range ts {
		out[i] = StoredTime(t)
	}
	return out
}
