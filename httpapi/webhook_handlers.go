package httpapi

import (
	"net/http"
	"strconv"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/webhook"
)

// failedWebhooksShown is how many given-up deliveries GET
// /api/admin/webhooks lists.
const failedWebhooksShown = 500

// adminFailedWebhooks lists the webhook deliveries given up, latest first.
func (s *server) adminFailedWebhooks(w http.ResponseWriter, r *http.Request) error {
	list, err := s.engine.FailedWebhooks(r.Context(), failedWebhooksShown)
	if err != nil {
		return err
	}
	out := make([]webhook.DeadLetter, len(list))
	for i, d := range list {
		out[i] = webhook.DeadLetterOf(d)
	}
	return ok(w, map[string]any{"webhooks": out})
}

// adminRetryWebhook makes a given-up delivery due again.
func (s *server) adminRetryWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return vigil.Errorf(vigil.CodeNotFound, "No failed webhook delivery %q.", r.PathValue("id"))
	}
	if err := s.engine.RetryWebhook(r.Context(), id, s.sessions.Actor(r)); err != nil {
		return err
	}
	return ok(w, map[string]bool{"success": true})
}
