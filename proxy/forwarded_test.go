package proxy_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/vigilauth/vigil"
)

// TestForwardedIsVigilsView: the app is told the client's address, the
// scheme and the host as vigil resolved them — replacing whatever the
// client sent, and believing a proxy's X-Forwarded-* only from
// --trusted-proxies.
func TestForwardedIsVigilsView(t *testing.T) {
	claims := []string{"X-Forwarded-For: 198.51.100.1, 203.0.113.9", "X-Forwarded-Proto: http",
		"X-Forwarded-Host: app.example:8443", "Forwarded: for=192.0.2.1;host=evil.example;proto=https", "X-Real-Ip: 192.0.2.1"}
	self := "{self}" // the address the test's requests are sent to
	for _, c := range []struct {
		name  string
		cfg   config
		lines []string
		// what the app must see: client address, scheme, host, Forwarded
		ip, proto, host, forwarded string
	}{
		{"dev, no proxy trusted", config{dev: true}, claims,
			"127.0.0.1", "http", self, `for=127.0.0.1;host="{self}";proto=http`},
		{"production behind TLS termination", config{}, claims,
			"127.0.0.1", "https", self, `for=127.0.0.1;host="{self}";proto=https`},
		{"public URL", config{dev: true, publicURL: "https://records.example.org"}, claims,
			"127.0.0.1", "https", "records.example.org", `for=127.0.0.1;host=records.example.org;proto=https`},
		{"a proxy trusted, but not this peer", config{trusted: []string{"10.0.0.0/8"}}, claims,
			"127.0.0.1", "https", self, `for=127.0.0.1;host="{self}";proto=https`},
		{"a trusted proxy", config{trusted: []string{"127.0.0.0/8"}}, claims,
			"203.0.113.9", "http", "app.example:8443", `for=203.0.113.9;host="app.example:8443";proto=http`},
		{"a trusted proxy, and a public URL", config{trusted: []string{"127.0.0.0/8"}, publicURL: "https://records.example.org:4443"}, claims,
			"203.0.113.9", "http", "records.example.org:4443", `for=203.0.113.9;host="records.example.org:4443";proto=http`},
		{"a trusted proxy for an IPv6 client", config{trusted: []string{"127.0.0.0/8"}, dev: true},
			[]string{"X-Forwarded-For: 2001:db8::9"}, "2001:db8::9", "http", self, `for="[2001:db8::9]";host="{self}";proto=http`},
		{"a trusted proxy naming no scheme vigil knows", config{trusted: []string{"127.0.0.0/8"}, publicURL: "http://records.example.org"},
			[]string{"X-Forwarded-Proto: gopher", "X-Forwarded-Host: bad host"}, "127.0.0.1", "http", "records.example.org",
			`for=127.0.0.1;host=records.example.org;proto=http`},
		{"a trusted proxy naming a host that is not one", config{trusted: []string{"127.0.0.0/8"}},
			[]string{"X-Forwarded-Host: \"evil\";for=1.2.3.4"}, "127.0.0.1", "https", self, `for=127.0.0.1;host="{self}";proto=https`},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFront(t, echoApp(t), c.cfg)
			lines := append([]string{"Cookie: " + f.signIn(t, "dr.carol", vigil.RoleClinician)}, c.lines...)
			got := decode(t, f.raw(t, "/notes", lines...))
			want := map[string]string{"X-Forwarded-For": c.ip, "X-Real-Ip": c.ip, "X-Forwarded-Proto": c.proto,
				"X-Forwarded-Host": c.host, "Forwarded": c.forwarded}
			for h, v := range want {
				v = strings.ReplaceAll(v, self, f.addr)
				if got := got.Header.Values(h); !slices.Equal(got, []string{v}) {
					t.Errorf("%s: %q, want %q", h, got, v)
				}
			}
		})
	}
}

// TestForwardedOverTLS: a client on vigil's own TLS is on https, whatever
// it claims and even in --dev.
func TestForwardedOverTLS(t *testing.T) {
	f := newFront(t, echoApp(t), config{tls: true, dev: true, public: []string{"/static"}})
	got := decode(t, f.get(t, "/static/app.css", "X-Forwarded-Proto", "http", "Forwarded", "proto=http"))
	if p := got.Header.Values("X-Forwarded-Proto"); !slices.Equal(p, []string{"https"}) {
		t.Errorf("X-Forwarded-Proto %q, want https", p)
	}
	if fw := got.Header.Get("Forwarded"); !strings.HasSuffix(fw, ";proto=https") {
		t.Errorf("Forwarded %q, want proto=https", fw)
	}
}
