package postgres

import (
	"context"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

// AppendEvent stores e and sets e.ID. Ids grow with every append.
func (s *Store) AppendEvent(ctx context.Context, e *vigil.Event) error {
	query, args := sqlstore.InsertEvent(dialect{}, e)
	return s.run(ctx, "append event", func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, query, args...).Scan(&e.ID)
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
