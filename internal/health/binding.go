package health

import (
	"context"
	"time"

	"github.com/vigilauth/vigil"
)

// The device-binding writes (vigil.SessionStore, DBSC).

func (s *watched) SetChallenge(ctx context.Context, id string, h vigil.TokenHash, expires time.Time) error {
	return s.done(s.Store.SetChallenge(ctx, id, h, expires))
}

func (s *watched) BindSession(ctx context.Context, id string, challenge vigil.TokenHash, b vigil.Binding) error {
	return s.done(s.Store.BindSession(ctx, id, challenge, b))
}

func (s *watched) RefreshBinding(ctx context.Context, id string, challenge vigil.TokenHash, now time.Time, cookie vigil.TokenHash, lapse time.Time) error {
	return s.done(s.Store.RefreshBinding(ctx, id, challenge, now, cookie, lapse))
}
