package vigilhttp

import (
	"net/http"

	"github.com/vigilauth/vigil/auth"
)

// Device cookie names. The cookie keeps the known-device credential a
// login returns (auth.Engine.LoginWithDevice), so that a lock of the
// username by someone else does not lock out a browser its user has signed
// in with (OWASP "Slow down online guessing attacks with device cookies").
// The __Host- prefix keeps sibling subdomains from planting one (RFC 6265bis
// §4.1.3.2).
const (
	DeviceCookieName    = "__Host-vigil_device"
	DevDeviceCookieName = "vigil_device"
)

// DeviceCookie writes and reads the device cookie. Dev drops Secure and
// the __Host- prefix for plain-HTTP development.
type DeviceCookie struct {
	Dev bool
}

// Device returns the device cookie that goes with these session cookies.
func (c Cookies) Device() DeviceCookie { return DeviceCookie{Dev: c.Dev} }

// Name returns the cookie's name.
func (c DeviceCookie) Name() string { return cookieName(c.Dev, DeviceCookieName, DevDeviceCookieName) }

// Set writes cred as the device cookie, expiring with it; nothing when
// cred is empty. HttpOnly, Secure and SameSite=Strict (OWASP ASVS 5.0
// 3.3.1-3.3.4): it is needed only by the sign-in form and API of this
// site, never by a request another site starts.
func (c DeviceCookie) Set(w http.ResponseWriter, cred auth.DeviceCredential) {
	if cred.Value == "" {
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: c.Name(), Value: cred.Value, Path: "/",
		Expires: cred.Expires.UTC(), MaxAge: int(auth.DeviceLifetime.Seconds()),
		Secure: !c.Dev, HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
}

// Value returns the device cookie the request carries, or "". The value is
// not checked here: the engine ignores one that is not valid.
func (c DeviceCookie) Value(r *http.Request) string {
	v, _ := cookieValue(r, c.Name())
	return v
}
