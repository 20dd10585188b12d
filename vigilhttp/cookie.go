package vigilhttp

import (
	"net/http"
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
func (c Cookies) Name() string {
	if c.Dev {
		return DevCookieName
	}
	return CookieName
}

// Set writes the session cookie, expiring with the session's absolute
// lifetime (HttpOnly, SameSite=Lax: OWASP ASVS 5.0 3.3.1-3.3.4).
func (c Cookies) Set(w http.ResponseWriter, tok vigil.Token, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name: c.Name(), Value: tok.String(), Path: "/",
		Expires: expires.UTC(),
		Secure:  !c.Dev, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
}

// Clear tells the browser to drop the session cookie.
func (c Cookies) Clear(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: c.Name(), Value: "", Path: "/", Expires: time.Unix(0, 0), MaxAge: -1,
		Secure: !c.Dev, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
}

// Token returns the session token the request carries. present is false
// when there is no cookie; err is vigil.ErrMalformedToken for a cookie that
// is not a token.
func (c Cookies) Token(r *http.Request) (tok vigil.Token, present bool, err error) {
	ck, err := r.Cookie(c.Name())
	if err != nil {
		return tok, false, nil
	}
	tok, err = vigil.ParseToken(ck.Value)
	return tok, true, err
}
