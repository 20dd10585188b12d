package config

import (
	"strings"
	"testing"

	"github.com/vigilauth/vigil/vigilhttp"
)

func TestIdentityHeadersFlag(t *testing.T) {
	if c := load(t, nil, nil); c.IdentityHeaders != vigilhttp.IdentityRemote {
		t.Errorf("default %v, want remote", c.IdentityHeaders)
	}
	c := load(t, []string{"--identity-headers", "remote,oauth2-proxy"}, nil)
	if c.IdentityHeaders != vigilhttp.IdentityRemote|vigilhttp.IdentityOAuth2Proxy {
		t.Errorf("remote,oauth2-proxy read as %v", c.IdentityHeaders)
	}
	c = load(t, nil, map[string]string{"VIGIL_IDENTITY_HEADERS": "oauth2-proxy,remote"})
	if c.IdentityHeaders.String() != "remote,oauth2-proxy" {
		t.Errorf("from the environment: %v", c.IdentityHeaders)
	}
	for _, v := range []string{"", "oauth2-proxy", "remote,remote", "authelia", "remote,x-auth-request"} {
		p := problems(t, []string{"--identity-headers", v}, nil)
		if len(p) != 1 || !strings.Contains(p[0], "identity-headers") {
			t.Errorf("--identity-headers %q: problems %q", v, p)
		}
	}
}

func TestBrandFlag(t *testing.T) {
	if c := load(t, nil, nil); c.Brand != "" {
		t.Errorf("default brand %q", c.Brand)
	}
	for _, v := range []string{"St Mary's Clinic", "Clínica São José", "診療所", strings.Repeat("é", 64), "A & B <Care>"} {
		if c := load(t, []string{"--brand", v}, nil); c.Brand != v {
			t.Errorf("--brand %q read as %q", v, c.Brand)
		}
	}
	for _, v := range []string{strings.Repeat("a", 65), "Care\nClinic", "Care\u202eClinic", "Care\u200bClinic",
		" Care", "Care ", "Care\tClinic", "Care\u00a0Clinic", "Care\x00", "\xff"} {
		if p := problems(t, []string{"--brand", v}, nil); len(p) != 1 || !strings.Contains(p[0], "brand") {
			t.Errorf("--brand %q: problems %q", v, p)
		}
	}
}
