package config

import (
	"fmt"
	"math"
	"net"
	"net/netip"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auditlog"
)

// option is one serve flag: its name, the placeholder shown in the usage
// ("" for a boolean), its default as text ("" for none), what it means, and
// how to parse a value into the Config it was built for.
type option struct {
	name, arg, def, usage string
	parse                 func(s string) []problem
}

// options lists the serve flags in the order of SPEC §1, each parsing into
// its field of c.
func options(c *Config) []option {
	return []option{
		{"addr", "host:port", "127.0.0.1:8080", "listen address", hostPort(&c.Addr)},
		{"db", "path|url", "vigil.db", "SQLite path, or a postgres:// URL", database(&c.DB)},
		{"redis", "url", "", "redis:// or rediss:// URL: shared cache and revocation fan-out", redisURL(&c.Redis)},
		{"lifetime", "duration", "168h", "absolute session lifetime, counted from login, never extended", positive(&c.Lifetime)},
		{"idle-timeout", "duration", "30m", "inactivity timeout", positive(&c.IdleTimeout)},
		{"idle-warning", "duration", "2m", "how long before the idle timeout the pages warn (by default at most half the shortest idle timeout)", positive(&c.IdleWarning)},
		{"dev", "", "false", "plain-HTTP development: cookie vigil_session without Secure", boolean(&c.Dev)},
		{"demo", "", "false", "implies --dev; creates demo users and prints their passwords once", boolean(&c.Demo)},
		{"public-url", "url", "", "the external origin, scheme://host[:port], for Origin checks and links", origin(&c.PublicURL)},
		{"trusted-proxies", "cidrs", "", "comma-separated CIDRs (or IPs) whose X-Forwarded-* headers are believed", prefixes(&c.TrustedProxies)},
		{"password-min-length", "n", "15", "minimum password length, 8..256 (NIST 800-63B rev. 4)", intRange(&c.PasswordMinLength, 8, 256)},
		{"reset-token-ttl", "duration", "30m", "lifetime of admin-issued password-reset tokens", positive(&c.ResetTokenTTL)},
		{"role-idle-timeout", "role=duration,...", "", "per-role idle timeout, e.g. clinician=15m,admin=10m", roleDurations(&c.RoleIdleTimeout)},
		{"role-lifetime", "role=duration,...", "", "per-role lifetime, e.g. clinician=12h,admin=12h", roleDurations(&c.RoleLifetime)},
		{"max-sessions", "n", "0", "sessions per user (0: no limit); a login beyond it revokes the oldest", intRange(&c.MaxSessions, 0, math.MaxInt)},
		{"reauth-window", "duration", "10m", "admin changes need a password entered this recently", positive(&c.ReauthWindow)},
		{"metrics-addr", "host:port", "", "separate listener for GET /metrics (Prometheus)", hostPort(&c.MetricsAddr)},
		{"upstream", "url", "", "reverse-proxy mode: the http(s) app to put behind vigil", upstream(&c.Upstream)},
		{"public-paths", "paths", "", "with --upstream: comma-separated path prefixes served without a session", publicPaths(&c.PublicPaths)},
		{"route-prefix", "path", "", "moves all of vigil's own routes under this prefix, e.g. /vigil", routePrefix(&c.RoutePrefix)},
		{"log-format", "text|json", "text", "log format: text or json", oneOf(&c.LogFormat, "text", "json")},
		{"session-cache", "n", "100000", "sessions kept in memory per instance (about 650 bytes of heap each; 0: no cache)", intRange(&c.SessionCache, 0, 100_000_000)},
		{"shutdown-grace", "duration", "5s", "drain on SIGTERM: /readyz answers 503 while requests are still served this long, then the listener closes (0 with --dev unless set)", nonNegative(&c.ShutdownGrace)},
		{"device-binding", "off|optional", "optional", "device-bound sessions (DBSC): optional offers binding at every browser sign-in and enforces it once a session is bound; off neither", oneOf(&c.DeviceBinding, "off", "optional")},
		{"device-binding-required", "roles", "", "roles whose sessions must bind within the grace, else are revoked (for managed Chrome fleets), e.g. clinician,admin", roleList(&c.DeviceBindingRequired)},
		{"device-binding-grace", "duration", "60s", "how long a session of a required role may stay unbound", positive(&c.DeviceBindingGrace)},
		{"device-binding-cookie-lifetime", "duration", "10m", "how long a bound cookie is accepted before the browser renews it with its key, 1s..24h", durationRange(&c.DeviceBindingCookieLifetime, time.Second, 24*time.Hour)},
		{"secret-key-file", "path", "", "key file sealing authenticator-app (TOTP) secrets at rest: one 'id base64key' a line, mode 0600; the first key seals, every key opens", filePath(&c.SecretKeyFile)},
		{"require-mfa", "roles", "", "roles whose users must sign in with a second factor (enrolling one at their next sign-in), e.g. clinician,admin; needs --secret-key-file", roleList(&c.RequireMFA)},
		{"identity-headers", "families", "remote", "identity headers sent by forward auth and the proxy: remote (Remote-User, -Role, -Clinician-Id, -Session-Id, -Name, -Email, -Groups) or remote,oauth2-proxy (also X-Auth-Request-User, -Email, -Groups, -Preferred-Username)", identityHeaders(&c.IdentityHeaders)},
		{"brand", "name", "", "the clinic's name shown in page titles and the header in place of vigil (at most 64 visible characters)", brand(&c.Brand)},
		{"audit-key-file", "path", "", "the Ed25519 key (vigil audit keygen) that signs the audit chain's checkpoints; none: checkpoints unsigned", filePath(&c.AuditKeyFile)},
		{"audit-retention", "duration", "0", "delete audit events older than this, whole verified segments only (0: keep every event; else at least 24h)", retention(&c.AuditRetention)},
		{"audit-stream", "target", "", "also send every new audit event to a SIEM: stdout (JSON lines) or RFC 5424 syslog at syslog+udp://host:port or syslog+tcp://host:port", auditStream(&c.AuditStream)},
		{"webhook-url", "url", "", "an endpoint that receives signed webhooks (session.revoked, user.password_changed, ...); give it again for more (environment: separated by spaces); https unless --dev or loopback", webhookURLs(&c.WebhookURLs)},
		{"webhook-secret-file", "path", "", "the webhook signing secrets: one whsec_ secret a line, mode 0600; every line signs (Standard Webhooks), so a new secret can be added before the old one is removed", filePath(&c.WebhookSecretFile)},
	}
}

// auditStream reads --audit-stream (auditlog.ParseStreamTarget).
func auditStream(dst *string) func(string) []problem {
	return func(s string) []problem {
		if _, err := auditlog.ParseStreamTarget(s); err != nil {
			return fail(s, strings.TrimPrefix(err.Error(), strconv.Quote(s)+": "))
		}
		*dst = s
		return nil
	}
}

// retention is 0 (keep everything) or a duration of a day or more: a
// shorter one would delete the trail of what happened yesterday.
func retention(dst *time.Duration) func(string) []problem {
	return func(s string) []problem {
		d, err := time.ParseDuration(s)
		switch {
		case err != nil:
			return fail(s, "invalid duration (want Go syntax such as 52560h for six years)")
		case d != 0 && d < 24*time.Hour:
			return fail(s, "must be 0 (keep every event) or at least 24h")
		}
		*dst = d
		return nil
	}
}

// fail reports the whole value s as wrong, or nothing when reason is "".
func fail(s, reason string) []problem {
	if reason == "" {
		return nil
	}
	return []problem{{s, reason}}
}

func positive(dst *time.Duration) func(string) []problem {
	return func(s string) []problem {
		d, reason := positiveDuration(s)
		*dst = d
		return fail(s, reason)
	}
}

func nonNegative(dst *time.Duration) func(string) []problem {
	return func(s string) []problem {
		d, err := time.ParseDuration(s)
		switch {
		case err != nil:
			return fail(s, "invalid duration (want Go syntax such as 5s or 1m)")
		case d < 0:
			return fail(s, "must not be negative")
		}
		*dst = d
		return nil
	}
}

func boolean(dst *bool) func(string) []problem {
	return func(s string) []problem {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fail(s, "invalid boolean (want true or false)")
		}
		*dst = b
		return nil
	}
}

func intRange(dst *int, lo, hi int) func(string) []problem {
	return func(s string) []problem {
		n, err := strconv.Atoi(s)
		switch {
		case err != nil:
			return fail(s, "invalid integer")
		case hi == math.MaxInt && n < lo:
			return fail(s, fmt.Sprintf("must be %d or more", lo))
		case n < lo || n > hi:
			return fail(s, fmt.Sprintf("must be between %d and %d", lo, hi))
		}
		*dst = n
		return nil
	}
}

func oneOf(dst *string, allowed ...string) func(string) []problem {
	return func(s string) []problem {
		for _, a := range allowed {
			if s == a {
				*dst = s
				return nil
			}
		}
		return fail(s, "want one of "+strings.Join(allowed, ", "))
	}
}

func hostPort(dst *string) func(string) []problem {
	return func(s string) []problem {
		host, port, err := net.SplitHostPort(s)
		if err != nil {
			return fail(s, "want host:port")
		}
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return fail(s, "port must be a number from 0 to 65535")
		}
		if strings.ContainsAny(host, " \t/?#@") {
			return fail(s, "invalid host")
		}
		*dst = s
		return nil
	}
}

func database(dst *string) func(string) []problem {
	return func(s string) []problem {
		switch {
		case s == "":
			return fail(s, "want a SQLite path or a postgres:// URL")
		case IsPostgres(s):
			if _, err := url.Parse(s); err != nil {
				return fail(s, "invalid PostgreSQL URL")
			}
		case strings.Contains(s, "://"):
			return fail(s, "unsupported URL scheme (want a SQLite path or a postgres:// URL)")
		}
		*dst = s
		return nil
	}
}

func redisURL(dst *string) func(string) []problem {
	return func(s string) []problem {
		u, err := url.Parse(s)
		switch {
		case err != nil:
			return fail(s, "not a URL")
		case u.Scheme != "redis" && u.Scheme != "rediss":
			return fail(s, "want a redis:// or rediss:// URL")
		case u.Host == "":
			return fail(s, "missing host")
		}
		*dst = s
		return nil
	}
}

// origin accepts scheme://host[:port] with an optional "/" and keeps it
// normalised: lower-case, without the "/". Origin checks compare whole
// origins (RFC 6454), so anything else in the URL would be a mistake.
func origin(dst **url.URL) func(string) []problem {
	return func(s string) []problem {
		u, reason := httpURL(s)
		switch {
		case reason != "":
		case u.Path != "" && u.Path != "/":
			reason = "must be an origin without a path (scheme://host[:port])"
		case strings.ContainsAny(s, "?#"):
			reason = "must be an origin without a query or fragment"
		}
		if reason != "" {
			return fail(s, reason)
		}
		*dst = &url.URL{Scheme: u.Scheme, Host: strings.ToLower(u.Host)}
		return nil
	}
}

func upstream(dst **url.URL) func(string) []problem {
	return func(s string) []problem {
		u, reason := httpURL(s)
		if reason == "" && strings.Contains(s, "#") {
			reason = "must not have a fragment"
		}
		if reason != "" {
			return fail(s, reason)
		}
		*dst = u
		return nil
	}
}

// httpURL parses an absolute http(s) URL with a host and no userinfo.
func httpURL(s string) (*url.URL, string) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return nil, "not a URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, "want an http:// or https:// URL"
	case u.Opaque != "" || u.Hostname() == "":
		return nil, "missing host"
	case u.User != nil:
		return nil, "must not contain a user name or password"
	case strings.HasSuffix(u.Host, ":"):
		return nil, "empty port"
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.ParseUint(p, 10, 16); err != nil || n == 0 {
			return nil, "port must be a number from 1 to 65535"
		}
	}
	return u, ""
}

// prefixes parses comma-separated CIDRs; a bare address is its own /32 or
// /128. Host bits are cleared, so 10.1.2.3/8 means 10.0.0.0/8.
func prefixes(dst *[]netip.Prefix) func(string) []problem {
	return func(s string) []problem {
		var out []netip.Prefix
		var problems []problem
		for _, e := range splitList(s) {
			p, err := parsePrefix(e)
			if err != nil {
				problems = append(problems, problem{e, "not an IP address or CIDR"})
				continue
			}
			out = append(out, p.Masked())
		}
		*dst = out
		return problems
	}
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		return netip.ParsePrefix(s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if a.Zone() != "" { // a zone is local to one host, never a peer address
		return netip.Prefix{}, fmt.Errorf("zone not allowed")
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func roleDurations(dst *map[vigil.Role]time.Duration) func(string) []problem {
	return func(s string) []problem {
		m, problems := parseRoleDurations(s)
		*dst = m
		return problems
	}
}

func publicPaths(dst *[]string) func(string) []problem {
	return func(s string) []problem {
		var out []string
		var problems []problem
		for _, p := range splitList(s) {
			switch {
			case !cleanPath(p) || strings.ContainsAny(p, "?# \t"):
				problems = append(problems, problem{p, `must be a clean path starting with "/"`})
			case p == "/":
				// A public "/" would serve the whole app without a session.
				problems = append(problems, problem{p, "would make the whole upstream public"})
			default:
				out = append(out, p)
			}
		}
		*dst = out
		return problems
	}
}

// routePrefix accepts "/name[/name...]" of URL-safe characters without a
// trailing slash; the prefix goes into http.ServeMux patterns, where
// characters such as "{" would have a meaning of their own.
func routePrefix(dst *string) func(string) []problem {
	return func(s string) []problem {
		ok := cleanPath(s) && s != "/" && !strings.HasSuffix(s, "/")
		for _, r := range s {
			ok = ok && (r < 128 && (r == '/' || r == '-' || r == '.' || r == '_' || r == '~' ||
				'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'))
		}
		if !ok {
			return fail(s, `want "/name" without a trailing slash (letters, digits, "-", ".", "_", "~")`)
		}
		*dst = s
		return nil
	}
}

// cleanPath reports whether p starts with "/" and has no empty, "." or ".."
// segments; a trailing slash is allowed.
func cleanPath(p string) bool {
	if !strings.HasPrefix(p, "/") {
		return false
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c == p
}

// splitList splits a comma-separated list, trimming spaces and dropping
// empty elements.
func splitList(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// durationRange parses a duration from lo to hi.
func durationRange(dst *time.Duration, lo, hi time.Duration) func(string) []problem {
	return func(s string) []problem {
		d, reason := positiveDuration(s)
		if reason == "" && (d < lo || d > hi) {
			reason = fmt.Sprintf("must be between %s and %s", short(lo), short(hi))
		}
		*dst = d
		return fail(s, reason)
	}
}

// roleList parses comma-separated roles, each known and given once.
func roleList(dst *[]vigil.Role) func(string) []problem {
	return func(s string) []problem {
		var out []vigil.Role
		var problems []problem
		for _, name := range splitList(s) {
			role, err := vigil.ParseRole(name)
			switch {
			case err != nil:
				problems = append(problems, problem{name, err.Error()})
			case slices.Contains(out, role):
				problems = append(problems, problem{name, "given more than once"})
			default:
				out = append(out, role)
			}
		}
		*dst = out
		return problems
	}
}

// filePath sets a path that must not be empty; the file itself is read
// at start (a missing or unreadable one stops it, naming the path).
func filePath(dst *string) func(string) []problem {
	return func(s string) []problem {
		if strings.TrimSpace(s) == "" {
			return fail(s, "want a file path")
		}
		*dst = s
		return nil
	}
}
