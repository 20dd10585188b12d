package web

import (
	"fmt"
	"time"
)

// formatTime shows a time in UTC; the pages' script rewrites it in the
// reader's own time zone. The zero time is "never".
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2 Jan 2006, 15:04 UTC")
}

// ago says how long before now t was, in words ("now", "5 minutes
// ago"). Under a minute is "now", as the device list says of this device.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	if d < time.Minute {
		return "now"
	}
	return roughly(d) + " ago"
}

// until says how long after now t is ("in 25 minutes").
func until(now, t time.Time) string {
	d := t.Sub(now)
	if d <= 0 {
		return "now"
	}
	if d < time.Minute {
		return "in less than a minute"
	}
	return "in " + roughly(d)
}

// roughly is d in its largest whole unit.
func roughly(d time.Duration) string {
	switch {
	case d < time.Hour:
		return plural(int64(d/time.Minute), "minute")
	case d < 48*time.Hour:
		return plural(int64(d/time.Hour), "hour")
	default:
		return plural(int64(d/(24*time.Hour)), "day")
	}
}

// waitMinutes is a throttling wait in whole minutes, rounded up, in words.
func waitMinutes(d time.Duration) string {
	return plural(int64(max((d+time.Minute-1)/time.Minute, 1)), "minute")
}

func plural(n int64, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
