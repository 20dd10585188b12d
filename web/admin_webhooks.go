package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/webhook"
)

// WebhookLetters is what the users page needs of the webhook outbox
// (vigil.WebhookOutbox, which every store is): the deliveries vigil gave
// up on, and trying one of them again.
type WebhookLetters interface {
	DeadWebhooks(ctx context.Context, limit int) ([]vigil.WebhookDelivery, error)
	ReviveWebhook(ctx context.Context, id int64, now time.Time) error
}

// deadLetter is one webhook delivery given up, as the users page shows it.
type deadLetter struct {
	ID        int64
	Type      string
	Host      string // the endpoint's host only: its path or query may hold a credential
	Attempts  int
	LastError string
	At        time.Time // when it was given up
}

// deadLettersShown is how many the page lists; vigil webhooks list shows
// more.
const deadLettersShown = 20

// deadLetters returns the dead letters for the users page; none when src
// is nil. A store error is logged and shows none: the page about users
// does not fail over the webhooks.
func (p *Pages) deadLetters(r *http.Request, src WebhookLetters) []deadLetter {
	if src == nil {
		return nil
	}
	list, err := src.DeadWebhooks(r.Context(), deadLettersShown)
	if err != nil {
		p.log.Warn("web: cannot read failed webhook deliveries", "err", err)
		return nil
	}
	letters := make([]deadLetter, len(list))
	for i, d := range list {
		letters[i] = deadLetter{ID: d.ID, Type: d.Message.Type, Host: webhook.Host(d.Endpoint), Attempts: d.Attempts,
			LastError: d.LastError, At: d.LastAt}
	}
	return letters
}

// retryWebhook is the handler of a dead letter's Retry form (behind
// adminForm: CSRF, recent password, second factor): the delivery is
// pending again, for another 24 hours, and the page says so.
func (p *Pages) retryWebhook(src WebhookLetters) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, _ *auth.Current) error {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil || src == nil {
			err = vigil.ErrNotFound
		} else {
			err = src.ReviveWebhook(r.Context(), id, p.engine.Now())
		}
		done := "webhook-retried"
		if errors.Is(err, vigil.ErrNotFound) {
			done = "webhook-gone" // retried or pruned meanwhile
		} else if err != nil {
			return err
		}
		redirect(w, p.at("/auth/admin?done="+done))
		return nil
	}
}

// webhookNotice is the message after a Retry form, nil for other pages.
func webhookNotice(done string) *notice {
	switch done {
	case "webhook-retried":
		return &notice{Kind: "success", Text: "The webhook will be sent again within a few seconds, and retried for 24 hours."}
	case "webhook-gone":
		return &notice{Kind: "info", Text: "That webhook delivery is no longer failed: it was retried or removed meanwhile."}
	}
	return nil
}
