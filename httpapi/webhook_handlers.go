package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/webhook"
)

// failedWebhooksShown is how many given-up deliveries GET
// /api/admin/webhooks lists.
const failedWebhooksShown = 500

// failedWebhookJSON is one webhook delivery given up. The endpoint is
// its host only: a path or query may hold a credential.
type failedWebhookJSON struct {
	ID           int64     `json:"id"`
	WebhookID    string    `json:"webhook_id"`
	Type         string    `json:"type"`
	EndpointHost string    `json:"endpoint_host"`
	Attempts     int       `json:"attempts"`
	LastStatus   int       `json:"last_status,omitempty"`
	LastError    string    `json:"last_error"`
	GivenUpAt    time.Time `json:"given_up_at"`
	Time         time.Time `json:"time"`
}

// adminFailedWebhooks lists the webhook deliveries given up, latest first.
func (s *server) adminFailedWebhooks(w http.ResponseWriter, r *http.Request) error {
	list, err := s.engine.FailedWebhooks(r.Context(), failedWebhooksShown)
	if err != nil {
		return err
	}
	out := make([]failedWebhookJSON, len(list))
	for i, d := range list {
		out[i] = failedWebhookJSON{ID: d.ID, WebhookID: d.Message.ID, Type: d.Message.Type, EndpointHost: webhook.Host(d.Endpoint),
			Attempts: d.Attempts, LastStatus: d.LastStatus, LastError: d.LastError, GivenUpAt: d.LastAt.UTC(), Time: d.Message.Time.UTC()}
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
