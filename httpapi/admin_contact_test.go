package httpapi_test

import (
	"strings"
	"testing"

	"github.com/vigilauth/vigil"
)

// TestAdminUserEmailAndDisplayName: an administrator gives a new account an
// email and a display name; they come back normalized when it is created,
// in the user list, and in the user's own session. Bad ones are refused
// with a message naming the field.
func TestAdminUserEmailAndDisplayName(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := loggedIn(h, "root", rootPW)

	const pw = "mellow-quartz-pigeon-2208"
	r := must(t, "create", admin.Do("POST", "/api/admin/users", map[string]string{"username": "dave", "role": "patient",
		"password": pw, "email": "Dave.Jones@Clinic.Example", "display_name": " Dave Jone\u0301s "}), 201)
	const email, name = "Dave.Jones@clinic.example", "Dave Jonés"
	if r.Str("user", "email") != email || r.Str("user", "display_name") != name {
		t.Errorf("create: %s", r.Raw)
	}
	r = must(t, "create without them", admin.Do("POST", "/api/admin/users", map[string]string{"username": "erin", "role": "patient"}), 201)
	if v, ok := r.Body["user"].(map[string]any)["email"]; !ok || v != "" || r.Str("user", "display_name") != "" {
		t.Errorf("create without email and display name: %s", r.Raw)
	}

	r = must(t, "list", admin.Do("GET", "/api/admin/users", nil), 200)
	found := false
	for _, u := range r.Body["users"].([]any) {
		m := u.(map[string]any)
		if m["username"] == "dave" {
			found = m["email"] == email && m["display_name"] == name
		}
	}
	if !found {
		t.Errorf("dave's email and display name not listed: %s", r.Raw)
	}
	dave := loggedIn(h, "dave", pw)
	r = must(t, "dave's session", dave.Do("GET", "/api/auth/session", nil), 200)
	if r.Str("user", "email") != email || r.Str("user", "display_name") != name || r.Str("user", "username") != "dave" {
		t.Errorf("session: %s", r.Raw)
	}

	for _, tc := range []struct {
		what string
		body map[string]any
		says string
	}{
		{"email without @", map[string]any{"email": "frank.example.org"}, "email"},
		{"email with a space", map[string]any{"email": "fr ank@example.org"}, "email"},
		{"email too long", map[string]any{"email": strings.Repeat("f", 64) + "@" + strings.Repeat("e", 190)}, "email"},
		{"display name with a control character", map[string]any{"display_name": "Frank\u0007"}, "display name"},
		{"display name too long", map[string]any{"display_name": strings.Repeat("F", 129)}, "display name"},
		{"email not a string", map[string]any{"email": 7}, ""},
		{"display name not a string", map[string]any{"display_name": []string{"Frank"}}, ""},
	} {
		tc.body["username"], tc.body["role"] = "frank", "patient"
		r := admin.Do("POST", "/api/admin/users", tc.body)
		expect(t, tc.what, r, 400, vigil.CodeInvalidRequest, "")
		if !strings.Contains(strings.ToLower(r.Str("error")), tc.says) {
			t.Errorf("%s: message %q does not name %q", tc.what, r.Str("error"), tc.says)
		}
	}
	must(t, "frank was never created", admin.Do("POST", "/api/admin/users/frank/disable", nil), 404)
}
