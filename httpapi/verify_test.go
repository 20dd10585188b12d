package httpapi_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/httpapi"
	"github.com/vigilauth/vigil/vigilhttp"
)

func trustProxies(cidrs ...string) func(*harnessConfig) {
	return withSessions(func(o *vigilhttp.Options) {
		for _, c := range cidrs {
			o.TrustedProxies = append(o.TrustedProxies, netip.MustParsePrefix(c))
		}
	})
}

// TestForwardAuth covers GET /api/auth/verify (SPEC §5).
func TestForwardAuth(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	alice, bob := loggedIn(h, "alice", alicePW), loggedIn(h, "bob", bobPW)
	bobID := bob.Do("GET", "/api/auth/session", nil).Str("session", "id")

	r := must(t, "verify bob", bob.Do("GET", "/api/auth/verify", nil), 200)
	for name, want := range map[string]string{"Remote-User": "bob", "Remote-Role": "clinician", "Remote-Clinician-Id": "C-17", "Remote-Session-Id": bobID} {
		if got := r.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if r.Raw != "" || r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("the 200 has body %q, Cache-Control %q: want none and no-store", r.Raw, r.Header.Get("Cache-Control"))
	}
	r = must(t, "verify alice", alice.Do("GET", "/api/auth/verify", nil), 200)
	if r.Header.Get("Remote-User") != "alice" || r.Header.Get("Remote-Role") != "patient" {
		t.Errorf("alice's headers: %v", r.Header)
	}

	r = h.client().Do("GET", "/api/auth/verify", nil)
	expect(t, "verify without a session", r, 401, vigil.CodeUnauthenticated, "")
	if r.Header.Get("Remote-User") != "" {
		t.Error("401 carries Remote-User")
	}
	// The 200 skips the middleware chain (it is read by the proxy); a
	// refusal, which the proxy passes to the browser, has all its headers.
	for name, want := range map[string]string{"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'"} {
		if got := r.Header.Get(name); got != want {
			t.Errorf("401: %s = %q, want %q", name, got, want)
		}
	}
	if r.Header.Get("X-Request-Id") == "" {
		t.Error("401 without X-Request-Id")
	}
	expect(t, "verify with a body over the limit", h.client().Do("GET", "/api/auth/verify", strings.Repeat(" ", httpapi.MaxBody+1)), 413, vigil.CodePayloadTooLarge, "")

	must(t, "clinician allowed", bob.Do("GET", "/api/auth/verify?role=clinician,admin", nil), 200)
	must(t, "spaces in the list", bob.Do("GET", "/api/auth/verify?role=admin,%20clinician", nil), 200)
	r = alice.Do("GET", "/api/auth/verify?role=clinician,admin", nil)
	expect(t, "patient forbidden", r, 403, vigil.CodeForbidden, "")
	if r.Header.Get("Remote-User") != "" {
		t.Error("403 carries Remote-User")
	}
	if evs := h.events("alice", vigil.EventAccessForbidden); len(evs) != 1 {
		t.Errorf("want one access_forbidden event for alice, got %d", len(evs))
	}
	expect(t, "unknown role", bob.Do("GET", "/api/auth/verify?role=bogus", nil), 400, vigil.CodeInvalidRequest, "")
	expect(t, "empty role in list", bob.Do("GET", "/api/auth/verify?role=clinician,", nil), 400, vigil.CodeInvalidRequest, "")
}

// TestForwardAuthOriginalRequest: from a trusted proxy, a cross-origin
// unsafe original request is refused; from anyone else, the X-Forwarded-*
// headers are ignored.
func TestForwardAuthOriginalRequest(t *testing.T) {
	t.Parallel()
	crossOrigin := [][]string{
		{"X-Forwarded-Method", "POST", "X-Forwarded-Uri", "/notes/1", "X-Forwarded-Host", "app.example", "Origin", "https://evil.example"},
		{"X-Original-Method", "DELETE", "X-Original-URI", "/notes/1", "X-Forwarded-Host", "app.example", "Origin", "https://evil.example"},
		{"X-Forwarded-Method", "POST", "X-Forwarded-Host", "app.example", "Sec-Fetch-Site", "cross-site"},
		{"X-Forwarded-Method", "post", "X-Forwarded-Host", "app.example", "Sec-Fetch-Site", "same-site"},
	}
	sameOrigin := [][]string{
		{"X-Forwarded-Method", "POST", "X-Forwarded-Uri", "/notes/1", "X-Forwarded-Host", "app.example", "Origin", "https://app.example"},
		{"X-Forwarded-Method", "POST", "X-Forwarded-Host", "app.example", "Sec-Fetch-Site", "same-origin"},
		{"X-Forwarded-Method", "GET", "X-Forwarded-Host", "app.example", "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"},
		{"X-Forwarded-Method", "POST"}, // no Origin, no Sec-Fetch-Site: not a browser's cross-origin request
	}

	t.Run("trusted", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, trustProxies("127.0.0.1/32"))
		c := loggedIn(h, "alice", alicePW)
		for i, hdr := range crossOrigin {
			r := c.Do("GET", "/api/auth/verify", nil, hdr...)
			expect(t, strings.Join(hdr, " "), r, 403, vigil.CodeCSRFFailed, "")
			if r.Header.Get("Remote-User") != "" {
				t.Errorf("case %d: 403 carries Remote-User", i)
			}
		}
		evs := h.events("", vigil.EventCSRFRejected)
		if len(evs) != len(crossOrigin) {
			t.Errorf("want %d csrf_rejected events, got %d", len(crossOrigin), len(evs))
		}
		for _, ev := range evs {
			if ev.Username != "alice" || ev.SessionID == "" {
				t.Errorf("csrf_rejected names %q (session %q), want alice and her session", ev.Username, ev.SessionID)
			}
		}
		for _, hdr := range sameOrigin {
			r := must(t, strings.Join(hdr, " "), c.Do("GET", "/api/auth/verify", nil, hdr...), 200)
			if r.Header.Get("Remote-User") != "alice" {
				t.Errorf("%v: Remote-User %q", hdr, r.Header.Get("Remote-User"))
			}
		}
		// Without a session the cross-origin refusal still comes first or
		// a 401: never a 200.
		r := h.client().Do("GET", "/api/auth/verify", nil, crossOrigin[0]...)
		if r.Status != 403 && r.Status != 401 {
			t.Errorf("anonymous cross-origin: %d", r.Status)
		}
	})

	t.Run("untrusted", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		c := loggedIn(h, "alice", alicePW)
		for _, hdr := range append(crossOrigin, sameOrigin...) {
			r := must(t, strings.Join(hdr, " "), c.Do("GET", "/api/auth/verify", nil, hdr...), 200)
			if r.Header.Get("Remote-User") != "alice" {
				t.Errorf("%v: Remote-User %q", hdr, r.Header.Get("Remote-User"))
			}
		}
	})
}

// TestClientIP: behind a trusted proxy the recorded address is the
// right-most untrusted X-Forwarded-For hop; otherwise the peer's.
func TestClientIP(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		trusted []string
		xff     []string // X-Forwarded-For header lines
		want    string
	}{
		{"untrusted peer: header ignored", nil, []string{"203.0.113.7"}, "127.0.0.1"},
		{"trusted peer: one hop", []string{"127.0.0.1/32"}, []string{"203.0.113.7"}, "203.0.113.7"},
		{"trusted peer: spoofed left hop ignored", []string{"127.0.0.1/32"}, []string{"198.51.100.1, 203.0.113.7"}, "203.0.113.7"},
		{"trusted chain skipped", []string{"127.0.0.1/32", "10.0.0.0/8"}, []string{"198.51.100.1, 203.0.113.7, 10.1.2.3"}, "203.0.113.7"},
		{"several header lines", []string{"127.0.0.1/32", "10.0.0.0/8"}, []string{"198.51.100.1", "203.0.113.7, 10.1.2.3"}, "203.0.113.7"},
		{"IPv6 hop", []string{"127.0.0.1/32"}, []string{"2001:db8::1"}, "2001:db8::1"},
		{"no header", []string{"127.0.0.1/32"}, nil, "127.0.0.1"},
		{"garbage hop", []string{"127.0.0.1/32"}, []string{"203.0.113.7, not-an-ip"}, "127.0.0.1"},
		{"all hops trusted", []string{"127.0.0.1/32", "10.0.0.0/8"}, []string{"10.0.0.1, 10.0.0.2"}, "10.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, trustProxies(tc.trusted...))
			c := h.client()
			req := []string{}
			for _, line := range tc.xff {
				req = append(req, "X-Forwarded-For", line)
			}
			must(t, "login", c.Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": alicePW}, req...), 200)
			r := must(t, "list", c.Do("GET", "/api/auth/sessions", nil, req...), 200)
			list, _ := r.Body["sessions"].([]any)
			if len(list) != 1 {
				t.Fatalf("sessions: %s", r.Raw)
			}
			if got := list[0].(map[string]any)["ip"]; got != tc.want {
				t.Errorf("recorded ip %v, want %s", got, tc.want)
			}
			if evs := h.events("alice", vigil.EventLoginSucceeded); len(evs) != 1 || evs[0].IP != tc.want {
				t.Errorf("login_succeeded event ip: %+v", evs)
			}
		})
	}
}

// TestForwardAuthQueryFailsClosed: a mistyped role check is a 400 naming
// the mistake, never a 200 for a role the proxy meant to keep out.
func TestForwardAuthQueryFailsClosed(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	alice := loggedIn(h, "alice", alicePW) // a patient
	for _, tc := range []struct{ query, says string }{
		{"roles=admin", `"roles"`},
		{"Role=admin", `"Role"`},
		{"ROLE=admin", `"ROLE"`},
		{"role=admin;x", "does not parse"},
		{"role=admin&role=clinician", "2 times"},
		{"role=admin&extra=1", `"extra"`},
		{"role=", "empty"},
		{"role", "empty"},
		{"role=%20", "empty"},
		{"role=%zz", "does not parse"},
		{"role=admin,", "Parameter role"},
		{"=admin", `""`},
	} {
		r := alice.Do("GET", "/api/auth/verify?"+tc.query, nil)
		expect(t, tc.query, r, 400, vigil.CodeInvalidRequest, "")
		if msg, _ := r.Body["error"].(string); !strings.Contains(msg, tc.says) {
			t.Errorf("?%s: message %q does not say %s", tc.query, msg, tc.says)
		}
		if r.Header.Get("Remote-User") != "" {
			t.Errorf("?%s: the 400 carries Remote-User", tc.query)
		}
	}
	expect(t, "the right spelling still refuses the patient", alice.Do("GET", "/api/auth/verify?role=admin", nil), 403, vigil.CodeForbidden, "")
}

// TestForwardAuthNeedsTheOriginalMethod: a trusted proxy that names the
// original address or host but not the method gets a configuration error
// naming the missing header — never the verify request's own GET, which
// would let a cross-origin POST through.
func TestForwardAuthNeedsTheOriginalMethod(t *testing.T) {
	t.Parallel()
	h := newHarness(t, trustProxies("127.0.0.1/32"))
	c := loggedIn(h, "alice", alicePW)
	for _, hdr := range [][]string{
		{"X-Forwarded-Uri", "/notes/1", "X-Forwarded-Host", "app.example", "Origin", "https://evil.example"},
		{"X-Forwarded-Uri", "/notes/1"},
		{"X-Original-URI", "/notes/1", "Sec-Fetch-Site", "cross-site"},
		{"X-Forwarded-Host", "app.example", "Origin", "https://evil.example"},
	} {
		r := c.Do("GET", "/api/auth/verify", nil, hdr...)
		expect(t, strings.Join(hdr, " "), r, 400, vigil.CodeInvalidRequest, "")
		msg, _ := r.Body["error"].(string)
		if !strings.Contains(msg, "X-Forwarded-Method") || !strings.Contains(msg, hdr[0]) {
			t.Errorf("%v: message %q names neither the missing X-Forwarded-Method nor what was sent", hdr, msg)
		}
		if r.Header.Get("Remote-User") != "" {
			t.Errorf("%v: the 400 carries Remote-User", hdr)
		}
	}
	must(t, "with the method", c.Do("GET", "/api/auth/verify", nil, "X-Forwarded-Method", "GET", "X-Forwarded-Uri", "/notes/1", "X-Forwarded-Host", "app.example"), 200)
	// From an untrusted peer the headers are not read at all.
	u := loggedIn(newHarness(t), "alice", alicePW)
	must(t, "untrusted peer", u.Do("GET", "/api/auth/verify", nil, "X-Forwarded-Uri", "/notes/1"), 200)
}
