package redis

import (
	"context"
	"time"

	"github.com/vigilauth/vigil"
)

// BindSession binds the session in the store and announces it: caches
// drop their unbound copy.
func (s *Store) BindSession(ctx context.Context, id string, challenge vigil.TokenHash, b vigil.Binding) error {
	err := s.Store.BindSession(ctx, id, challenge, b)
	if err == nil {
		s.announce()
	}
	return err
}

// RefreshBinding renews the bound cookie in the store and announces it:
// caches drop the old cookie.
func (s *Store) RefreshBinding(ctx context.Context, id string, challenge vigil.TokenHash, now time.Time, cookie vigil.TokenHash, lapse time.Time) error {
	err := s.Store.RefreshBinding(ctx, id, challenge, now, cookie, lapse)
	if err == nil {
		s.announce()
	}
	return err
}
