package vigilhttp

import (
	"net/http"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

// Bound cookie names (device-bound sessions, DBSC). The bound cookie is
// the short-lived credential that only the browser holding the session's
// device key renews (auth.Engine.BindDevice, RefreshDevice); once a
// session is bound, every request of it needs it besides the session
// cookie. The __Host- prefix keeps sibling subdomains from planting one
// (RFC 6265bis §4.1.3.2).
const (
	BoundCookieName    = "__Host-vigil_bound"
	DevBoundCookieName = "vigil_bound"
)

// BoundCookies writes and reads the bound cookie. Dev drops Secure and
// the __Host- prefix for plain-HTTP development.
type BoundCookies struct {
	Dev bool
}

// Bound returns the bound cookie that goes with these session cookies.
func (c Cookies) Bound() BoundCookies { return BoundCookies{Dev: c.Dev} }

// Name returns the cookie's name.
func (c BoundCookies) Name() string { return cookieName(c.Dev, BoundCookieName, DevBoundCookieName) }

// Attributes are the cookie's attributes as the session config names them
// to the browser (its credentials' "attributes"): exactly those of the
// Set-Cookie that Set writes, without its lifetime, which Chromium does not
// allow there (it would never find the cookie it asked for, and refresh
// without end).
func (c BoundCookies) Attributes() string {
	if c.Dev {
		return "Path=/; HttpOnly; SameSite=Lax"
	}
	return "Path=/; Secure; HttpOnly; SameSite=Lax"
}

// Set writes b's cookie. The browser keeps it until a whole second before
// it lapses (Expires and Max-Age rounded down), so a browser refreshes
// before the server would refuse it; the server's clock decides, whatever
// a copy's Expires says. HttpOnly, SameSite=Lax as the session cookie.
func (c BoundCookies) Set(w http.ResponseWriter, b auth.Bound, now time.Time) {
	left := b.Lapse.Sub(now).Truncate(time.Second)
	http.SetCookie(w, &http.Cookie{
		Name: c.Name(), Value: b.Cookie.String(), Path: "/",
		Expires: now.Add(left).UTC().Truncate(time.Second), MaxAge: max(int(left/time.Second), 1),
		Secure: !c.Dev, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
}

// Clear tells the browser to drop the bound cookie.
func (c BoundCookies) Clear(w http.ResponseWriter) { clearCookie(w, c.Name(), c.Dev) }

// Read returns the bound cookie the request carries, without allocating:
// not Present without one; a value that is not a token reads as the zero
// token, which matches no session's.
func (c BoundCookies) Read(r *http.Request) auth.BoundCookie {
	v, ok := cookieValue(r, c.Name())
	if !ok {
		return auth.BoundCookie{}
	}
	tok, _ := vigil.ParseToken(v)
	return auth.BoundCookie{Value: tok, Present: true}
}

// present reports whether r carries a bound cookie.
func (c BoundCookies) present(r *http.Request) bool {
	_, ok := cookieValue(r, c.Name())
	return ok
}
