package sqlite

import (
	"fmt"
	"time"
)

// dbTime is how a time is stored: unix microseconds (the contracts'
// precision; finer digits are dropped), or NULL for the zero time.
func dbTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// fromMicros returns a stored time in UTC; 0 is the zero time.
func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// timeCol scans a stored time (NULL, 0 or unix microseconds) into *t.
type timeCol struct{ t *time.Time }

// Scan implements sql.Scanner.
func (c timeCol) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*c.t = time.Time{}
	case int64:
		*c.t = fromMicros(v)
	default:
		return fmt.Errorf("time column holds %T, want INTEGER", v)
	}
	return nil
}
