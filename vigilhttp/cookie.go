package vigilhttp

import (
	"net/http"
	"net/textproto"
	"os"
	"strings"
	"time"

	"github.com/vigilauth/vigil"
)

// Cookie names (SPEC §2). The __Host- prefix makes the browser refuse the
// cookie unless it is Secure, has Path=/ and no Domain (RFC 6265bis §4.1.3.2),
// so a sibling subdomain cannot plant or overwrite it.
const (
	CookieName    = "__Host-vigil_session"
	DevCookieName = "vigil_session"
)

// Cookies writes and reads the session cookie. Dev drops Secure and the
// __Host- prefix for plain-HTTP development.
type Cookies struct {
	Dev bool
}

// Name returns the cookie's name.
func (c Cookies) Name() string { return cookieName(c.Dev, CookieName, DevCookieName) }

// cookieName is name, or devName for plain-HTTP development.
func cookieName(dev bool, name, devName string) string {
	if dev {
		return devName
	}
	return name
}

// Set writes the session cookie, expiring with the session's absolute
// lifetime (HttpOnly, SameSite=Lax: OWASP ASVS 5.0 3.3.1-3.3.4).
func (c Cookies) Set(w http.ResponseWriter, tok vigil.Token, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name: c.Name(), Value: tok.String(), Path: "/",
		Expires: ceilSecond(expires),
		Secure:  !c.Dev, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
}

// ceilSecond rounds t up to a whole second, in UTC. A cookie's Expires is
// written in whole seconds; rounded down, the browser would drop the
// cookie up to a second before the session ends, and its next request
// would be UNAUTHENTICATED instead of SESSION_EXPIRED with its reason: the
// server decides when a session ends, and the cookie never ends first.
func ceilSecond(t time.Time) time.Time {
	t = t.UTC().Round(0)
	if down := t.Truncate(time.Second); down.Before(t) {
		return down.Add(time.Second)
	}
	return t
}

// Clear tells the browser to drop the session cookie.
func (c Cookies) Clear(w http.ResponseWriter) { clearCookie(w, c.Name(), c.Dev) }

// clearCookie tells the browser to drop the named cookie, written as the
// session cookie is (Path=/, HttpOnly, SameSite=Lax, Secure but in
// development), so that the browser takes it for the same cookie.
func clearCookie(w http.ResponseWriter, name string, dev bool) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: "", Path: "/", Expires: time.Unix(0, 0), MaxAge: -1,
		Secure: !dev, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
}

// Token returns the session token the request carries. present is false
// when there is no cookie; err is vigil.ErrMalformedToken for a cookie that
// is not a token.
func (c Cookies) Token(r *http.Request) (tok vigil.Token, present bool, err error) {
	v, ok := cookieValue(r, c.Name())
	if !ok {
		return tok, false, nil
	}
	tok, err = vigil.ParseToken(v)
	return tok, true, err
}

// maxScannedCookies is where cookieValue hands over to the standard
// library, whose cookie-count limit (GODEBUG httpcookiemaxnum, 3,000 by
// default) then decides.
const maxScannedCookies = 3000

// cookieLimitSet: the process sets its own cookie-count limit, so the
// standard library reads every cookie (its answer is the one to give).
var cookieLimitSet = strings.Contains(os.Getenv("GODEBUG"), "httpcookiemaxnum")

// cookieValue is r.Cookie(name).Value without its allocations (it parses
// every cookie of the request into a new *http.Cookie): the same reading of
// the Cookie header lines (split on ';', names and parts trimmed, one pair
// of double quotes stripped, values of valid bytes only, the first match
// wins), checked against r.Cookie by FuzzCookieValue.
func cookieValue(r *http.Request, name string) (string, bool) {
	lines := r.Header["Cookie"]
	n := 0
	for _, line := range lines {
		n += strings.Count(line, ";") + 1
	}
	if n > maxScannedCookies || cookieLimitSet {
		if ck, err := r.Cookie(name); err == nil {
			return ck.Value, true
		}
		return "", false
	}
	for _, line := range lines {
		for len(line) > 0 {
			var part string
			part, line, _ = strings.Cut(line, ";")
			k, v, _ := strings.Cut(textproto.TrimString(part), "=")
			if textproto.TrimString(k) != name {
				continue
			}
			if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if validCookieValue(v) {
				return v, true
			}
		}
	}
	return "", false
}

// validCookieValue is RFC 6265's cookie-octet as net/http reads it.
func validCookieValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < 0x20 || b >= 0x7f || b == '"' || b == ';' || b == '\\' {
			return false
		}
	}
	return true
}
