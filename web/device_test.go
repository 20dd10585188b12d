package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/vigilhttp"
)

// TestSignInFormSetsTheDeviceCookie: the form sets the device cookie, and
// a browser that signed in before signs in with the form while an
// attacker's wrong passwords have locked everyone else out.
func TestSignInFormSetsTheDeviceCookie(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	p := b.post("/auth/login", url.Values{"username": {"alice"}, "password": {alicePW}})
	expectStatus(t, "sign in", p, http.StatusSeeOther)
	ck := setCookie(p, vigilhttp.DevDeviceCookieName)
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" || ck.MaxAge != int(auth.DeviceLifetime.Seconds()) {
		t.Fatalf("device cookie %v, want HttpOnly, SameSite=Strict, Path=/, 180 days", ck)
	}

	mallory := h.browser()
	for range 5 {
		expectStatus(t, "a guess", mallory.post("/auth/login", url.Values{"username": {"alice"}, "password": {"a guess at it"}}), http.StatusUnauthorized)
	}
	expectStatus(t, "the attacker", mallory.post("/auth/login", url.Values{"username": {"alice"}, "password": {alicePW}}), http.StatusTooManyRequests)
	expectStatus(t, "a new browser", h.browser().post("/auth/login", url.Values{"username": {"alice"}, "password": {alicePW}}), http.StatusTooManyRequests)

	p = b.post("/auth/login", url.Values{"username": {"alice"}, "password": {alicePW}})
	expectStatus(t, "alice's browser", p, http.StatusSeeOther)
	if setCookie(p, vigilhttp.DevDeviceCookieName) == nil {
		t.Error("the device cookie was not renewed")
	}
	if ev := h.events("alice", "login_succeeded")[0]; !strings.HasPrefix(ev.Detail, "known device") {
		t.Errorf("login_succeeded detail %q, want the known device said", ev.Detail)
	}
}
