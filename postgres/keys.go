package postgres

import (
	"context"
	"crypto/rand"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/vigilauth/vigil"
)

// ServerKey returns the key named name, creating it on first use. When it
// is missing, a new key is inserted unless another instance has one (an
// insert racing another waits for it, then does nothing), and the stored
// key is read back by a statement of its own, which sees the other's
// committed row.
func (s *Store) ServerKey(ctx context.Context, name string) ([]byte, error) {
	var key []byte
	err := s.run(ctx, "server key", func(ctx context.Context) error {
		err := s.pool.QueryRow(ctx, `SELECT key FROM server_keys WHERE name = $1`, name).Scan(&key)
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		fresh := make([]byte, vigil.ServerKeyBytes)
		rand.Read(fresh)
		if _, err := s.pool.Exec(ctx, `INSERT INTO server_keys (name, key) VALUES ($1, $2)
			ON CONFLICT (name) DO NOTHING`, name, fresh); err != nil {
			return err
		}
		return s.pool.QueryRow(ctx, `SELECT key FROM server_keys WHERE name = $1`, name).Scan(&key)
	})
	return key, err
}
