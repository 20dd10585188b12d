package httpapi_test

import (
	"strings"
	"testing"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/vigilhttp"
)

// TestForwardAuthIdentityHeaders: with --identity-headers
// remote,oauth2-proxy forward auth answers with Authelia's and
// oauth2-proxy's names too, every one present, empty when unknown (so a
// proxy that copies them overwrites a client's); a client's own copies
// sent to verify are never echoed.
func TestForwardAuthIdentityHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withSessions(func(o *vigilhttp.Options) {
		o.IdentityHeaders = vigilhttp.IdentityRemote | vigilhttp.IdentityOAuth2Proxy
	}))
	bob := loggedIn(h, "bob", bobPW)
	r := must(t, "verify bob", bob.Do("GET", "/api/auth/verify", nil,
		"Remote-Name", "forged", "X-Auth-Request-Email", "forged@x", "Remote-Groups", "admin"), 200)
	for name, want := range map[string]string{
		"Remote-User": "bob", "Remote-Role": "clinician", "Remote-Groups": "clinician", "Remote-Clinician-Id": "C-17",
		"X-Auth-Request-User": "bob", "X-Auth-Request-Preferred-Username": "bob", "X-Auth-Request-Groups": "clinician",
	} {
		if got := r.Header.Values(name); len(got) != 1 || got[0] != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"Remote-Name", "Remote-Email", "X-Auth-Request-Email"} {
		if got, ok := r.Header[name]; !ok || len(got) != 1 || strings.Contains(got[0], "forged") {
			t.Errorf("%s = %q (present %v): want vigil's value alone, even empty", name, got, ok)
		}
	}
	// Without the option, oauth2-proxy's names are not sent.
	d := newHarness(t)
	r = must(t, "verify, default families", loggedIn(d, "bob", bobPW).Do("GET", "/api/auth/verify", nil), 200)
	if _, ok := r.Header["X-Auth-Request-User"]; ok || r.Header.Get("Remote-Groups") != "clinician" {
		t.Errorf("default: X-Auth-Request-User present %v, Remote-Groups %q", ok, r.Header.Get("Remote-Groups"))
	}
}

// TestForwardAuthAnswers401ToEveryClient: forward auth's refusal is the
// 401 JSON for a browser's navigation and an API client alike: the proxy
// (nginx's error_page, Caddy's handle_response) turns it into the
// redirect for a page, as only it knows the public address to return to.
func TestForwardAuthAnswers401ToEveryClient(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, hdr := range [][]string{
		{"Accept", "text/html"}, {"Sec-Fetch-Mode", "navigate"},
		{"Accept", "application/json"}, {"X-Requested-With", "XMLHttpRequest"},
	} {
		r := h.client().Do("GET", "/api/auth/verify", nil, hdr...)
		expect(t, "verify without a session, "+strings.Join(hdr, ": "), r, 401, vigil.CodeUnauthenticated, "")
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || r.Header.Get("Location") != "" {
			t.Errorf("%q: Content-Type %q, Location %q", hdr, r.Header.Get("Content-Type"), r.Header.Get("Location"))
		}
	}
}
