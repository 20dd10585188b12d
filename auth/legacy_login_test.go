package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/testkit"
)

// TestBroughtOverHashIsRehashedAtSignIn: a user whose stored hash came
// from another system (bcrypt here) signs in with the old password; the
// hash is then vigil's argon2id, the change is audited, and the old
// password still works while a wrong one never did.
func TestBroughtOverHashIsRehashedAtSignIn(t *testing.T) {
	ctx := context.Background()
	store := testkit.SQLite(t)
	e := testkit.Engine(store, auth.Options{Policy: vigil.Policy{Lifetime: time.Hour, IdleTimeout: 30 * time.Minute}})
	const pw = "a harbour lamp at low tide"
	testkit.CreateUsers(t, e, auth.Actor{}, auth.NewUser{Username: "mira", Role: vigil.RolePatient, Password: "some other long passphrase"})
	u, err := store.UserByUsername(ctx, "mira")
	if err != nil {
		t.Fatal(err)
	}
	old, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SetPassword(ctx, u.ID, string(old), u.PasswordChangedAt); err != nil {
		t.Fatal(err)
	}

	if _, err := e.Login(ctx, "mira", "not the old password at all", nil, auth.Actor{}); vigil.ErrorCode(err) != vigil.CodeInvalidCredentials {
		t.Fatalf("wrong password against the bcrypt hash: %v", err)
	}
	if got, _ := store.UserByUsername(ctx, "mira"); got.PasswordHash != string(old) {
		t.Fatal("a failed sign-in changed the stored hash")
	}
	if _, err := e.Login(ctx, "mira", pw, nil, auth.Actor{}); err != nil {
		t.Fatalf("the old password against its bcrypt hash: %v", err)
	}
	got, _ := store.UserByUsername(ctx, "mira")
	if !strings.HasPrefix(got.PasswordHash, "$argon2id$") {
		t.Fatalf("after sign-in the stored hash is %.12q…, want argon2id", got.PasswordHash)
	}
	if evs := testkit.Events(t, e, "mira", vigil.EventPasswordRehashed); len(evs) != 1 {
		t.Errorf("%d password_rehashed events, want 1", len(evs))
	}
	if _, err := e.Login(ctx, "mira", pw, nil, auth.Actor{}); err != nil {
		t.Fatalf("the same password against the new argon2id hash: %v", err)
	}
	if evs := testkit.Events(t, e, "mira", vigil.EventPasswordRehashed); len(evs) != 1 {
		t.Errorf("rehashed again: %d events", len(evs))
	}
}
