package vigilhttp_test

import (
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/vigilhttp"
)

func TestHeaderSafe(t *testing.T) {
	for v, want := range map[string]bool{
		"": true, "Dr Ana Müller": true, "李医生": true, "ana@clinic.example": true, "O'Brien-Smith, J.": true,
		"a\r\nSet-Cookie: x=1": false, "a\nb": false, "a\x00b": false, "a\tb": false, "a\x7fb": false,
		"a\u0085b": false, "a\u2028b": false, "a\u202eb": false, "a\u2066b": false, "a\u200bb": false, "a\ufeffb": false,
		" lead": false, "trail ": false, "\xffbad": false,
	} {
		if got := vigilhttp.HeaderSafe(v); got != want {
			t.Errorf("HeaderSafe(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestParseIdentityHeaders(t *testing.T) {
	both := vigilhttp.IdentityRemote | vigilhttp.IdentityOAuth2Proxy
	for s, want := range map[string]vigilhttp.IdentityHeaders{
		"remote": vigilhttp.IdentityRemote, "remote,oauth2-proxy": both, "oauth2-proxy, remote": both,
		"": 0, "oauth2-proxy": 0, "remote,remote": 0, "Remote": 0, "remote,authelia": 0, "remote,": 0,
	} {
		got, err := vigilhttp.ParseIdentityHeaders(s)
		if got != want || (err == nil) != (want != 0) {
			t.Errorf("ParseIdentityHeaders(%q) = %v, %v; want %v", s, got, err, want)
		}
		if want != 0 && got.String() != map[bool]string{true: "remote,oauth2-proxy", false: "remote"}[want == both] {
			t.Errorf("%q reads back as %q", s, got)
		}
	}
}

func current(name, email string) *auth.Current {
	c := &auth.Current{}
	c.User.Username, c.User.Role, c.User.DisplayName, c.User.Email = "dr.ana", vigil.RoleClinician, name, email
	c.Session.ID = "s-1"
	return c
}

// TestSetIdentity: every chosen header is present, empty when unknown or
// when its value is not one a header may carry (never in part).
func TestSetIdentity(t *testing.T) {
	s := vigilhttp.New(nil, vigilhttp.Options{IdentityHeaders: vigilhttp.IdentityRemote | vigilhttp.IdentityOAuth2Proxy,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	h := http.Header{"Remote-Name": {"forged"}, "X-Auth-Request-Email": {"forged"}}
	s.SetIdentity(h, current("Ana\r\nSet-Cookie: x=1", ""))
	want := map[string]string{
		"Remote-User": "dr.ana", "Remote-Role": "clinician", "Remote-Clinician-Id": "", "Remote-Session-Id": "s-1",
		"Remote-Name": "", "Remote-Email": "", "Remote-Groups": "clinician",
		"X-Auth-Request-User": "dr.ana", "X-Auth-Request-Preferred-Username": "dr.ana",
		"X-Auth-Request-Email": "", "X-Auth-Request-Groups": "clinician",
	}
	if len(h) != len(want) {
		t.Errorf("headers %v, want %d", h, len(want))
	}
	for name, v := range want {
		if got, ok := h[name]; !ok || len(got) != 1 || got[0] != v {
			t.Errorf("%s = %q (present %v), want %q", name, got, ok, v)
		}
	}
}

// TestSetIdentityAllocatesOnce: the values share one allocation, so
// forward auth's answer for a warm session costs no more than before.
func TestSetIdentityAllocatesOnce(t *testing.T) {
	s := vigilhttp.New(nil, vigilhttp.Options{IdentityHeaders: vigilhttp.IdentityRemote | vigilhttp.IdentityOAuth2Proxy})
	cur, h := current("Dr Ana Müller", "ana@clinic.example"), http.Header{}
	s.SetIdentity(h, cur)
	if n := testing.AllocsPerRun(100, func() { s.SetIdentity(h, cur) }); n != 1 {
		t.Errorf("SetIdentity: %v allocations, want 1", n)
	}
}
