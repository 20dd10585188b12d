package webhook

import (
	"time"

	"github.com/vigilauth/vigil"
)

// DeadLetter is a webhook delivery given up, as GET /api/admin/webhooks
// and vigil webhooks list --json write it. The endpoint is its host only:
// a path or query may hold a credential.
type DeadLetter struct {
	ID           int64     `json:"id"`
	WebhookID    string    `json:"webhook_id"`
	Type         string    `json:"type"`
	EndpointHost string    `json:"endpoint_host"`
	Attempts     int       `json:"attempts"`
	LastStatus   int       `json:"last_status,omitempty"`
	LastError    string    `json:"last_error"`
	GivenUpAt    time.Time `json:"given_up_at"`
	Time         time.Time `json:"time"` // the change's
}

// DeadLetterOf returns d as a DeadLetter, its times in UTC.
func DeadLetterOf(d vigil.WebhookDelivery) DeadLetter {
	return DeadLetter{ID: d.ID, WebhookID: d.Message.ID, Type: d.Message.Type, EndpointHost: Host(d.Endpoint),
		Attempts: d.Attempts, LastStatus: d.LastStatus, LastError: d.LastError, GivenUpAt: d.LastAt.UTC(), Time: d.Message.Time.UTC()}
}
