package health

import (
	"context"
	"time"

	"github.com/vigilauth/vigil"
)

// The writes of vigil.CeremonyStore.

func (s *watched) CreateCeremony(ctx context.Context, c vigil.Ceremony, now time.Time) error {
	return s.done(s.Store.CreateCeremony(ctx, c, now))
}

func (s *watched) ConsumeCeremony(ctx context.Context, h vigil.TokenHash, now time.Time) (*vigil.Ceremony, error) {
	c, err := s.Store.ConsumeCeremony(ctx, h, now)
	return c, s.done(err)
}

func (s *watched) DeleteCeremoniesBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	n, err := s.Store.DeleteCeremoniesBefore(ctx, before, limit)
	return n, s.done(err)
}
