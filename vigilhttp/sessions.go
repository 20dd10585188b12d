package vigilhttp

import (
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

// Options configure Sessions. Zero values take the defaults noted.
type Options struct {
	// Dev uses the plain-HTTP cookies (no Secure, no __Host- prefix).
	Dev bool
	// TrustedProxies are the peers (--trusted-proxies) whose
	// X-Forwarded-For names the client (ClientIP) and whose other
	// X-Forwarded-* headers are believed (FromTrustedProxy). Default: none.
	TrustedProxies []netip.Prefix
	// ClientIP, if set, returns the client's address in place of the
	// reading of TrustedProxies, for an app that finds it another way.
	ClientIP func(*http.Request) string
	// Logger receives internal errors; default slog.Default().
	Logger *slog.Logger
	// OnError answers a request the middleware refuses; default
	// WriteError, which also clears the cookie of an ended session.
	OnError func(w http.ResponseWriter, r *http.Request, err error)
	// RoutePrefix ("" or "/name") is where the device-binding routes
	// (StartBinding, RefreshBinding) are mounted: the paths SignIn and the
	// session config name are RoutePrefix+StartPath and
	// RoutePrefix+RefreshPath. Default: none.
	RoutePrefix string
	// PublicURL is the external origin (--public-url): a device-bound
	// session's scope when the registration request names no origin of
	// its own. Default: none.
	PublicURL *url.URL
	// IdentityHeaders are the identity header families SetIdentity sends
	// (--identity-headers); Remote-* always. Default: Remote-* alone.
	IdentityHeaders IdentityHeaders
}

// Sessions is the one session layer of every HTTP surface (the JSON API,
// the pages, the reverse proxy, and a Go app's own handlers): it reads and
// writes the cookies, checks sessions against the engine, signs in and
// out, checks the CSRF token, resolves the client's address and names the
// audit actor. Build it with New; it is safe for concurrent use.
type Sessions struct {
	engine  *auth.Engine
	cookies Cookies
	opt     Options
}

// New returns the session layer over engine.
func New(engine *auth.Engine, opt Options) *Sessions {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	s := &Sessions{engine: engine, cookies: Cookies{Dev: opt.Dev}, opt: opt}
	if s.opt.ClientIP == nil {
		s.opt.ClientIP = s.forwardedFor
	}
	if s.opt.OnError == nil {
		s.opt.OnError = s.WriteError
	}
	return s
}

// Cookies returns the cookie settings in use.
func (s *Sessions) Cookies() Cookies { return s.cookies }

// Check returns the request's live session, with its token (for CheckCSRF
// and CSRFToken). The request counts as activity unless it says
// "Vigil-Activity: background" (SPEC §2). A device-bound session's request
// must also carry its current bound cookie (auth.Engine.CheckBound).
//
// Errors: UNAUTHENTICATED (vigil.ErrUnauthenticated) without a session
// cookie or for an unknown token, SESSION_EXPIRED or SESSION_REVOKED with
// the reason, DEVICE_BINDING_REQUIRED (vigil.ErrDeviceBindingRequired)
// without the bound cookie, or the store's failure (UNAVAILABLE,
// INTERNAL).
func (s *Sessions) Check(r *http.Request) (*auth.Current, error) {
	return s.check(r, activity(r))
}

// Peek is Check for a request that only looks: it never counts as
// activity (polling the time left; a page that shows who is signed in).
func (s *Sessions) Peek(r *http.Request) (*auth.Current, error) {
	return s.check(r, false)
}

func (s *Sessions) check(r *http.Request, activity bool) (*auth.Current, error) {
	tok, err := s.token(r)
	if err != nil {
		return nil, err
	}
	return s.engine.CheckBound(r.Context(), tok, s.cookies.Bound().Read(r), activity)
}

// Verify is Check for forward auth, the hottest path, which only reads who
// the session is: the session comes back by value and without its token
// (so CheckCSRF and CSRFToken cannot use it), and a warm session costs no
// allocation (auth.Engine.Verify). Errors: as Check.
func (s *Sessions) Verify(r *http.Request) (auth.Current, error) {
	tok, err := s.token(r)
	if err != nil {
		return auth.Current{}, err
	}
	return s.engine.VerifyBound(r.Context(), tok, s.cookies.Bound().Read(r), activity(r))
}

// activity reports whether r counts as activity (SPEC §2).
func activity(r *http.Request) bool { return r.Header.Get("Vigil-Activity") != "background" }

// token is the request's session token, or UNAUTHENTICATED.
func (s *Sessions) token(r *http.Request) (vigil.Token, error) {
	tok, present, err := s.cookies.Token(r)
	if !present || err != nil {
		return tok, vigil.ErrUnauthenticated
	}
	return tok, nil
}

// setCookie gives the browser cur's new token, until the session's end.
func (s *Sessions) setCookie(w http.ResponseWriter, cur *auth.Current) {
	s.cookies.Set(w, cur.Token, cur.Limits.ExpiresAt(&cur.Session))
}

// ClearEnded clears the session cookie when err says the request's session
// is gone (UNAUTHENTICATED, SESSION_EXPIRED, SESSION_REVOKED) and the
// request carried one, so the browser stops sending it, and the bound
// cookie with it. It reports whether err is such an answer.
func (s *Sessions) ClearEnded(w http.ResponseWriter, r *http.Request, err error) bool {
	switch vigil.ErrorCode(err) {
	case vigil.CodeSessionExpired, vigil.CodeSessionRevoked, vigil.CodeUnauthenticated:
		if _, present, _ := s.cookies.Token(r); present {
			s.cookies.Clear(w)
		}
		s.clearBound(w, r)
		return true
	}
	return false
}

// clearBound clears the bound cookie, if r carries one.
func (s *Sessions) clearBound(w http.ResponseWriter, r *http.Request) {
	if b := s.cookies.Bound(); b.present(r) {
		b.Clear(w)
	}
}

// WriteError answers err: a browser's request whose bound cookie the
// server no longer takes is sent to refresh it (Rebind); anything else is
// answered as WriteJSONError does.
func (s *Sessions) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	if s.Rebind(w, r, err) {
		return
	}
	s.WriteJSONError(w, r, err)
}

// WriteJSONError answers err as JSON (WriteError), clearing the cookies
// when the request's session is gone (ClearEnded). A bound cookie the
// server no longer takes (DEVICE_BINDING_REQUIRED) is expired, with a new
// challenge, so that a browser holding the key refreshes it before its
// next request. Forward auth answers this way: a proxy's auth request
// cannot be redirected.
func (s *Sessions) WriteJSONError(w http.ResponseWriter, r *http.Request, err error) {
	if !s.ClearEnded(w, r, err) && vigil.ErrorCode(err) == vigil.CodeDeviceBindingRequired && !s.recoverBound(w, r) {
		s.clearBound(w, r)
	}
	WriteError(w, r, s.opt.Logger, err)
}

// Actor returns the audit actor of a request: its client address and
// User-Agent, and the session in its context (CurrentFrom), if any.
func (s *Sessions) Actor(r *http.Request) auth.Actor { return s.actor(r, CurrentFrom(r.Context())) }

// actor is the audit actor of r made with the session cur (nil: none).
func (s *Sessions) actor(r *http.Request, cur *auth.Current) auth.Actor {
	if cur != nil {
		return cur.Actor(s.ClientIP(r), r.UserAgent())
	}
	return auth.Actor{IP: s.ClientIP(r), UserAgent: r.UserAgent()}
}
