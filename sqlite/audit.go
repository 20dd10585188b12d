package sqlite

import (
	"context"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

// AppendEvent stores e and sets e.ID. Ids grow with every append.
func (s *Store) AppendEvent(ctx context.Context, e *vigil.Event) error {
	query, args := sqlstore.InsertEvent(dialect{}, e)
	err := s.write.QueryRowContext(ctx, query, args...).Scan(&e.ID)
	return wrap(ctx, "append event", err)
}

// Events returns the events f selects, newest (highest id) first: Since is
// inclusive, Until exclusive, BeforeID selects ids below it. Limit 0 means
// 100 (sqlstore.DefaultEventLimit); a limit over 1000
// (sqlstore.MaxEventLimit) is lowered to it.
func (s *Store) Events(ctx context.Context, f vigil.EventFilter) ([]vigil.Event, error) {
	query, args := sqlstore.EventsQuery(dialect{}, f)
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrap(ctx, "events", err)
	}
	list, err := collect(rows, scan.Event)
	return list, wrap(ctx, "events", err)
}
