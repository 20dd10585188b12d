package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

var _ vigil.CeremonyStore = (*Store)(nil)

var ceremonySQL = sqlstore.NewCeremonyQueries(dialect{})

// CreateCeremony stores c after deleting the expired ceremonies of its
// user (or the expired passwordless ones) and the user's oldest beyond
// vigil.MaxCeremonies-1, in one transaction.
func (s *Store) CreateCeremony(ctx context.Context, c vigil.Ceremony, now time.Time) error {
	return s.inTx(ctx, "create ceremony", func(tx *sql.Tx) error {
		var err error
		if c.UserID == 0 {
			_, err = tx.ExecContext(ctx, ceremonySQL.DeletePasswordlessExpired, dbTime(now))
		} else {
			_, err = tx.ExecContext(ctx, ceremonySQL.DeleteUserExpired, c.UserID, dbTime(now), vigil.MaxCeremonies-1)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, ceremonySQL.Insert, sqlstore.CeremonyArgs(dialect{}, &c)...)
		return err
	})
}

// ConsumeCeremony deletes and returns an unexpired ceremony in one
// statement on the single write connection, or ErrNotFound.
func (s *Store) ConsumeCeremony(ctx context.Context, h vigil.TokenHash, now time.Time) (*vigil.Ceremony, error) {
	c, err := scan.Ceremony(s.write.QueryRowContext(ctx, ceremonySQL.Consume, h[:], dbTime(now)))
	return c, wrap(ctx, "consume ceremony", err)
}

// DeleteCeremoniesBefore deletes up to limit ceremonies that expired
// before `before`.
func (s *Store) DeleteCeremoniesBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	return s.deleteLimited(ctx, "delete expired ceremonies",
		`DELETE FROM webauthn_ceremonies WHERE hash IN (SELECT hash FROM webauthn_ceremonies WHERE expires_at < ? LIMIT ?)`,
		before, limit)
}
