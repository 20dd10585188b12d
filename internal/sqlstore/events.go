package sqlstore

import (
	"strings"

	"github.com/vigilauth/vigil"
)

// Limits of AuditLog.Events: the page size when the filter sets none, and
// the most one call returns.
const (
	DefaultEventLimit = 100
	MaxEventLimit     = 1000
)

// EventLimit returns the page size for a filter's Limit n: DefaultEventLimit
// when n <= 0, else n lowered to MaxEventLimit.
func EventLimit(n int) int {
	if n <= 0 {
		return DefaultEventLimit
	}
	return min(n, MaxEventLimit)
}

// EventColumns are the columns of an audit event, in the order ScanEvent
// reads them.
const EventColumns = `id, time, username, actor, category, event, detail, ip, user_agent, session_id`

// listedColumns are EventColumns and the event's seq (0 outside the
// chain), in the order Scan.ListedEvent reads them.
const listedColumns = EventColumns + `, coalesce(seq, 0)`

// ListedEvent reads a row of EventsQuery: EventColumns and the seq.
func (s Scan) ListedEvent(row Row) (vigil.Event, error) {
	var e vigil.Event
	err := row.Scan(&e.ID, s.Dialect.TimeDest(&e.Time), &e.Username, &e.Actor, &e.Category, &e.Event,
		&e.Detail, &e.IP, &e.UserAgent, &e.SessionID, &e.Seq)
	return e, err
}

// EventsQuery returns AuditLog.Events' query for f in dialect d, and its
// parameters: the events whose fields match f's non-zero ones (Username
// and Event equal, Since inclusive, Until exclusive, ids below BeforeID),
// newest (highest id) first, at most EventLimit(f.Limit) of them, each
// with its seq; Scan.ListedEvent reads its rows.
func EventsQuery(d Dialect, f vigil.EventFilter) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, arg any) {
		args = append(args, arg)
		conds = append(conds, cond+" "+d.Param(len(args)))
	}
	if f.Username != "" {
		add("username =", f.Username)
	}
	if f.Event != "" {
		add("event =", f.Event)
	}
	if !f.Since.IsZero() {
		add("time >=", d.Time(f.Since))
	}
	if !f.Until.IsZero() {
		add("time <", d.Time(f.Until))
	}
	if f.BeforeID > 0 {
		add("id <", f.BeforeID)
	}
	q := `SELECT ` + listedColumns + ` FROM audit_events`
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, " AND ")
	}
	args = append(args, EventLimit(f.Limit))
	return q + ` ORDER BY id DESC LIMIT ` + d.Param(len(args)), args
}
