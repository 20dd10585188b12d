package config

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/vigilhttp"
)

// Config is the validated configuration of `vigil serve` (SPEC §1). Optional
// settings that were not given are zero: "", nil, or an empty map.
type Config struct {
	Addr              string                       // --addr: listen host:port
	DB                string                       // --db: SQLite path or postgres:// URL
	Redis             string                       // --redis: redis:// or rediss:// URL, optional
	Lifetime          time.Duration                // --lifetime: absolute session lifetime
	IdleTimeout       time.Duration                // --idle-timeout: inactivity timeout
	IdleWarning       time.Duration                // --idle-warning: how long before the idle timeout pages warn
	Dev               bool                         // --dev: plain-HTTP development (true whenever Demo is)
	Demo              bool                         // --demo: demo users; implies Dev
	PublicURL         *url.URL                     // --public-url: the external origin, scheme://host[:port]
	TrustedProxies    []netip.Prefix               // --trusted-proxies: masked prefixes
	PasswordMinLength int                          // --password-min-length: 8..256
	ResetTokenTTL     time.Duration                // --reset-token-ttl
	RoleIdleTimeout   map[vigil.Role]time.Duration // --role-idle-timeout overrides
	RoleLifetime      map[vigil.Role]time.Duration // --role-lifetime overrides
	MaxSessions       int                          // --max-sessions: per user, 0 is no limit
	ReauthWindow      time.Duration                // --reauth-window
	MetricsAddr       string                       // --metrics-addr: host:port, optional
	Upstream          *url.URL                     // --upstream: http(s) app behind vigil, optional
	PublicPaths       []string                     // --public-paths: prefixes starting with "/"
	RoutePrefix       string                       // --route-prefix: "" or "/name" without trailing slash
	LogFormat         string                       // --log-format: "text" or "json"
	SessionCache      int                          // --session-cache: sessions kept in memory per instance (0: no cache)
	ShutdownGrace     time.Duration                // --shutdown-grace: how long to drain on the stop signal (0 with Dev unless given)
	// Device-bound sessions (DBSC).
	DeviceBinding               string        // --device-binding: "off" or "optional"
	DeviceBindingRequired       []vigil.Role  // --device-binding-required: roles whose sessions must bind
	DeviceBindingGrace          time.Duration // --device-binding-grace: how long such a session may stay unbound
	DeviceBindingCookieLifetime time.Duration // --device-binding-cookie-lifetime: how long a bound cookie is accepted
	// Multi-factor sign-in.
	SecretKeyFile string       // --secret-key-file: the keys that seal TOTP secrets ("": no authenticator apps)
	RequireMFA    []vigil.Role // --require-mfa: roles whose users must sign in with a second factor
	// Adoption.
	IdentityHeaders vigilhttp.IdentityHeaders // --identity-headers: the identity header families sent upstream
	Brand           string                    // --brand: the clinic's name in page titles and the header ("": vigil)
	// The audit chain.
	AuditKeyFile   string        // --audit-key-file: the key that signs checkpoints ("": unsigned)
	AuditRetention time.Duration // --audit-retention: 0 keeps every event
	AuditStream    string        // --audit-stream: stdout, syslog+udp://host:port or syslog+tcp://host:port ("": none)
	// Webhooks.
	WebhookURLs       []*url.URL // --webhook-url (repeatable): the endpoints every webhook goes to
	WebhookSecretFile string     // --webhook-secret-file: the whsec_ secrets that sign them
}

// Load parses the flags of `vigil serve` (args are what follows "serve") and
// their environment twins read through getenv (nil means an empty
// environment). A flag wins over its twin, a twin over the default; an empty
// variable counts as unset. It returns the positional arguments too, which
// serve does not take: any of them is a problem.
//
// It returns flag.ErrHelp for -h or --help (print Usage then), and otherwise
// either a valid Config or an *Error listing every problem found, never
// just the first.
func Load(args []string, getenv func(string) string) (*Config, []string, error) {
	return loadOnly(args, getenv, nil)
}

// policyOptions are the settings of the session and password policy: the
// command line applies them too (LoadPolicy).
var policyOptions = map[string]bool{
	"lifetime": true, "idle-timeout": true, "role-lifetime": true, "role-idle-timeout": true,
	"max-sessions": true, "reauth-window": true, "password-min-length": true, "reset-token-ttl": true,
	"require-mfa": true,
}

// LoadPolicy reads the policy settings alone from serve's environment
// twins (VIGIL_IDLE_TIMEOUT, VIGIL_PASSWORD_MIN_LENGTH...), so that the
// command line applies the policy of the server beside it. The other
// settings are neither read nor checked: a serve-only variable that
// serve would refuse does not stop the command line. It returns an *Error
// listing every problem with the policy settings.
func LoadPolicy(getenv func(string) string) (*Config, error) {
	c, _, err := loadOnly(nil, getenv, policyOptions)
	return c, err
}

// loadOnly is Load; with only set, just those options are read and checked,
// and the settings that depend on others are left alone.
func loadOnly(args []string, getenv func(string) string, only map[string]bool) (*Config, []string, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	c := &Config{}
	opts := options(c)
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	raw := make([]rawValue, len(opts))
	for i, o := range opts {
		raw[i].boolean = o.arg == ""
		raw[i].repeat = repeatable[o.name]
		fs.Var(&raw[i], o.name, o.usage)
	}
	pos, problems, help := scan(fs, args)
	if help {
		return nil, pos, flag.ErrHelp
	}
	for _, p := range pos {
		problems = append(problems, fmt.Sprintf("unexpected argument %q: serve takes no arguments", p))
	}
	set := setFlags(fs)
	src := map[string]string{} // flag name -> where its value came from
	failed := map[string]bool{}
	given := map[string]bool{} // set by a flag or the environment, not a default
	for i, o := range opts {
		if only != nil && !only[o.name] {
			continue
		}
		v, from := o.def, "--"+o.name
		if set[o.name] {
			v, given[o.name] = raw[i].s, true
		} else if e := getenv(EnvName(o.name)); e != "" {
			v, from, given[o.name] = e, EnvName(o.name), true
		}
		src[o.name] = from
		if v == "" && o.def == "" {
			continue // optional and not given
		}
		for _, p := range o.parse(v) {
			problems = append(problems, fmt.Sprintf("%s %q: %s", from, p.value, p.reason))
			failed[o.name] = true
		}
	}
	if only == nil {
		problems = append(problems, c.crossCheck(src, failed, given)...)
	}
	if len(problems) > 0 {
		return nil, pos, &Error{Problems: problems}
	}
	return c, pos, nil
}

// crossCheck finishes the settings that depend on each other and reports
// the conflicts, skipping any setting whose own value was already refused.
func (c *Config) crossCheck(src map[string]string, failed, given map[string]bool) []string {
	var problems []string
	if c.Demo {
		c.Dev = true
	}
	if c.Dev && !given["shutdown-grace"] {
		c.ShutdownGrace = 0 // no load balancer to drain from: stop at once
	}
	if !given["idle-warning"] && !failed["idle-timeout"] {
		// The default warning (2m) fits any idle timeout: with a shorter
		// one, it is half the shortest (global or a role's).
		shortest := c.IdleTimeout
		for _, d := range c.RoleIdleTimeout {
			shortest = min(shortest, d)
		}
		c.IdleWarning = min(c.IdleWarning, shortest/2)
	}
	if len(c.PublicPaths) > 0 && c.Upstream == nil && !failed["upstream"] {
		problems = append(problems, src["public-paths"]+" needs --upstream: public paths apply only in reverse-proxy mode")
	}
	if !failed["idle-warning"] && !failed["idle-timeout"] && c.IdleWarning >= c.IdleTimeout {
		problems = append(problems, fmt.Sprintf("%s %s must be shorter than %s %s",
			src["idle-warning"], short(c.IdleWarning), src["idle-timeout"], short(c.IdleTimeout)))
	}
	for _, r := range vigil.Roles {
		if d, ok := c.RoleIdleTimeout[r]; ok && !failed["idle-warning"] && c.IdleWarning >= d {
			problems = append(problems, fmt.Sprintf("%s %s must be shorter than the %s idle timeout %s (%s)",
				src["idle-warning"], short(c.IdleWarning), r, short(d), src["role-idle-timeout"]))
		}
	}
	if len(c.DeviceBindingRequired) > 0 && c.DeviceBinding == "off" && !failed["device-binding"] {
		problems = append(problems, src["device-binding-required"]+" needs --device-binding optional: "+
			src["device-binding"]+" is off, so no session could bind")
	}
	if len(c.RequireMFA) > 0 && c.SecretKeyFile == "" && !failed["require-mfa"] {
		problems = append(problems, src["require-mfa"]+" needs --secret-key-file: without it no second factor can be enrolled")
	}
	problems = append(problems, c.webhookProblems(src, failed)...)
	if c.MetricsAddr != "" && c.MetricsAddr == c.Addr {
		if _, port, _ := net.SplitHostPort(c.Addr); port != "0" {
			problems = append(problems, fmt.Sprintf("%s %q must differ from %s", src["metrics-addr"], c.MetricsAddr, src["addr"]))
		}
	}
	return problems
}

// Policy returns the session policy the configuration sets. The maps are
// copies, so changing them does not change c.
func (c *Config) Policy() vigil.Policy {
	return vigil.Policy{
		Lifetime:     c.Lifetime,
		IdleTimeout:  c.IdleTimeout,
		RoleLifetime: maps.Clone(c.RoleLifetime),
		RoleIdle:     maps.Clone(c.RoleIdleTimeout),
		MaxSessions:  c.MaxSessions,
		ReauthWindow: c.ReauthWindow,
	}
}

// IsPostgres reports whether db, a --db value, names PostgreSQL: a
// postgres:// or postgresql:// URL (scheme in any case).
func IsPostgres(db string) bool {
	scheme, _, ok := strings.Cut(db, "://")
	return ok && (strings.EqualFold(scheme, "postgres") || strings.EqualFold(scheme, "postgresql"))
}

// FlagNames returns the names of serve's flags, without dashes, in the
// order Load defines them; each has the environment twin EnvName(name).
func FlagNames() []string {
	opts := options(&Config{})
	names := make([]string, len(opts))
	for i, o := range opts {
		names[i] = o.name
	}
	return names
}

// Usage writes the help of `vigil serve` to w: every flag with its
// environment twin, default and meaning.
func Usage(w io.Writer) {
	fmt.Fprint(w, "Usage: vigil serve [flags]\n\n"+
		"Every flag has an environment twin (--idle-timeout: VIGIL_IDLE_TIMEOUT);\n"+
		"a flag wins over its twin. Durations use Go syntax (30m, 168h).\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, o := range options(&Config{}) {
		flagText, def := "--"+o.name, ""
		if o.arg != "" {
			flagText += " " + o.arg
		}
		if o.def != "" && o.arg != "" {
			def = " (default " + o.def + ")"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s%s\n", flagText, EnvName(o.name), o.usage, def)
	}
	tw.Flush()
}

// short formats d without zero units: 2m rather than 2m0s.
func short(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// rawValue keeps a serve flag's text as given; Load parses it afterwards so
// that it can report every bad value, not only the first.
type rawValue struct {
	s       string
	boolean bool
	repeat  bool // a repeatable flag: each value is added on a line of its own
}

func (v *rawValue) String() string { return v.s }
func (v *rawValue) Set(s string) error {
	if v.repeat && v.s != "" {
		s = v.s + "\n" + s
	}
	v.s = s
	return nil
}
func (v *rawValue) IsBoolFlag() bool { return v.boolean }
