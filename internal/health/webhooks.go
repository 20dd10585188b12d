package health

import (
	"context"
	"time"

	"github.com/vigilauth/vigil"
)

// The writes of vigil.WebhookOutbox: the delivery worker's. A store that
// cannot record a delivery cannot record a sign-out either.

// ClaimWebhooks runs every second and is mostly a read (nothing due): its
// failure makes the store not ready, but its success does not make a
// failing store ready again, which only a real write may.
func (s *watched) ClaimWebhooks(ctx context.Context, endpoints []string, now time.Time, lease time.Duration, limit int) ([]vigil.WebhookDelivery, error) {
	d, err := s.Store.ClaimWebhooks(ctx, endpoints, now, lease, limit)
	if err != nil {
		s.done(err)
	}
	return d, err
}

func (s *watched) WebhookDelivered(ctx context.Context, id int64, a vigil.WebhookAttempt) error {
	return s.done(s.Store.WebhookDelivered(ctx, id, a))
}

func (s *watched) RetryWebhook(ctx context.Context, id int64, a vigil.WebhookAttempt, next time.Time) error {
	return s.done(s.Store.RetryWebhook(ctx, id, a, next))
}

func (s *watched) KillWebhook(ctx context.Context, id int64, a vigil.WebhookAttempt) error {
	return s.done(s.Store.KillWebhook(ctx, id, a))
}

func (s *watched) ReviveWebhook(ctx context.Context, id int64, now time.Time) error {
	return s.done(s.Store.ReviveWebhook(ctx, id, now))
}

func (s *watched) DeleteWebhooksBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	n, err := s.Store.DeleteWebhooksBefore(ctx, before, limit)
	return n, s.done(err)
}
