package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

var _ vigil.UserImporter = (*Store)(nil)

// ImportUsers inserts users and appends events in one write transaction:
// all of them, or none. A taken username fails it with an
// *vigil.ImportConflict naming the first such user.
func (s *Store) ImportUsers(ctx context.Context, users []vigil.User, events []vigil.Event) error {
	if len(users) == 0 && len(events) == 0 {
		return nil
	}
	err := s.inTx(ctx, "import users", func(tx *sql.Tx) error {
		if len(users) > 0 {
			query, _ := sqlstore.InsertUser(dialect{}, &users[0])
			stmt, err := tx.PrepareContext(ctx, query)
			if err != nil {
				return err
			}
			defer stmt.Close()
			for i := range users {
				_, args := sqlstore.InsertUser(dialect{}, &users[i])
				if err := stmt.QueryRowContext(ctx, args...).Scan(&users[i].ID); err != nil {
					if errors.Is(sentinelFor(err), vigil.ErrConflict) {
						return &vigil.ImportConflict{Index: i, Username: users[i].Username, Err: err}
					}
					return err
				}
			}
		}
		return appendImportEvents(ctx, tx, events)
	})
	if err != nil {
		sqlstore.ForgetIDs(users, events)
	}
	return err
}

// appendImportEvents appends events in tx, chained as AppendEvent chains
// one: the two must write the audit log alike.
func appendImportEvents(ctx context.Context, tx *sql.Tx, events []vigil.Event) error {
	return chain(tx).AppendAll(ctx, events)
}
