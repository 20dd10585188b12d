package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/sqlite"
)

// TestWebhooksListAndRetry: a delivery given up is listed, with the
// endpoint's host only, and `webhooks retry ID` makes it pending again.
func TestWebhooksListAndRetry(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vigil.db")
	store, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := t.Context()
	u := &vigil.User{Username: "alice", Role: vigil.RolePatient, CreatedAt: time.Now()}
	if err := store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := store.SetPassword(ctx, u.ID, "$argon2id$x", time.Now()); err != nil {
		t.Fatal(err)
	}
	endpoint := "https://hooks.example/vigil?token=secret-in-query"
	claimed, err := store.ClaimWebhooks(ctx, []string{endpoint}, time.Now(), time.Minute, 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("ClaimWebhooks = %v, %v", claimed, err)
	}
	id := claimed[0].ID
	if err := store.KillWebhook(ctx, id, vigil.WebhookAttempt{At: time.Now(), Status: 500, Error: "500 Internal Server Error"}); err != nil {
		t.Fatal(err)
	}
	cmd := func(f func(context.Context, *env, []string) error, args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := f(ctx, &env{getenv: noEnv, stdout: &out, stderr: &errb}, append(args, "--db", db))
		return out.String(), err
	}
	out, err := cmd(webhooksList)
	if err != nil || !strings.Contains(out, "user.password_changed") || !strings.Contains(out, "hooks.example") ||
		!strings.Contains(out, "500 Internal Server Error") || strings.Contains(out, "secret-in-query") {
		t.Fatalf("webhooks list = %q, %v: want the letter, its host and error, never the URL's query", out, err)
	}
	if _, err := cmd(webhooksRetry, "12345"); err == nil {
		t.Error("webhooks retry of no such delivery succeeded")
	}
	if out, err := cmd(webhooksRetry, strconv.FormatInt(id, 10)); err != nil || !strings.Contains(out, "tried again") {
		t.Fatalf("webhooks retry = %q, %v", out, err)
	}
	if out, err := cmd(webhooksList, "--json"); err != nil || out != "" {
		t.Errorf("webhooks list --json after the retry = %q, %v, want nothing", out, err)
	}
	if c, _ := store.CountWebhooks(ctx); c.Pending != 1 || c.Dead != 0 {
		t.Errorf("counts after the retry = %+v, want it pending", c)
	}
}
