package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/webhook"
)

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

// deadLetters returns the dead letters for the users page. A store error
// is logged and shows none: the page about users does not fail over the
// webhooks.
func (p *Pages) deadLetters(r *http.Request) []deadLetter {
	list, err := p.engine.FailedWebhooks(r.Context(), deadLettersShown)
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
func (p *Pages) retryWebhook(w http.ResponseWriter, r *http.Request, _ *auth.Current) error {
	done := "webhook-gone" // retried or pruned meanwhile, or no such delivery
	if id, perr := strconv.ParseInt(r.PathValue("id"), 10, 64); perr == nil && id > 0 {
		err := p.engine.RetryWebhook(r.Context(), id, p.sessions.Actor(r))
		switch {
		case err == nil:
			done = "webhook-retried"
		case vigil.ErrorCode(err) != vigil.CodeNotFound:
			return err
		}
	}
	redirect(w, p.at("/auth/admin?done="+done))
	return nil
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
