// Package webhook tells other services what changed in vigil: it signs
// webhooks as the Standard Webhooks specification does (sign.go), and its
// Worker delivers the messages the stores write to their outbox
// (vigil.WebhookOutbox) in the transaction of each change (worker.go).
//
// Delivery is at least once: a message reaches each endpoint until the
// endpoint answers 2xx, however often vigil restarts or is killed, and
// may reach it more than once (a lease that ends under a slow or dead
// instance, an answer lost on the way back). Receivers process each
// webhook-id once. Nothing in a request waits on a delivery.
package webhook
