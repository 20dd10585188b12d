package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSignInWithALongUsername: a 60 KB name typed into the form gets the
// unknown user's page, is not echoed back, and is not kept in the audit
// trail; five such names lock invalid names, not alice.
func TestSignInWithALongUsername(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	long := strings.Repeat("q", 60<<10)
	for range 5 {
		p := b.post("/auth/login", url.Values{"username": {long}, "password": {"not-anyones-password-1"}})
		expectStatus(t, "a long name", p, http.StatusUnauthorized)
		if got := mustID(t, p, "login-error").Text(); got != "Invalid username or password." {
			t.Errorf("message %q", got)
		}
		if v := mustID(t, p, "username").Attr["value"]; v != "" {
			t.Errorf("the form echoed %d bytes of the name", len(v))
		}
	}
	p := b.post("/auth/login", url.Values{"username": {"x" + long}, "password": {"not-anyones-password-1"}})
	expectStatus(t, "the sixth invalid name", p, http.StatusTooManyRequests)
	for _, ev := range h.events("", "") {
		if strings.Contains(ev.Username+ev.Detail, "qqqq") {
			t.Errorf("event %s holds the name (%d bytes of username)", ev.Event, len(ev.Username))
		}
	}
	b.signIn("alice", alicePW)
}
