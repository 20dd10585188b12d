package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/testkit"
)

// TestAdminWebhookLetters: the users page lists the webhook deliveries
// vigil gave up on, with the endpoint's host only, and Retry makes one
// pending again; the part is absent when there are none.
func TestAdminWebhookLetters(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	b.signIn("root", rootPW)
	csrf := b.csrf()
	if p := b.get("/auth/admin"); strings.Contains(p.Body, "webhooks-table") {
		t.Fatal("the failed webhooks part is shown with none failed")
	}
	ctx := t.Context()
	alice := user(t, h, "alice")
	if err := h.Store.SetPassword(ctx, alice.ID, "$argon2id$x", h.Clock.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	endpoint := "https://hooks.example/vigil?token=in-the-query"
	claimed, err := h.Store.ClaimWebhooks(ctx, []string{endpoint}, time.Now().Add(time.Hour), time.Minute, 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("ClaimWebhooks = %v, %v", claimed, err)
	}
	id := claimed[0].ID
	if err := h.Store.KillWebhook(ctx, id, vigil.WebhookAttempt{At: h.Clock.Now(), Error: "connection refused"}); err != nil {
		t.Fatal(err)
	}
	p := b.get("/auth/admin")
	table := mustID(t, p, "webhooks-table")
	text := table.Text()
	if !strings.Contains(text, "user.password_changed") || !strings.Contains(text, "hooks.example") || !strings.Contains(text, "connection refused") {
		t.Errorf("failed webhooks table: %q", text)
	}
	if strings.Contains(p.Body, "in-the-query") {
		t.Error("the page shows the endpoint's query")
	}
	r := b.post("/auth/admin/webhooks/"+itoa(id)+"/retry", url.Values{"csrf_token": {csrf}, "rd": {"/auth/admin"}})
	if r.location() != "/auth/admin?done=webhook-retried" {
		t.Fatalf("retry: %d %q", r.Status, r.location())
	}
	if c, _ := h.Store.CountWebhooks(ctx); c.Pending != 1 || c.Dead != 0 {
		t.Errorf("counts after Retry = %+v, want it pending", c)
	}
	p = b.get(r.location())
	if strings.Contains(p.Body, "webhooks-table") || !strings.Contains(p.Body, "sent again") {
		t.Errorf("after Retry the page still lists it or does not say so")
	}
	if ev := testkit.Events(t, h.Engine, "", vigil.EventWebhookRetried); len(ev) != 1 || ev[0].Actor != "root" || ev[0].Detail != "delivery="+itoa(id) {
		t.Errorf("the retry's audit events: %+v", ev)
	}
	r = b.post("/auth/admin/webhooks/"+itoa(id)+"/retry", url.Values{"csrf_token": {csrf}})
	if r.location() != "/auth/admin?done=webhook-gone" {
		t.Errorf("retry twice: %d %q", r.Status, r.location())
	}
	if r := b.post("/auth/admin/webhooks/"+itoa(id)+"/retry", url.Values{}); r.Status != http.StatusForbidden {
		t.Errorf("retry without the CSRF token: %d", r.Status)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
