package dbsc

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Config is the session-config JSON the server answers registration and
// refresh with (the draft's "JSON session instructions").
type Config struct {
	SessionIdentifier string       `json:"session_identifier"`
	RefreshURL        string       `json:"refresh_url"`
	Scope             Scope        `json:"scope"`
	Credentials       []Credential `json:"credentials"`
	// Continue false ends the session (Chromium deletes it); nil is true.
	Continue *bool `json:"continue,omitempty"`
	// AllowedRefreshInitiators are host patterns outside the scope allowed
	// to trigger a refresh ("example.com", "*.example.com").
	AllowedRefreshInitiators []string `json:"allowed_refresh_initiators,omitempty"`
}

// Scope is the set of URLs a session covers.
type Scope struct {
	Origin             string      `json:"origin"` // exactly the page's origin, no path, no trailing slash
	IncludeSite        bool        `json:"include_site"`
	ScopeSpecification []ScopeRule `json:"scope_specification,omitempty"`
}

// ScopeRule includes or excludes URLs by host pattern and path prefix.
type ScopeRule struct {
	Type   string `json:"type"`   // "include" or "exclude"
	Domain string `json:"domain"` // a host or "*.example.com" or "*"
	Path   string `json:"path"`   // a path prefix, "/" for all
}

// Credential names a cookie the session keeps fresh.
type Credential struct {
	Type       string `json:"type"` // "cookie"
	Name       string `json:"name"`
	Attributes string `json:"attributes"` // Domain, Path, Secure, HttpOnly, SameSite only
}

// ErrConfig wraps every reason Chromium would refuse a session config.
var ErrConfig = errors.New("dbsc: session config refused")

// ErrEnded is returned by ParseConfig for a config with "continue": false.
var ErrEnded = errors.New("dbsc: session ended by the server")

// rawConfig keeps presence: Chromium requires some members, and a member of
// the wrong JSON type fails the parse.
type rawConfig struct {
	SessionIdentifier *string `json:"session_identifier"`
	RefreshURL        *string `json:"refresh_url"`
	Continue          *bool   `json:"continue"`
	Scope             *struct {
		Origin             *string `json:"origin"`
		IncludeSite        *bool   `json:"include_site"`
		ScopeSpecification []struct {
			Type   *string `json:"type"`
			Domain *string `json:"domain"`
			Path   *string `json:"path"`
		} `json:"scope_specification"`
	} `json:"scope"`
	Credentials []struct {
		Type       *string `json:"type"`
		Name       *string `json:"name"`
		Attributes *string `json:"attributes"`
	} `json:"credentials"`
	AllowedRefreshInitiators []string `json:"allowed_refresh_initiators"`
}

// ParseConfig reads a session config as Chromium does: session_identifier
// non-empty, "continue": false is ErrEnded, scope present with a boolean
// include_site, rules with type include/exclude (domain defaults to "*",
// path to "/", neither empty), at least one credential of type cookie with
// a name. It does not check URLs and origins: see Check.
func ParseConfig(body []byte) (Config, error) {
	var r rawConfig
	if err := json.Unmarshal(body, &r); err != nil {
		return Config{}, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	if r.SessionIdentifier == nil || *r.SessionIdentifier == "" {
		return Config{}, fmt.Errorf("%w: no session_identifier", ErrConfig)
	}
	c := Config{SessionIdentifier: *r.SessionIdentifier, Continue: r.Continue, AllowedRefreshInitiators: r.AllowedRefreshInitiators}
	if r.Continue != nil && !*r.Continue {
		return c, ErrEnded
	}
	if r.Scope == nil {
		return Config{}, fmt.Errorf("%w: no scope", ErrConfig)
	}
	if r.Scope.IncludeSite == nil {
		return Config{}, fmt.Errorf("%w: scope has no include_site", ErrConfig)
	}
	c.Scope.IncludeSite = *r.Scope.IncludeSite
	if r.Scope.Origin != nil {
		c.Scope.Origin = *r.Scope.Origin
	}
	for _, s := range r.Scope.ScopeSpecification {
		rule := ScopeRule{Domain: "*", Path: "/"}
		if s.Type == nil || (*s.Type != "include" && *s.Type != "exclude") {
			return Config{}, fmt.Errorf("%w: scope rule type must be include or exclude", ErrConfig)
		}
		rule.Type = *s.Type
		if s.Domain != nil {
			rule.Domain = *s.Domain
		}
		if s.Path != nil {
			rule.Path = *s.Path
		}
		if rule.Domain == "" || rule.Path == "" {
			return Config{}, fmt.Errorf("%w: scope rule with an empty domain or path", ErrConfig)
		}
		c.Scope.ScopeSpecification = append(c.Scope.ScopeSpecification, rule)
	}
	if r.RefreshURL != nil {
		c.RefreshURL = *r.RefreshURL
	}
	for _, cr := range r.Credentials {
		if cr.Type == nil || *cr.Type != "cookie" {
			return Config{}, fmt.Errorf("%w: credential type must be cookie", ErrConfig)
		}
		if cr.Name == nil || *cr.Name == "" {
			return Config{}, fmt.Errorf("%w: credential without a name", ErrConfig)
		}
		cred := Credential{Type: "cookie", Name: *cr.Name}
		if cr.Attributes != nil {
			cred.Attributes = *cr.Attributes
		}
		c.Credentials = append(c.Credentials, cred)
	}
	if len(c.Credentials) == 0 {
		return Config{}, fmt.Errorf("%w: no credentials", ErrConfig)
	}
	return c, nil
}

// Check applies Chromium's checks that need the URL the config came from
// (the registration or refresh URL): the scope origin, if given, is a bare
// origin (no path, no trailing slash) of the same site; include_site only
// for an origin that is its own site; the refresh URL resolves to https or
// loopback on the same site; each credential's attributes are only Domain,
// Path, Secure, HttpOnly and SameSite, with a Domain the URL may set.
// It returns the scope origin and the resolved refresh URL.
func (c Config) Check(from *url.URL) (origin, refresh *url.URL, err error) {
	bad := func(format string, a ...any) (*url.URL, *url.URL, error) {
		return nil, nil, fmt.Errorf("%w: "+format, append([]any{ErrConfig}, a...)...)
	}
	origin = &url.URL{Scheme: from.Scheme, Host: from.Host}
	if c.Scope.Origin != "" {
		o, err := url.Parse(strings.TrimSpace(c.Scope.Origin))
		if err != nil || o.Scheme == "" || o.Host == "" || o.Opaque != "" || o.User != nil {
			return bad("scope origin %q is not an origin", c.Scope.Origin)
		}
		if (o.Path != "" && o.Path != "/") || strings.HasSuffix(strings.TrimSpace(c.Scope.Origin), "/") || o.RawQuery != "" || o.Fragment != "" {
			return bad("scope origin %q has a path (no trailing slash either)", c.Scope.Origin)
		}
		origin = &url.URL{Scheme: strings.ToLower(o.Scheme), Host: strings.ToLower(o.Host)}
	}
	if !SameSite(origin, from) {
		return bad("scope origin %s is not same-site with %s", origin, from)
	}
	if c.Scope.IncludeSite && Site(origin.Hostname()) != strings.ToLower(origin.Hostname()) {
		return bad("include_site needs an origin whose host is its site")
	}
	for _, r := range c.Scope.ScopeSpecification {
		if !strings.HasPrefix(r.Path, "/") {
			return bad("scope rule path %q does not start with /", r.Path)
		}
	}
	refresh = from
	if c.RefreshURL != "" {
		unescaped, err := url.PathUnescape(c.RefreshURL)
		if err != nil {
			unescaped = c.RefreshURL
		}
		ref, err := url.Parse(unescaped)
		if err != nil {
			return bad("refresh_url %q", c.RefreshURL)
		}
		refresh = from.ResolveReference(ref)
	}
	if !IsSecure(refresh) {
		return bad("refresh_url %s is neither https nor loopback", refresh)
	}
	if !SameSite(refresh, from) {
		return bad("refresh_url %s is not same-site with %s", refresh, from)
	}
	for _, cr := range c.Credentials {
		if _, err := ParseAttributes(cr.Attributes, from); err != nil {
			return nil, nil, err
		}
	}
	return origin, refresh, nil
}

// CookieAttributes are a credential's attributes as Chromium reads them
// (its "cookie craving"): the cookie that satisfies the credential must
// have the same ones.
type CookieAttributes struct {
	Domain   string // lower case, without a leading dot; empty for a host-only cookie
	Path     string // "/" when not given
	Secure   bool
	HttpOnly bool
	SameSite string // "", "strict", "lax" or "none"
}

// ParseAttributes reads a credential's attributes string ("Path=/; Secure;
// HttpOnly; SameSite=Lax"), for a config received from u. Max-Age, Expires,
// Partitioned and any other attribute are refused (Chromium refuses them).
func ParseAttributes(attrs string, u *url.URL) (CookieAttributes, error) {
	a := CookieAttributes{Path: "/"}
	for _, part := range strings.Split(attrs, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, val, _ := strings.Cut(part, "=")
		name, val = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(val)
		switch name {
		case "domain":
			a.Domain = strings.ToLower(strings.TrimPrefix(val, "."))
		case "path":
			if strings.HasPrefix(val, "/") {
				a.Path = val
			}
		case "secure":
			a.Secure = true
		case "httponly":
			a.HttpOnly = true
		case "samesite":
			switch v := strings.ToLower(val); v {
			case "strict", "lax", "none":
				a.SameSite = v
			}
		default:
			return a, fmt.Errorf("%w: credential attribute %q not permitted", ErrConfig, name)
		}
	}
	host := strings.ToLower(u.Hostname())
	if a.Domain != "" {
		if net.ParseIP(host) != nil && a.Domain != host {
			return a, fmt.Errorf("%w: credential domain %q on an IP host", ErrConfig, a.Domain)
		}
		if a.Domain != host && !strings.HasSuffix(host, "."+a.Domain) {
			return a, fmt.Errorf("%w: credential domain %q does not cover %s", ErrConfig, a.Domain, host)
		}
		if a.Domain == host && net.ParseIP(host) != nil {
			a.Domain = "" // an IP's Domain attribute makes a host-only cookie
		}
	}
	return a, nil
}

// IsSecure reports whether u is https, or http on a loopback host
// (localhost, 127.0.0.0/8, ::1): where Chromium allows DBSC endpoints.
func IsSecure(u *url.URL) bool {
	switch strings.ToLower(u.Scheme) {
	case "https":
		return true
	case "http":
		return IsLoopback(u.Hostname())
	}
	return false
}

// IsLoopback reports whether host is localhost or a loopback address.
func IsLoopback(host string) bool {
	host = strings.ToLower(host)
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Site is host's registrable domain, approximated without a public suffix
// list: an IP address or single label is its own site; otherwise the last
// two labels. Good for the hosts tests use (127.0.0.1, localhost,
// example.test); a server should not rely on it for multi-label suffixes.
func Site(host string) string {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if net.ParseIP(host) != nil {
		return host
	}
	labels := strings.Split(host, ".")
	if len(labels) <= 2 {
		return host
	}
	return strings.Join(labels[len(labels)-2:], ".")
}

// SameSite reports whether a and b are schemefully same-site.
func SameSite(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && Site(a.Hostname()) == Site(b.Hostname())
}
