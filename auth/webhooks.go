package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/vigilauth/vigil"
)

// FailedWebhooks returns up to limit webhook deliveries given up after
// their 24 hours of retries (dead letters), the latest first: what the
// admin page and vigil webhooks list show. The stores write the webhooks
// themselves, in the transaction of each change (vigil.WebhookOutbox);
// package webhook delivers them.
//
// Errors: a store error.
func (e *Engine) FailedWebhooks(ctx context.Context, limit int) ([]vigil.WebhookDelivery, error) {
	d, err := e.store.DeadWebhooks(ctx, limit)
	if err != nil {
		return nil, storeErr("failed webhooks", err)
	}
	return d, nil
}

// RetryWebhook makes the given-up delivery id due again, for another 24
// hours of retries, and audits it (webhook_retried): the receiver is sent
// the same webhook-id, so it can tell a retry from a new event.
//
// Errors: NOT_FOUND when id is not a given-up delivery (retried or pruned
// meanwhile, or never one), or a store error.
func (e *Engine) RetryWebhook(ctx context.Context, id int64, a Actor) error {
	err := e.store.ReviveWebhook(ctx, id, e.now())
	if errors.Is(err, vigil.ErrNotFound) {
		return vigil.Errorf(vigil.CodeNotFound, "No failed webhook delivery %d: it was retried or removed meanwhile.", id)
	}
	if err != nil {
		return storeErr("retry webhook", err)
	}
	e.Audit(ctx, a, vigil.Event{Category: vigil.CategoryAdmin, Event: vigil.EventWebhookRetried, Detail: fmt.Sprintf("delivery=%d", id)})
	return nil
}
