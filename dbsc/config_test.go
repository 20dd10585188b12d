package dbsc_test

import (
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"testing"

	"github.com/vigilauth/vigil/dbsc"
)

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func vigilConfig() dbsc.Config {
	return dbsc.Config{
		SessionIdentifier: "sid",
		RefreshURL:        "/auth/dbsc/refresh",
		Scope:             dbsc.Scope{Origin: "http://127.0.0.1:8080", IncludeSite: false},
		Credentials:       []dbsc.Credential{{Type: "cookie", Name: "vigil_bound", Attributes: "Path=/; HttpOnly; SameSite=Lax"}},
	}
}

func TestConfigJSON(t *testing.T) {
	b, err := json.Marshal(vigilConfig())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"session_identifier":"sid","refresh_url":"/auth/dbsc/refresh","scope":{"origin":"http://127.0.0.1:8080","include_site":false},"credentials":[{"type":"cookie","name":"vigil_bound","attributes":"Path=/; HttpOnly; SameSite=Lax"}]}`
	if string(b) != want {
		t.Fatalf("config JSON\n %s\nwant\n %s", b, want)
	}
	c, err := dbsc.ParseConfig(b)
	if err != nil || !reflect.DeepEqual(c, vigilConfig()) {
		t.Fatalf("ParseConfig = %+v, %v", c, err)
	}
	origin, refresh, err := c.Check(mustURL(t, "http://127.0.0.1:8080/auth/dbsc/start"))
	if err != nil || origin.String() != "http://127.0.0.1:8080" || refresh.String() != "http://127.0.0.1:8080/auth/dbsc/refresh" {
		t.Fatalf("Check = %v, %v, %v", origin, refresh, err)
	}
}

func TestParseConfigRefuses(t *testing.T) {
	for name, body := range map[string]string{
		"not JSON":                 `{`,
		"no session_identifier":    `{"scope":{"include_site":false},"credentials":[{"type":"cookie","name":"b"}]}`,
		"empty session_identifier": `{"session_identifier":"","scope":{"include_site":false},"credentials":[{"type":"cookie","name":"b"}]}`,
		"id not a string":          `{"session_identifier":5,"scope":{"include_site":false},"credentials":[{"type":"cookie","name":"b"}]}`,
		"no scope":                 `{"session_identifier":"s","credentials":[{"type":"cookie","name":"b"}]}`,
		"no include_site":          `{"session_identifier":"s","scope":{"origin":"https://a.test"},"credentials":[{"type":"cookie","name":"b"}]}`,
		"include_site a string":    `{"session_identifier":"s","scope":{"include_site":"false"},"credentials":[{"type":"cookie","name":"b"}]}`,
		"no credentials":           `{"session_identifier":"s","scope":{"include_site":false}}`,
		"empty credentials":        `{"session_identifier":"s","scope":{"include_site":false},"credentials":[]}`,
		"credential type":          `{"session_identifier":"s","scope":{"include_site":false},"credentials":[{"type":"sync auth","name":"b"}]}`,
		"credential without name":  `{"session_identifier":"s","scope":{"include_site":false},"credentials":[{"type":"cookie","name":""}]}`,
		"rule type":                `{"session_identifier":"s","scope":{"include_site":false,"scope_specification":[{"type":"invalid"}]},"credentials":[{"type":"cookie","name":"b"}]}`,
		"rule empty domain":        `{"session_identifier":"s","scope":{"include_site":false,"scope_specification":[{"type":"include","domain":""}]},"credentials":[{"type":"cookie","name":"b"}]}`,
	} {
		if c, err := dbsc.ParseConfig([]byte(body)); !errors.Is(err, dbsc.ErrConfig) {
			t.Errorf("%s: %+v, %v; want ErrConfig", name, c, err)
		}
	}
	c, err := dbsc.ParseConfig([]byte(`{"session_identifier":"s","continue":false}`))
	if !errors.Is(err, dbsc.ErrEnded) || c.SessionIdentifier != "s" {
		t.Fatalf("continue false: %+v, %v", c, err)
	}
	c, err = dbsc.ParseConfig([]byte(`{"session_identifier":"s","scope":{"include_site":false,"scope_specification":[{"type":"exclude"}]},"credentials":[{"type":"cookie","name":"b"}],"allowed_refresh_initiators":["*.a.test"]}`))
	if err != nil || c.Scope.ScopeSpecification[0] != (dbsc.ScopeRule{Type: "exclude", Domain: "*", Path: "/"}) || c.AllowedRefreshInitiators[0] != "*.a.test" {
		t.Fatalf("defaults: %+v, %v", c, err)
	}
}

// TestConfigCheck: the checks Chromium makes against the registration URL.
func TestConfigCheck(t *testing.T) {
	from := mustURL(t, "http://127.0.0.1:8080/auth/dbsc/start")
	edit := func(f func(*dbsc.Config)) dbsc.Config { c := vigilConfig(); f(&c); return c }
	bad := map[string]dbsc.Config{
		"origin with a trailing slash": edit(func(c *dbsc.Config) { c.Scope.Origin = "http://127.0.0.1:8080/" }),
		"origin with a path":           edit(func(c *dbsc.Config) { c.Scope.Origin = "http://127.0.0.1:8080/app" }),
		"localhost for 127.0.0.1":      edit(func(c *dbsc.Config) { c.Scope.Origin = "http://localhost:8080" }),
		"other scheme":                 edit(func(c *dbsc.Config) { c.Scope.Origin = "https://127.0.0.1:8080" }),
		"not an origin":                edit(func(c *dbsc.Config) { c.Scope.Origin = "127.0.0.1" }),
		"refresh on another site":      edit(func(c *dbsc.Config) { c.RefreshURL = "http://localhost:8080/refresh" }),
		"Max-Age in the attributes":    edit(func(c *dbsc.Config) { c.Credentials[0].Attributes = "Path=/; Max-Age=600" }),
		"Expires in the attributes":    edit(func(c *dbsc.Config) { c.Credentials[0].Attributes = "Expires=Wed, 21 Oct 2015 07:28:00 GMT" }),
		"Partitioned":                  edit(func(c *dbsc.Config) { c.Credentials[0].Attributes = "Secure; Partitioned" }),
		"Domain of another host":       edit(func(c *dbsc.Config) { c.Credentials[0].Attributes = "Domain=example.test" }),
		"rule path without a slash":    edit(func(c *dbsc.Config) { c.Scope.ScopeSpecification = []dbsc.ScopeRule{{"exclude", "*", "static"}} }),
	}
	for name, c := range bad {
		if o, r, err := c.Check(from); !errors.Is(err, dbsc.ErrConfig) {
			t.Errorf("%s: %v %v %v; want ErrConfig", name, o, r, err)
		}
	}
	sub := mustURL(t, "https://app.example.test/auth/dbsc/start")
	c := edit(func(c *dbsc.Config) { c.Scope.Origin = "https://app.example.test"; c.Scope.IncludeSite = true })
	if _, _, err := c.Check(sub); !errors.Is(err, dbsc.ErrConfig) {
		t.Errorf("include_site on a subdomain: %v", err)
	}
	plain := mustURL(t, "http://app.example.test/auth/dbsc/start")
	if _, _, err := vigilConfig().Check(plain); err == nil {
		t.Error("http refresh URL on a public host accepted")
	}
	// The origin defaults to the registration URL's; refresh_url to the
	// registration URL itself.
	c = edit(func(c *dbsc.Config) { c.Scope.Origin = ""; c.RefreshURL = "" })
	o, r, err := c.Check(sub)
	if err != nil || o.String() != "https://app.example.test" || r.String() != sub.String() {
		t.Errorf("defaults: %v %v %v", o, r, err)
	}
	c = edit(func(c *dbsc.Config) {
		c.Scope.Origin = "https://example.test"
		c.Credentials[0].Attributes = "Domain=.Example.test; Path=/app; Secure; HttpOnly; SameSite=Strict"
	})
	if _, _, err := c.Check(sub); err != nil {
		t.Errorf("site origin with a Domain cookie: %v", err)
	}
}

func TestParseAttributes(t *testing.T) {
	u := mustURL(t, "https://app.example.test/x")
	a, err := dbsc.ParseAttributes("Domain=.Example.test; Path=/app; Secure; HttpOnly; SameSite=Strict", u)
	want := dbsc.CookieAttributes{Domain: "example.test", Path: "/app", Secure: true, HttpOnly: true, SameSite: "strict"}
	if err != nil || a != want {
		t.Fatalf("%+v, %v", a, err)
	}
	a, err = dbsc.ParseAttributes("", u)
	if err != nil || a != (dbsc.CookieAttributes{Path: "/"}) {
		t.Fatalf("empty: %+v, %v", a, err)
	}
	a, err = dbsc.ParseAttributes("Domain=127.0.0.1", mustURL(t, "http://127.0.0.1:1/"))
	if err != nil || a.Domain != "" {
		t.Fatalf("IP domain: %+v, %v", a, err)
	}
}
