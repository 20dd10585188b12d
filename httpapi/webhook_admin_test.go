package httpapi_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
)

// TestAdminFailedWebhooks: GET /api/admin/webhooks lists the deliveries
// given up with the endpoint's host only; POST .../retry makes one due
// again once (audited), 404 after; a patient may do neither.
func TestAdminFailedWebhooks(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := loggedIn(h, "root", rootPW)
	r := must(t, "none failed", admin.Do("GET", "/api/admin/webhooks", nil), 200)
	if !strings.Contains(r.Raw, `"webhooks":[]`) {
		t.Errorf("with none failed: %s", r.Raw)
	}

	// bob changes his password: a message; it fails for good at a receiver.
	ctx := t.Context()
	bob, err := h.Store.UserByUsername(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Store.SetPassword(ctx, bob.ID, bob.PasswordHash, h.Clock.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	endpoint := "https://records.example/hooks?token=secret-in-query"
	claimed, err := h.Store.ClaimWebhooks(ctx, []string{endpoint}, time.Now().Add(time.Hour), time.Minute, 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	id := strconv.FormatInt(claimed[0].ID, 10)
	if err := h.Store.KillWebhook(ctx, claimed[0].ID, vigil.WebhookAttempt{At: time.Now(), Status: 500, Error: "500 Internal Server Error"}); err != nil {
		t.Fatal(err)
	}

	r = must(t, "one failed", admin.Do("GET", "/api/admin/webhooks", nil), 200)
	if !strings.Contains(r.Raw, `"type":"user.password_changed"`) || !strings.Contains(r.Raw, `"endpoint_host":"records.example"`) ||
		!strings.Contains(r.Raw, `"last_status":500`) || !strings.Contains(r.Raw, `"id":`+id) || strings.Contains(r.Raw, "secret-in-query") {
		t.Errorf("the list: %s", r.Raw)
	}
	patient := loggedIn(h, "alice", alicePW)
	expect(t, "a patient lists", patient.Do("GET", "/api/admin/webhooks", nil), 403, vigil.CodeForbidden, "")
	expect(t, "a patient retries", patient.Do("POST", "/api/admin/webhooks/"+id+"/retry", nil), 403, vigil.CodeForbidden, "")

	must(t, "retry", admin.Do("POST", "/api/admin/webhooks/"+id+"/retry", nil), 200)
	if c, err := h.Store.CountWebhooks(ctx); err != nil || c.Pending != 1 || c.Dead != 0 {
		t.Errorf("after the retry: %+v %v, want it pending", c, err)
	}
	if ev := h.events("", vigil.EventWebhookRetried); len(ev) != 1 || ev[0].Actor != "root" || ev[0].Detail != "delivery="+id {
		t.Errorf("audit: %+v", ev)
	}
	expect(t, "retry again", admin.Do("POST", "/api/admin/webhooks/"+id+"/retry", nil), 404, vigil.CodeNotFound, "")
	expect(t, "retry a bad id", admin.Do("POST", "/api/admin/webhooks/x1/retry", nil), 404, vigil.CodeNotFound, "")
}
