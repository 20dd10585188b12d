package postgres

import (
	"context"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
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
// 100 (sqlstore.DefaultEventLimit); a limit over 1000
// (sqlstore.MaxEventLimit) is lowered to it.
func (s *Store) Events(ctx context.Context, f vigil.EventFilter) ([]vigil.Event, error) {
	query, args := sqlstore.EventsQuery(dialect{}, f)
	var list []vigil.Event
	err := s.run(ctx, "events", func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		list, err = collect(rows, scan.Event)
		return err
	})
	return list, err
}
