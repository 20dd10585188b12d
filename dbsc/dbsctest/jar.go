package dbsctest

import (
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vigilauth/vigil/dbsc"
)

// jar is a browser cookie jar on the client's clock: a cookie lapses when
// the client's Now passes its Max-Age or Expires, so a test can move time on
// without sleeping. It keeps each cookie's attributes, which DBSC compares
// with a credential's. Like Chromium, it treats loopback hosts as secure.
type jar struct {
	mu      sync.Mutex
	now     func() time.Time
	cookies map[string]*cookie // by name, domain, path
}

type cookie struct {
	name, value  string
	domain, path string
	hostOnly     bool
	secure       bool
	httpOnly     bool
	sameSite     string // "", "lax", "strict", "none"
	expires      time.Time
	created      time.Time
}

func newJar(now func() time.Time) *jar {
	return &jar{now: now, cookies: map[string]*cookie{}}
}

func (c *cookie) key() string { return c.name + "\x00" + c.domain + "\x00" + c.path }

// SetCookies stores what a response sets, as a browser would.
func (j *jar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.now()
	host := canonHost(u.Hostname())
	for _, hc := range cookies {
		c := &cookie{name: hc.Name, value: hc.Value, secure: hc.Secure, httpOnly: hc.HttpOnly, created: now}
		if c.secure && !dbsc.IsSecure(u) {
			continue
		}
		d := strings.ToLower(strings.TrimPrefix(hc.Domain, "."))
		switch {
		case d == "" || (d == host && net.ParseIP(host) != nil):
			c.domain, c.hostOnly = host, true
		case d == host || strings.HasSuffix(host, "."+d):
			c.domain = d
		default:
			continue // a domain this host may not set
		}
		c.path = hc.Path
		if !strings.HasPrefix(c.path, "/") {
			c.path = defaultPath(u.Path)
		}
		c.sameSite = sameSite(hc.SameSite)
		switch {
		case hc.MaxAge < 0:
			delete(j.cookies, c.key())
			continue
		case hc.MaxAge > 0:
			c.expires = now.Add(time.Duration(hc.MaxAge) * time.Second)
		case !hc.Expires.IsZero():
			if !hc.Expires.After(now) {
				delete(j.cookies, c.key())
				continue
			}
			c.expires = hc.Expires
		}
		if old, ok := j.cookies[c.key()]; ok {
			c.created = old.created
		}
		j.cookies[c.key()] = c
	}
}

// Cookies returns the cookies a request to u carries, most specific path
// first.
func (j *jar) Cookies(u *url.URL) []*http.Cookie {
	var out []*http.Cookie
	for _, c := range j.matching(u) {
		out = append(out, &http.Cookie{Name: c.name, Value: c.value})
	}
	return out
}

// matching returns copies of the live cookies sent to u.
func (j *jar) matching(u *url.URL) []cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.now()
	host := canonHost(u.Hostname())
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	var out []cookie
	for k, c := range j.cookies {
		if !c.expires.IsZero() && !now.Before(c.expires) {
			delete(j.cookies, k)
			continue
		}
		if !domainMatch(host, c.domain, c.hostOnly) || !pathMatch(path, c.path) || (c.secure && !dbsc.IsSecure(u)) {
			continue
		}
		out = append(out, *c)
	}
	sort.Slice(out, func(a, b int) bool {
		if len(out[a].path) != len(out[b].path) {
			return len(out[a].path) > len(out[b].path)
		}
		return out[a].created.Before(out[b].created)
	})
	return out
}

func canonHost(h string) string { return strings.ToLower(strings.TrimSuffix(h, ".")) }

func domainMatch(host, domain string, hostOnly bool) bool {
	if host == domain {
		return true
	}
	return !hostOnly && net.ParseIP(host) == nil && strings.HasSuffix(host, "."+domain)
}

// pathMatch is RFC 6265 §5.1.4.
func pathMatch(reqPath, cookiePath string) bool {
	if reqPath == cookiePath {
		return true
	}
	if strings.HasPrefix(reqPath, cookiePath) {
		return strings.HasSuffix(cookiePath, "/") || reqPath[len(cookiePath)] == '/'
	}
	return false
}

// defaultPath is RFC 6265 §5.1.4's default-path.
func defaultPath(p string) string {
	if !strings.HasPrefix(p, "/") {
		return "/"
	}
	i := strings.LastIndex(p, "/")
	if i == 0 {
		return "/"
	}
	return p[:i]
}

func sameSite(s http.SameSite) string {
	switch s {
	case http.SameSiteLaxMode:
		return "lax"
	case http.SameSiteStrictMode:
		return "strict"
	case http.SameSiteNoneMode:
		return "none"
	}
	return ""
}
