package webhook_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigilauth/vigil/webhook"
)

// TestInstanceWithoutEndpointsLeavesMessages: a worker started without
// endpoints (an instance without --webhook-url beside ones with it)
// takes no message away: one that has the endpoint delivers it after.
func TestInstanceWithoutEndpointsLeavesMessages(t *testing.T) {
	store := openSQLite(t)
	secret := webhook.NewSecret()
	rec, srv := newReceiver(t, secret, time.Now)
	changePasswords(t, store, 2, time.Now())

	idle, err := webhook.New(store, webhook.Options{Poll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	idle.Run(ctx) // polls many times until ctx ends
	cancel()

	w := newWorker(t, store, secret, srv.URL, nil, webhook.Options{})
	if n, err := w.RunOnce(t.Context()); err != nil || n != 2 {
		t.Fatalf("the instance with the endpoint claimed %d, %v; want both messages", n, err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.processed) != 2 {
		t.Errorf("the receiver processed %d messages, want 2", len(rec.processed))
	}
}
