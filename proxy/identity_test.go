package proxy_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/vigilhttp"
)

// TestIdentityHeaderFamilies: the upstream gets Authelia's Remote-Name,
// -Email and -Groups, and with oauth2-proxy chosen its X-Auth-Request-*,
// each once, from the session (a client's copies are dropped), present
// even when empty.
func TestIdentityHeaderFamilies(t *testing.T) {
	for _, c := range []struct {
		name     string
		identity vigilhttp.IdentityHeaders
		display  string
		want     map[string]string
		absent   []string
	}{
		{"remote", 0, "Dr Ana Müller", map[string]string{
			"Remote-User": "dr.ana", "Remote-Name": "Dr Ana Müller", "Remote-Email": "ana@clinic.example", "Remote-Groups": "clinician",
		}, []string{"X-Auth-Request-User", "X-Auth-Request-Email"}},
		{"remote,oauth2-proxy", vigilhttp.IdentityRemote | vigilhttp.IdentityOAuth2Proxy, "", map[string]string{
			"Remote-User": "dr.ana", "Remote-Name": "", "Remote-Groups": "clinician",
			"X-Auth-Request-User": "dr.ana", "X-Auth-Request-Preferred-Username": "dr.ana",
			"X-Auth-Request-Email": "ana@clinic.example", "X-Auth-Request-Groups": "clinician",
		}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFront(t, echoApp(t), config{dev: true, identity: c.identity})
			cur := testkit.SignIn(t, f.engine, auth.NewUser{Username: "dr.ana", Role: vigil.RoleClinician, ClinicianID: "GMC-2",
				Email: "ana@clinic.example", DisplayName: c.display, Password: "a long and quiet afternoon"}, auth.Actor{})
			a := f.raw(t, "/notes", "Cookie: "+vigilhttp.Cookies{Dev: true}.Name()+"="+cur.Token.String(),
				"Remote-Name: forged", "Remote-Email: forged@x", "Remote-Groups: admin",
				"X-Auth-Request-User: forged", "X-Auth-Request-Groups: admin")
			var got received
			if err := json.Unmarshal(a.body, &got); err != nil || a.StatusCode != 200 {
				t.Fatalf("%d %s", a.StatusCode, a.body)
			}
			for name, want := range c.want {
				if v, ok := got.Header[name]; !ok || len(v) != 1 || v[0] != want {
					t.Errorf("%s = %q (present %v), want %q once", name, v, ok, want)
				}
			}
			for _, name := range c.absent {
				if v, ok := got.Header[name]; ok {
					t.Errorf("%s sent (%q) without oauth2-proxy chosen", name, v)
				}
			}
		})
	}
}

// TestAPIClientsGet401: without a session a browser's page navigation is
// sent to sign in, and an API client — X-Requested-With, or an Accept
// preferring JSON — gets the 401 JSON, never a redirect.
func TestAPIClientsGet401(t *testing.T) {
	front, _, _ := setup(t)
	for _, c := range []struct {
		headers []string
		status  int
	}{
		{[]string{"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, http.StatusSeeOther},
		{[]string{"Sec-Fetch-Mode", "navigate"}, http.StatusSeeOther},
		{[]string{"Accept", "application/json, text/html;q=0.9"}, 401},
		{[]string{"Accept", "application/json;q=1, text/html;q=1"}, 401},
		{[]string{"Accept", "application/problem+json"}, 401},
		{[]string{"Accept", "text/html", "X-Requested-With", "XMLHttpRequest"}, 401},
		{[]string{"Sec-Fetch-Mode", "navigate", "X-Requested-With", "fetch"}, 401},
		{[]string{"Accept", "*/*"}, 401},
		{[]string{"Accept", "text/html;q=0.5, application/json;q=0.4"}, http.StatusSeeOther},
	} {
		resp, got := get(t, front.URL+"/notes", "", c.headers...)
		if resp.StatusCode != c.status || got.Path != "" {
			t.Errorf("%q: %d (upstream saw %q), want %d", c.headers, resp.StatusCode, got.Path, c.status)
		}
		if c.status == 401 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%q: 401 with Content-Type %q", c.headers, resp.Header.Get("Content-Type"))
		}
	}
}
