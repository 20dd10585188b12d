package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"time"

	"github.com/vigilauth/vigil"
)

// ServerKey returns the key named name, creating it on first use: a read,
// and only when the key is missing, a write transaction that inserts a new
// key unless another process has meanwhile, and reads back the one stored.
func (s *Store) ServerKey(ctx context.Context, name string) ([]byte, error) {
	var key []byte
	err := s.read.QueryRowContext(ctx, `SELECT key FROM server_keys WHERE name = ?`, name).Scan(&key)
	if !errors.Is(err, sql.ErrNoRows) {
		return key, wrap(ctx, "server key", err)
	}
	fresh := make([]byte, vigil.ServerKeyBytes)
	rand.Read(fresh)
	err = s.inTx(ctx, "create server key", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO server_keys (name, key, created_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO NOTHING`, name, fresh, time.Now().UnixMicro()); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT key FROM server_keys WHERE name = ?`, name).Scan(&key)
	})
	return key, err
}
