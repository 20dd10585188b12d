package vigilhttp

import (
	"net/http"
	"time"

	"github.com/vigilauth/vigil/webhook"
)

// VerifyWebhook checks a webhook vigil sent, for a Go service that
// receives them: secret is the shared secret ("whsec_" and base64, as in
// vigil's --webhook-secret-file), h and body the request's headers and
// its body exactly as received (read it whole before parsing it: a
// re-encoded body no longer matches), now the receiver's clock. It
// returns nil when the webhook-timestamp is within 5 minutes of now and
// one of the space-separated signatures in webhook-signature is the
// secret's (compared in constant time), and otherwise one of
// webhook.ErrBadSecret, webhook.ErrNoHeaders, webhook.ErrTimestamp or
// webhook.ErrSignature (Standard Webhooks, "Verifying signatures").
//
// A verified webhook may still arrive twice (delivery is at least once):
// process each webhook-id once, remembering the ids seen for longer than
// the tolerance.
func VerifyWebhook(secret string, h http.Header, body []byte, now time.Time) error {
	s, err := webhook.ParseSecret(secret)
	if err != nil {
		return err
	}
	return webhook.Verify([]webhook.Secret{s}, h, body, now)
}
