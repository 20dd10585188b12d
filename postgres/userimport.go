package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

var _ vigil.UserImporter = (*Store)(nil)

// ImportUsers inserts users and appends events in one transaction, the
// users sent as one batch (a round trip, not one per row), the events
// chained in a few statements: all of them, or none. A
// taken username fails it with an *vigil.ImportConflict naming the first
// such user. The whole call is bounded by the call timeout, so a batch
// should stay in the thousands of rows.
func (s *Store) ImportUsers(ctx context.Context, users []vigil.User, events []vigil.Event) error {
	if len(users) == 0 && len(events) == 0 {
		return nil
	}
	err := s.inTx(ctx, "import users", func(ctx context.Context, tx pgx.Tx) error {
		b := &pgx.Batch{}
		for i := range users {
			query, args := sqlstore.InsertUser(dialect{}, &users[i])
			b.Queue(query, args...)
		}
		br := tx.SendBatch(ctx, b)
		defer br.Close()
		for i := range users {
			if err := br.QueryRow().Scan(&users[i].ID); err != nil {
				var pgErr *pgconn.PgError
				if errors.As(err, &pgErr) && errors.Is(sentinelForCode(pgErr.Code), vigil.ErrConflict) {
					return &vigil.ImportConflict{Index: i, Username: users[i].Username, Err: err}
				}
				return err
			}
		}
		if err := br.Close(); err != nil {
			return err
		}
		// The events are chained as AppendEvent chains one: the two must
		// write the audit log alike.
		return chain(tx).AppendAll(ctx, events)
	})
	if err != nil {
		sqlstore.ForgetIDs(users, events)
	}
	return err
}
