package postgres

import (
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// dbTime is how a time is passed to the server: as itself (pgx sends
// microseconds and drops finer digits, the contracts' precision), or NULL
// for the zero time.
func dbTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// timeCol scans a timestamptz (NULL for the zero time) into *t, in UTC.
type timeCol struct{ t *time.Time }

// ScanTimestamptz implements pgtype.TimestamptzScanner.
func (c timeCol) ScanTimestamptz(v pgtype.Timestamptz) error {
	switch {
	case !v.Valid:
		*c.t = time.Time{}
	case v.InfinityModifier != pgtype.Finite:
		return fmt.Errorf("time column holds %v, want a finite time", v.InfinityModifier)
	default:
		*c.t = v.Time.UTC()
	}
	return nil
}

// utcTimes converts scanned times to UTC in place and returns them; an
// empty list is nil, as the zero ThrottleState has it.
func utcTimes(ts []time.Time) []time.Time {
	if len(ts) == 0 {
		return nil
	}
	for i, t := range ts {
		ts[i] = t.UTC()
	}
	return ts
}
