package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/vigilhttp"
)

// deviceCookie returns the cookie named name that the response set, or nil.
func deviceCookie(r testkit.Response, name string) *http.Cookie {
	for _, line := range r.Header.Values("Set-Cookie") {
		if ck, err := http.ParseSetCookie(line); err == nil && ck.Name == name {
			return ck
		}
	}
	return nil
}

// checkDeviceCookie fails the test unless ck is a device cookie with the
// attributes README.md documents.
func checkDeviceCookie(t *testing.T, ck *http.Cookie, secure bool) {
	t.Helper()
	if ck == nil {
		t.Fatal("a successful login set no device cookie")
	}
	lifetime := time.Duration(ck.MaxAge) * time.Second
	if ck.Value == "" || !ck.HttpOnly || ck.Secure != secure || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" ||
		ck.Domain != "" || lifetime != auth.DeviceLifetime || time.Until(ck.Expires) < auth.DeviceLifetime-time.Hour {
		t.Errorf("device cookie %s, want HttpOnly, Secure %v, SameSite=Strict, Path=/, 180 days", ck.String(), secure)
	}
}

// TestKnownBrowserSignsInWhileLockedOut: an attacker's five wrong
// passwords lock alice out, but not the browser she signed in with
// before; a client without its device cookie stays locked out.
func TestKnownBrowserSignsInWhileLockedOut(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	alice := h.client()
	checkDeviceCookie(t, deviceCookie(alice.Login("alice", alicePW), vigilhttp.DevDeviceCookieName), false)

	mallory := h.client()
	for range 5 {
		expect(t, "a guess", mallory.Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": "a guess at it"}),
			http.StatusUnauthorized, vigil.CodeInvalidCredentials, "")
	}
	expect(t, "the attacker with the right password", mallory.Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": alicePW}),
		http.StatusTooManyRequests, vigil.CodeRateLimited, "")

	r := alice.Login("alice", alicePW)
	checkDeviceCookie(t, deviceCookie(r, vigilhttp.DevDeviceCookieName), false) // renewed
	if ev := h.events("alice", vigil.EventLoginSucceeded)[0]; ev.Detail == "" {
		t.Error("the login through a known device is not said in the audit detail")
	}
	expect(t, "a new browser", h.client().Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": alicePW}),
		http.StatusTooManyRequests, vigil.CodeRateLimited, "")

	// Five wrong passwords through the device cookie lock that browser.
	for range 5 {
		expect(t, "a guess through the cookie", alice.Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": "a guess at it"}),
			http.StatusUnauthorized, vigil.CodeInvalidCredentials, "")
	}
	expect(t, "the locked browser", alice.Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": alicePW}),
		http.StatusTooManyRequests, vigil.CodeRateLimited, "")
}

// TestDeviceCookieOfAnotherUserIsIgnored: bob's device cookie, or a
// tampered one, gets alice past nothing, and is no error.
func TestDeviceCookieOfAnotherUserIsIgnored(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	bobs := deviceCookie(h.client().Login("bob", bobPW), vigilhttp.DevDeviceCookieName)
	alices := deviceCookie(h.client().Login("alice", alicePW), vigilhttp.DevDeviceCookieName)
	mallory := h.client()
	for range 5 {
		mallory.Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": "a guess at it"})
	}
	for name, value := range map[string]string{"bob's": bobs.Value, "tampered": alices.Value[:len(alices.Value)-2] + "AA", "garbage": "x.y"} {
		c := h.withToken("")
		c.Cookie = vigilhttp.DevDeviceCookieName + "=" + value
		expect(t, name, c.Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": alicePW}),
			http.StatusTooManyRequests, vigil.CodeRateLimited, "")
	}
	c := h.withToken("")
	c.Cookie = vigilhttp.DevDeviceCookieName + "=" + alices.Value
	must(t, "alice's own", c.Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": alicePW}), http.StatusOK)
}

// TestDeviceCookieOutsideDev: the __Host- name and Secure.
func TestDeviceCookieOutsideDev(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withSessions(func(o *vigilhttp.Options) { o.Dev = false }))
	r := h.client().Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": alicePW})
	must(t, "login", r, http.StatusOK)
	checkDeviceCookie(t, deviceCookie(r, vigilhttp.DeviceCookieName), true)
	if deviceCookie(r, vigilhttp.DevDeviceCookieName) != nil {
		t.Error("the development device cookie was set outside --dev")
	}
	r = h.client().Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": "a guess at it"})
	if ck := deviceCookie(r, vigilhttp.DeviceCookieName); ck != nil {
		t.Errorf("a failed login set a device cookie: %s", ck)
	}
}
