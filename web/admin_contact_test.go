package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAdminCreateWithEmailAndDisplayName: the create-user form takes an
// email and a display name; a bad one is refused with the form kept, a
// good one is stored normalized.
func TestAdminCreateWithEmailAndDisplayName(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	b.signIn("root", rootPW)
	form := url.Values{"csrf_token": {b.csrf()}, "username": {"erin"}, "role": {"patient"},
		"email": {"erin.example.org"}, "display_name": {"Erin Roe"}}

	p := b.post("/auth/admin/users", form)
	expectStatus(t, "bad email", p, http.StatusBadRequest)
	if !strings.Contains(strings.ToLower(mustID(t, p, "create-user-error").Text()), "email") ||
		mustID(t, p, "new-email").Attr["value"] != "erin.example.org" || mustID(t, p, "new-display-name").Attr["value"] != "Erin Roe" {
		t.Errorf("refusal: %q, form not kept", mustID(t, p, "create-user-error").Text())
	}

	form.Set("email", "Erin@Example.ORG")
	expectStatus(t, "create", b.post("/auth/admin/users", form), http.StatusOK)
	users, err := h.Engine.Users(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, u := range users {
		if u.Username == "erin" {
			found = u.Email == "Erin@example.org" && u.DisplayName == "Erin Roe"
		}
	}
	if !found {
		t.Errorf("erin not stored with her email and display name: %+v", users)
	}
}
