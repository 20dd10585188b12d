package postgres

import (
	"context"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/vigilauth/vigil"
)

// Limits of Events: the page size when the filter sets none, and the most
// one call returns.
const (
	defaultEventLimit = 100
	maxEventLimit     = 1000
)

// AppendEvent stores e and sets e.ID. Ids grow with every append.
func (s *Store) AppendEvent(ctx context.Context, e *vigil.Event) error {
	return s.run(ctx, "append event", func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, `INSERT INTO audit_events (time, username, actor,
			category, event, detail, ip, user_agent, session_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			dbTime(e.Time), e.Username, e.Actor, e.Category, e.Event, e.Detail, e.IP,
			e.UserAgent, e.SessionID).Scan(&e.ID)
	})
}

// Events returns the events f selects, newest (highest id) first: Since is
// inclusive, Until exclusive, BeforeID selects ids below it. Limit 0 means
// 100 (defaultEventLimit); a limit over 1000 (maxEventLimit) is lowered to it.
func (s *Store) Events(ctx context.Context, f vigil.EventFilter) ([]vigil.Event, error) {
	where, args := eventWhere(f)
	args = append(args, eventLimit(f.Limit))
	query := `SELECT id, time, username, actor, category, event, detail, ip, user_agent, session_id
		FROM audit_events` + where + ` ORDER BY id DESC LIMIT $` + strconv.Itoa(len(args))
	var list []vigil.Event
	err := s.run(ctx, "events", func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		list, err = collect(rows, scanEvent)
		return err
	})
	return list, err
}

// eventWhere builds the WHERE clause of f's non-zero fields, with
// placeholders $1, $2, ... in order.
func eventWhere(f vigil.EventFilter) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, arg any) {
		args = append(args, arg)
		conds = append(conds, cond+" $"+strconv.Itoa(len(args)))
	}
	if f.Username != "" {
		add("username =", f.Username)
	}
	if f.Event != "" {
		add("event =", f.Event)
	}
	if !f.Since.IsZero() {
		add("time >=", f.Since)
	}
	if !f.Until.IsZero() {
		add("time <", f.Until)
	}
	if f.BeforeID > 0 {
		add("id <", f.BeforeID)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// eventLimit applies the default and the maximum.
func eventLimit(n int) int {
	if n <= 0 {
		return defaultEventLimit
	}
	return min(n, maxEventLimit)
}

// scanEvent reads one audit event.
func scanEvent(row pgx.Row) (vigil.Event, error) {
	var e vigil.Event
	err := row.Scan(&e.ID, timeCol{&e.Time}, &e.Username, &e.Actor, &e.Category, &e.Event,
		&e.Detail, &e.IP, &e.UserAgent, &e.SessionID)
	return e, err
}
