package config

import (
	"bytes"
	"errors"
	"flag"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/vigilhttp"
)

// env returns a getenv over the given variables.
func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func load(t *testing.T, args []string, vars map[string]string) *Config {
	t.Helper()
	c, _, err := Load(args, env(vars))
	if err != nil {
		t.Fatalf("Load(%q, %v): %v", args, vars, err)
	}
	return c
}

// problems loads a configuration that must fail and returns its problems.
func problems(t *testing.T, args []string, vars map[string]string) []string {
	t.Helper()
	_, _, err := Load(args, env(vars))
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("Load(%q, %v) = %v, want *Error", args, vars, err)
	}
	return ce.Problems
}

func TestDefaults(t *testing.T) {
	want := &Config{
		Addr:              "127.0.0.1:8080",
		DB:                "vigil.db",
		Lifetime:          168 * time.Hour,
		IdleTimeout:       30 * time.Minute,
		IdleWarning:       2 * time.Minute,
		PasswordMinLength: 15,
		ResetTokenTTL:     30 * time.Minute,
		ReauthWindow:      10 * time.Minute,
		LogFormat:         "text",
		SessionCache:      100000,
		ShutdownGrace:     5 * time.Second,

		DeviceBinding:               "optional",
		DeviceBindingGrace:          time.Minute,
		DeviceBindingCookieLifetime: 10 * time.Minute,
		IdentityHeaders:             vigilhttp.IdentityRemote,
	}
	for _, getenv := range []func(string) string{nil, env(nil)} {
		c, pos, err := Load(nil, getenv)
		if err != nil || len(pos) != 0 {
			t.Fatalf("Load(nil) = %v, %v", pos, err)
		}
		if !reflect.DeepEqual(c, want) {
			t.Errorf("defaults:\n got %+v\nwant %+v", c, want)
		}
	}
}

func TestSources(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		get  func(*Config) any
		want any
	}{
		{"flag beats env", []string{"--idle-timeout", "5m"}, map[string]string{"VIGIL_IDLE_TIMEOUT": "7m"},
			func(c *Config) any { return c.IdleTimeout }, 5 * time.Minute},
		{"flag with = beats env", []string{"--idle-timeout=5m"}, map[string]string{"VIGIL_IDLE_TIMEOUT": "7m"},
			func(c *Config) any { return c.IdleTimeout }, 5 * time.Minute},
		{"env beats default", nil, map[string]string{"VIGIL_IDLE_TIMEOUT": "7m"},
			func(c *Config) any { return c.IdleTimeout }, 7 * time.Minute},
		{"empty env is unset", nil, map[string]string{"VIGIL_ADDR": ""},
			func(c *Config) any { return c.Addr }, "127.0.0.1:8080"},
		{"env with dashes", nil, map[string]string{"VIGIL_PASSWORD_MIN_LENGTH": "20"},
			func(c *Config) any { return c.PasswordMinLength }, 20},
		{"env db", nil, map[string]string{"VIGIL_DB": "postgres://u@db/vigil"},
			func(c *Config) any { return c.DB }, "postgres://u@db/vigil"},
		{"bool flag alone", []string{"--dev"}, nil,
			func(c *Config) any { return c.Dev }, true},
		{"bool flag one dash", []string{"-dev"}, nil,
			func(c *Config) any { return c.Dev }, true},
		{"bool flag false beats env", []string{"--dev=false"}, map[string]string{"VIGIL_DEV": "true"},
			func(c *Config) any { return c.Dev }, false},
		{"bool env 1", nil, map[string]string{"VIGIL_DEV": "1"},
			func(c *Config) any { return c.Dev }, true},
		{"bool env TRUE", nil, map[string]string{"VIGIL_DEV": "TRUE"},
			func(c *Config) any { return c.Dev }, true},
		{"bool env f", nil, map[string]string{"VIGIL_DEV": "f"},
			func(c *Config) any { return c.Dev }, false},
		{"demo implies dev", []string{"--demo"}, nil,
			func(c *Config) any { return c.Dev }, true},
		{"demo from env implies dev", nil, map[string]string{"VIGIL_DEMO": "true"},
			func(c *Config) any { return c.Dev }, true},
		{"demo implies dev even against --dev=false", []string{"--demo", "--dev=false"}, nil,
			func(c *Config) any { return c.Dev }, true},
		{"last flag wins", []string{"--addr", ":1", "--addr", ":2"}, nil,
			func(c *Config) any { return c.Addr }, ":2"},
		{"idle longer than lifetime is allowed", []string{"--lifetime", "1h", "--idle-timeout", "2h"}, nil,
			func(c *Config) any { return c.IdleTimeout }, 2 * time.Hour},
		{"json logs", []string{"--log-format", "json"}, nil,
			func(c *Config) any { return c.LogFormat }, "json"},
		{"max sessions", []string{"--max-sessions", "3"}, nil,
			func(c *Config) any { return c.MaxSessions }, 3},
		{"metrics addr", []string{"--metrics-addr", "127.0.0.1:9090"}, nil,
			func(c *Config) any { return c.MetricsAddr }, "127.0.0.1:9090"},
		{"port 0 on both listeners", []string{"--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"}, nil,
			func(c *Config) any { return c.MetricsAddr }, "127.0.0.1:0"},
		{"ipv6 addr", []string{"--addr", "[::1]:8443"}, nil,
			func(c *Config) any { return c.Addr }, "[::1]:8443"},
		{"redis", []string{"--redis", "rediss://cache:6380/0"}, nil,
			func(c *Config) any { return c.Redis }, "rediss://cache:6380/0"},
		{"short idle timeout: the default warning halves", []string{"--idle-timeout", "90s"}, nil,
			func(c *Config) any { return c.IdleWarning }, 45 * time.Second},
		{"short role idle timeout: the default warning halves", []string{"--role-idle-timeout", "admin=60s"}, nil,
			func(c *Config) any { return c.IdleWarning }, 30 * time.Second},
		{"long idle timeout: the default warning stays", []string{"--idle-timeout", "8h"}, nil,
			func(c *Config) any { return c.IdleWarning }, 2 * time.Minute},
		{"device binding off", []string{"--device-binding", "off"}, nil,
			func(c *Config) any { return c.DeviceBinding }, "off"},
		{"device binding required roles", []string{"--device-binding-required", " clinician , admin "}, nil,
			func(c *Config) any { return c.DeviceBindingRequired }, []vigil.Role{vigil.RoleClinician, vigil.RoleAdmin}},
		{"device binding grace from env", nil, map[string]string{"VIGIL_DEVICE_BINDING_GRACE": "5m"},
			func(c *Config) any { return c.DeviceBindingGrace }, 5 * time.Minute},
		{"bound cookie lifetime", []string{"--device-binding-cookie-lifetime", "2s"}, nil,
			func(c *Config) any { return c.DeviceBindingCookieLifetime }, 2 * time.Second},
		{"route prefix", []string{"--route-prefix", "/vigil/v1"}, nil,
			func(c *Config) any { return c.RoutePrefix }, "/vigil/v1"},
		{"public paths with upstream", []string{"--upstream", "http://127.0.0.1:5000", "--public-paths", "/static/, /favicon.ico"}, nil,
			func(c *Config) any { return c.PublicPaths }, []string{"/static/", "/favicon.ico"}},
		{"upstream with path", []string{"--upstream", "http://app:5000/base"}, nil,
			func(c *Config) any { return c.Upstream.String() }, "http://app:5000/base"},
		{"shutdown grace", []string{"--shutdown-grace", "30s"}, nil,
			func(c *Config) any { return c.ShutdownGrace }, 30 * time.Second},
		{"shutdown grace from env", nil, map[string]string{"VIGIL_SHUTDOWN_GRACE": "1m"},
			func(c *Config) any { return c.ShutdownGrace }, time.Minute},
		{"no shutdown grace", []string{"--shutdown-grace", "0"}, nil,
			func(c *Config) any { return c.ShutdownGrace }, time.Duration(0)},
		{"dev: no shutdown grace by default", []string{"--dev"}, nil,
			func(c *Config) any { return c.ShutdownGrace }, time.Duration(0)},
		{"demo: no shutdown grace by default", nil, map[string]string{"VIGIL_DEMO": "true"},
			func(c *Config) any { return c.ShutdownGrace }, time.Duration(0)},
		{"dev with a shutdown grace given", []string{"--dev", "--shutdown-grace", "2s"}, nil,
			func(c *Config) any { return c.ShutdownGrace }, 2 * time.Second},
		{"demo with a shutdown grace from env", []string{"--demo"}, map[string]string{"VIGIL_SHUTDOWN_GRACE": "3s"},
			func(c *Config) any { return c.ShutdownGrace }, 3 * time.Second},
		{"trusted proxies", []string{"--trusted-proxies", "10.1.2.3/8, 192.168.1.7,::1,fd00::/8"}, nil,
			func(c *Config) any { return c.TrustedProxies }, []netip.Prefix{
				netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32"),
				netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("fd00::/8")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := load(t, tt.args, tt.env)
			if got := tt.get(c); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPublicURL(t *testing.T) {
	good := map[string]string{
		"https://example.com":       "https://example.com",
		"https://example.com/":      "https://example.com",
		"HTTPS://Example.COM:8443/": "https://example.com:8443",
		"http://localhost:8080":     "http://localhost:8080",
		"http://[::1]:8080":         "http://[::1]:8080",
	}
	for in, want := range good {
		c := load(t, []string{"--public-url", in}, nil)
		if got := c.PublicURL.String(); got != want {
			t.Errorf("--public-url %q = %q, want %q", in, got, want)
		}
	}
	bad := map[string]string{
		"https://example.com/app":   "without a path",
		"https://example.com/?a=1":  "without a query",
		"https://example.com?":      "without a query",
		"https://example.com#x":     "without a query or fragment",
		"https://u:p@example.com":   "user name",
		"ftp://example.com":         "http:// or https://",
		"example.com":               "http:// or https://",
		"localhost:8080":            "http:// or https://",
		"https://":                  "missing host",
		"https://example.com:":      "empty port",
		"https://example.com:99999": "port",
		"https://example.com:0":     "port",
		"http://exa mple.com":       "not a URL",
	}
	for in, want := range bad {
		got := problems(t, []string{"--public-url", in}, nil)
		if len(got) != 1 || !strings.HasPrefix(got[0], "--public-url ") || !strings.Contains(got[0], want) {
			t.Errorf("--public-url %q: problems %q, want one about %q", in, got, want)
		}
	}
}

func TestRoleOverrides(t *testing.T) {
	c := load(t, []string{"--role-idle-timeout", "clinician=15m, admin=10m", "--role-lifetime=clinician=12h"}, nil)
	if want := map[vigil.Role]time.Duration{vigil.RoleClinician: 15 * time.Minute, vigil.RoleAdmin: 10 * time.Minute}; !reflect.DeepEqual(c.RoleIdleTimeout, want) {
		t.Errorf("RoleIdleTimeout = %v, want %v", c.RoleIdleTimeout, want)
	}
	if want := map[vigil.Role]time.Duration{vigil.RoleClinician: 12 * time.Hour}; !reflect.DeepEqual(c.RoleLifetime, want) {
		t.Errorf("RoleLifetime = %v, want %v", c.RoleLifetime, want)
	}
	c = load(t, nil, map[string]string{"VIGIL_ROLE_LIFETIME": "patient=720h"})
	if c.RoleLifetime[vigil.RolePatient] != 720*time.Hour {
		t.Errorf("VIGIL_ROLE_LIFETIME: %v", c.RoleLifetime)
	}
}

func TestProblems(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string // the single problem must contain this
	}{
		{"bad duration flag", []string{"--idle-timeout", "abc"}, nil, `--idle-timeout "abc": invalid duration`},
		{"bad duration env", nil, map[string]string{"VIGIL_IDLE_TIMEOUT": "abc"}, `VIGIL_IDLE_TIMEOUT "abc": invalid duration`},
		{"empty duration flag", []string{"--lifetime="}, nil, `--lifetime "": invalid duration`},
		{"zero lifetime", []string{"--lifetime", "0s"}, nil, `--lifetime "0s": must be positive`},
		{"negative reauth", []string{"--reauth-window", "-1m"}, nil, `--reauth-window "-1m": must be positive`},
		{"zero reset ttl", []string{"--reset-token-ttl", "0"}, nil, `--reset-token-ttl "0": must be positive`},
		{"bad bool flag", []string{"--dev=maybe"}, nil, `--dev "maybe": invalid boolean`},
		{"bad bool env", nil, map[string]string{"VIGIL_DEMO": "yes"}, `VIGIL_DEMO "yes": invalid boolean`},
		{"password too short", []string{"--password-min-length", "7"}, nil, "between 8 and 256"},
		{"password too long", []string{"--password-min-length", "257"}, nil, "between 8 and 256"},
		{"password not a number", []string{"--password-min-length", "x"}, nil, "invalid integer"},
		{"negative max sessions", []string{"--max-sessions", "-1"}, nil, `--max-sessions "-1": must be 0 or more`},
		{"addr without port", []string{"--addr", "localhost"}, nil, `--addr "localhost": want host:port`},
		{"addr port too big", []string{"--addr", ":70000"}, nil, "port must be a number"},
		{"addr named port", []string{"--addr", ":http"}, nil, "port must be a number"},
		{"empty addr", []string{"--addr="}, nil, "want host:port"},
		{"bad metrics addr", nil, map[string]string{"VIGIL_METRICS_ADDR": "9090"}, `VIGIL_METRICS_ADDR "9090": want host:port`},
		{"metrics addr same as addr", []string{"--metrics-addr", "127.0.0.1:8080"}, nil, "must differ from --addr"},
		{"db other scheme", []string{"--db", "mysql://x/y"}, nil, "unsupported URL scheme"},
		{"empty db", []string{"--db="}, nil, `--db ""`},
		{"redis scheme", []string{"--redis", "http://cache:6379"}, nil, "redis:// or rediss://"},
		{"redis no host", []string{"--redis", "redis://"}, nil, "missing host"},
		{"bad CIDR", []string{"--trusted-proxies", "10.0.0.0/8,10.0.0.300/8"}, nil, `--trusted-proxies "10.0.0.300/8": not an IP address or CIDR`},
		{"bad CIDR bits", []string{"--trusted-proxies", "10.0.0.0/33"}, nil, "not an IP address or CIDR"},
		{"CIDR word", []string{"--trusted-proxies", "localhost"}, nil, "not an IP address or CIDR"},
		{"CIDR zone", []string{"--trusted-proxies", "fe80::1%eth0"}, nil, "not an IP address or CIDR"},
		{"upstream scheme", []string{"--upstream", "ftp://app"}, nil, `--upstream "ftp://app": want an http://`},
		{"upstream relative", []string{"--upstream", "/app"}, nil, "want an http://"},
		{"upstream userinfo", []string{"--upstream", "http://u:p@app"}, nil, "user name"},
		{"upstream fragment", []string{"--upstream", "http://app/#x"}, nil, "fragment"},
		{"role syntax", []string{"--role-idle-timeout", "clinician:15m"}, nil, `--role-idle-timeout "clinician:15m": want role=duration`},
		{"unknown role", []string{"--role-lifetime", "nurse=1h"}, nil, `unknown role "nurse"`},
		{"duplicate role", []string{"--role-lifetime", "admin=1h,admin=2h"}, nil, `"admin=2h": role admin given more than once`},
		{"zero role duration", []string{"--role-lifetime", "admin=0s"}, nil, `"admin=0s": must be positive`},
		{"bad role duration env", nil, map[string]string{"VIGIL_ROLE_IDLE_TIMEOUT": "admin=soon"}, `VIGIL_ROLE_IDLE_TIMEOUT "admin=soon": invalid duration`},
		{"public path without slash", []string{"--upstream", "http://app", "--public-paths", "static"}, nil, `--public-paths "static": must be a clean path`},
		{"public path dot dot", []string{"--upstream", "http://app", "--public-paths", "/static/../admin"}, nil, "clean path"},
		{"public path root", []string{"--upstream", "http://app", "--public-paths", "/"}, nil, "whole upstream public"},
		{"public paths without upstream", []string{"--public-paths", "/static"}, nil, "--public-paths needs --upstream"},
		{"route prefix trailing slash", []string{"--route-prefix", "/vigil/"}, nil, `--route-prefix "/vigil/"`},
		{"route prefix no slash", []string{"--route-prefix", "vigil"}, nil, `--route-prefix "vigil"`},
		{"route prefix root", []string{"--route-prefix", "/"}, nil, `--route-prefix "/"`},
		{"route prefix pattern", []string{"--route-prefix", "/{x}"}, nil, `--route-prefix "/{x}"`},
		{"log format", []string{"--log-format", "xml"}, nil, `--log-format "xml": want one of text, json`},
		{"idle warning too long", []string{"--idle-warning", "30m"}, nil, "--idle-warning 30m must be shorter than --idle-timeout 30m"},
		{"idle warning from env", nil, map[string]string{"VIGIL_IDLE_WARNING": "1h", "VIGIL_IDLE_TIMEOUT": "45m"},
			"VIGIL_IDLE_WARNING 1h must be shorter than VIGIL_IDLE_TIMEOUT 45m"},
		{"idle warning zero", []string{"--idle-warning", "0s"}, nil, `--idle-warning "0s": must be positive`},
		{"idle warning vs role", []string{"--idle-warning", "2m", "--role-idle-timeout", "admin=90s"}, nil,
			"--idle-warning 2m must be shorter than the admin idle timeout 1m30s (--role-idle-timeout)"},
		{"negative shutdown grace", []string{"--shutdown-grace", "-1s"}, nil, `--shutdown-grace "-1s": must not be negative`},
		{"bad shutdown grace env", nil, map[string]string{"VIGIL_SHUTDOWN_GRACE": "soon"}, `VIGIL_SHUTDOWN_GRACE "soon": invalid duration`},
		{"device binding mode", []string{"--device-binding", "required"}, nil, `--device-binding "required": want one of off, optional`},
		{"device binding required while off", []string{"--device-binding", "off", "--device-binding-required", "admin"}, nil,
			"--device-binding-required needs --device-binding optional: --device-binding is off"},
		{"device binding required from env while off", nil, map[string]string{"VIGIL_DEVICE_BINDING": "off", "VIGIL_DEVICE_BINDING_REQUIRED": "admin"},
			"VIGIL_DEVICE_BINDING_REQUIRED needs --device-binding optional: VIGIL_DEVICE_BINDING is off"},
		{"device binding unknown role", []string{"--device-binding-required", "clinician,nurse"}, nil, `--device-binding-required "nurse": unknown role "nurse"`},
		{"device binding role twice", []string{"--device-binding-required", "admin,admin"}, nil, `"admin": given more than once`},
		{"device binding zero grace", []string{"--device-binding-grace", "0s"}, nil, `--device-binding-grace "0s": must be positive`},
		{"bound cookie too short", []string{"--device-binding-cookie-lifetime", "500ms"}, nil, `"500ms": must be between 1s and 24h`},
		{"bound cookie too long", []string{"--device-binding-cookie-lifetime", "25h"}, nil, `"25h": must be between 1s and 24h`},
		{"unknown flag", []string{"--idle", "5m"}, nil, "unknown flag --idle"},
		{"missing value", []string{"--addr"}, nil, "flag --addr needs a value"},
		{"positional", []string{"now"}, nil, `unexpected argument "now"`},
		{"bad syntax", []string{"---addr=:1"}, nil, "bad flag syntax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problems(t, tt.args, tt.env)
			if len(got) != 1 || !strings.Contains(got[0], tt.want) {
				t.Errorf("problems %q, want one containing %q", got, tt.want)
			}
		})
	}
}

func TestEveryProblemAtOnce(t *testing.T) {
	args := []string{"--idle-timeout", "abc", "--password-min-length", "4", "--bogus", "--trusted-proxies", "300.1.1.1"}
	vars := map[string]string{"VIGIL_LOG_FORMAT": "xml"}
	_, _, err := Load(args, env(vars))
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("Load = %v, want *Error", err)
	}
	want := []string{"unknown flag --bogus", "--idle-timeout", "--trusted-proxies", "--password-min-length", "VIGIL_LOG_FORMAT"}
	if len(ce.Problems) != len(want) {
		t.Fatalf("problems = %q, want %d", ce.Problems, len(want))
	}
	for i, w := range want {
		if !strings.Contains(ce.Problems[i], w) {
			t.Errorf("problem %d = %q, want it to name %q", i, ce.Problems[i], w)
		}
	}
	lines := strings.Split(err.Error(), "\n")
	if lines[0] != "invalid configuration:" || len(lines) != 1+len(want) {
		t.Errorf("Error() = %q, want a first line and one line per problem", err.Error())
	}
	for i, p := range ce.Problems {
		if !strings.HasSuffix(lines[i+1], p) {
			t.Errorf("line %d = %q, want problem %q", i+1, lines[i+1], p)
		}
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"--addr", ":1", "-help"}, {"--bogus", "--help"}} {
		if _, _, err := Load(args, nil); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("Load(%q) = %v, want flag.ErrHelp", args, err)
		}
	}
	var b bytes.Buffer
	Usage(&b)
	for _, want := range []string{"vigil serve", "--idle-timeout duration", "VIGIL_IDLE_TIMEOUT", "default 30m", "--dev ", "VIGIL_ROUTE_PREFIX",
		"--shutdown-grace duration", "VIGIL_SHUTDOWN_GRACE", "default 5s"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("Usage lacks %q:\n%s", want, b.String())
		}
	}
}

func TestPolicy(t *testing.T) {
	c := load(t, []string{"--lifetime", "48h", "--idle-timeout", "20m", "--role-idle-timeout", "clinician=15m",
		"--role-lifetime", "clinician=12h", "--max-sessions", "5", "--reauth-window", "5m"}, nil)
	p := c.Policy()
	want := vigil.Policy{
		Lifetime: 48 * time.Hour, IdleTimeout: 20 * time.Minute,
		RoleLifetime: map[vigil.Role]time.Duration{vigil.RoleClinician: 12 * time.Hour},
		RoleIdle:     map[vigil.Role]time.Duration{vigil.RoleClinician: 15 * time.Minute},
		MaxSessions:  5, ReauthWindow: 5 * time.Minute,
	}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("Policy = %+v, want %+v", p, want)
	}
	if l := p.For(vigil.RoleClinician); l.IdleTimeout != 15*time.Minute || l.Lifetime != 12*time.Hour {
		t.Errorf("clinician limits = %+v", l)
	}
	p.RoleIdle[vigil.RoleAdmin] = time.Minute
	if _, ok := c.RoleIdleTimeout[vigil.RoleAdmin]; ok {
		t.Error("changing the policy changed the config")
	}
}

func TestIsPostgres(t *testing.T) {
	for db, want := range map[string]bool{
		"postgres://u@h/db":   true,
		"postgresql://u@h/db": true,
		"POSTGRES://h/db":     true,
		"vigil.db":            false,
		"/var/lib/postgres":   false,
		"file:vigil.db":       false,
		"redis://h":           false,
		"":                    false,
	} {
		if got := IsPostgres(db); got != want {
			t.Errorf("IsPostgres(%q) = %v, want %v", db, got, want)
		}
	}
}

func FuzzLoad(f *testing.F) {
	f.Add("--idle-timeout 5m --role-idle-timeout clinician=3m", "admin=1m")
	f.Add("--public-url https://example.com/ --trusted-proxies 10.0.0.0/8,::1", "")
	f.Add("--upstream http://app --public-paths /static/,/x --route-prefix /v", "patient=1h")
	f.Add("x -- --dev --addr", "=")
	f.Fuzz(func(t *testing.T, args, roleEnv string) {
		c, _, err := Load(strings.Fields(args), env(map[string]string{"VIGIL_ROLE_IDLE_TIMEOUT": roleEnv}))
		var ce *Error
		switch {
		case errors.Is(err, flag.ErrHelp):
			return
		case errors.As(err, &ce):
			if c != nil || len(ce.Problems) == 0 {
				t.Fatalf("Load(%q) = %v and %v", args, c, err)
			}
			return
		case err != nil:
			t.Fatalf("Load(%q): unexpected error %v", args, err)
		}
		if c.IdleWarning <= 0 || c.IdleWarning >= c.IdleTimeout || c.Lifetime <= 0 || c.ShutdownGrace < 0 ||
			c.PasswordMinLength < 8 || c.PasswordMinLength > 256 || c.MaxSessions < 0 ||
			(c.Demo && !c.Dev) || (len(c.PublicPaths) > 0 && c.Upstream == nil) {
			t.Fatalf("Load(%q) accepted %+v", args, c)
		}
		for r, d := range c.RoleIdleTimeout {
			if c.IdleWarning >= d {
				t.Fatalf("Load(%q): idle warning %v not below %s idle %v", args, c.IdleWarning, r, d)
			}
		}
		if u := c.PublicURL; u != nil && (u.Path != "" || u.RawQuery != "" || u.User != nil) {
			t.Fatalf("Load(%q): public URL %v is not an origin", args, u)
		}
		for _, p := range c.TrustedProxies {
			if !p.IsValid() || p != p.Masked() {
				t.Fatalf("Load(%q): proxy prefix %v", args, p)
			}
		}
	})
}

// TestLoadPolicyReadsThePolicyAlone: the command line takes the policy
// from serve's environment twins and is not stopped by a serve-only
// setting serve would refuse; a bad policy setting is still refused.
func TestLoadPolicyReadsThePolicyAlone(t *testing.T) {
	c, err := LoadPolicy(env(map[string]string{
		"VIGIL_IDLE_TIMEOUT": "1m", "VIGIL_PASSWORD_MIN_LENGTH": "20", // policy: read
		"VIGIL_PUBLIC_PATHS": "/x", "VIGIL_ADDR": "nonsense", // serve-only, refused by serve: ignored
	}))
	if err != nil {
		t.Fatalf("LoadPolicy: %v", err)
	}
	if c.IdleTimeout != time.Minute || c.PasswordMinLength != 20 || c.Lifetime != 168*time.Hour {
		t.Errorf("policy = idle %v, min length %d, lifetime %v; want 1m, 20, 168h", c.IdleTimeout, c.PasswordMinLength, c.Lifetime)
	}
	_, err = LoadPolicy(env(map[string]string{"VIGIL_RESET_TOKEN_TTL": "soon"}))
	var ce *Error
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "VIGIL_RESET_TOKEN_TTL") {
		t.Errorf("LoadPolicy with a bad policy setting = %v, want an *Error naming it", err)
	}
}
