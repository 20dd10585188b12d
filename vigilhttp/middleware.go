package vigilhttp

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net"
	"net/http"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

// Options configure Sessions. Zero values take the defaults noted.
type Options struct {
	// Dev uses the plain-HTTP cookie (no Secure, no __Host- prefix).
	Dev bool
	// ClientIP returns the client's address; default: the host of
	// RemoteAddr. Set it when behind trusted proxies.
	ClientIP func(*http.Request) string
	// Logger receives internal errors; default slog.Default().
	Logger *slog.Logger
	// OnError answers a refused request; default WriteError, which also
	// clears the cookie of an ended session.
	OnError func(w http.ResponseWriter, r *http.Request, err error)
}

// Sessions is vigil's session middleware over an engine.
type Sessions struct {
	engine  *auth.Engine
	cookies Cookies
	opt     Options
}

// New returns the middleware for engine.
func New(engine *auth.Engine, opt Options) *Sessions {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.ClientIP == nil {
		opt.ClientIP = RemoteIP
	}
	s := &Sessions{engine: engine, cookies: Cookies{Dev: opt.Dev}, opt: opt}
	if s.opt.OnError == nil {
		s.opt.OnError = s.WriteError
	}
	return s
}

// Cookies returns the cookie settings in use.
func (s *Sessions) Cookies() Cookies { return s.cookies }

// Require lets a request through only with a live session: it answers 401
// (UNAUTHENTICATED, SESSION_EXPIRED, SESSION_REVOKED) without one, and 403
// CSRF_FAILED for an unsafe method (POST, PUT, PATCH, DELETE) whose
// X-CSRF-Token header is not the session's token. Every request that
// passes counts as activity, except those with the header
// "Vigil-Activity: background" (SPEC §2).
func (s *Sessions) Require(next http.Handler) http.Handler {
	return s.require(next, func(r *http.Request) bool { return r.Header.Get("Vigil-Activity") != "background" })
}

// RequirePassive is Require for requests that never count as activity
// (polling the time left).
func (s *Sessions) RequirePassive(next http.Handler) http.Handler {
	return s.require(next, func(*http.Request) bool { return false })
}

func (s *Sessions) require(next http.Handler, activity func(*http.Request) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cur, err := s.Check(r, activity(r))
		if err == nil && unsafeMethod(r.Method) {
			err = s.CheckCSRF(r, cur)
		}
		if err != nil {
			s.opt.OnError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithCurrent(r.Context(), cur)))
	})
}

// Check returns the request's session, or the error to answer.
func (s *Sessions) Check(r *http.Request, activity bool) (*auth.Current, error) {
	tok, err := s.token(r)
	if err != nil {
		return nil, err
	}
	return s.engine.Check(r.Context(), tok, activity)
}

// Verify is Check for code that only reads who the session is (forward
// auth): the session comes back by value and without its token, so
// CheckCSRF and CSRFToken cannot use it. A warm session costs no
// allocation (auth.Engine.Verify).
func (s *Sessions) Verify(r *http.Request, activity bool) (auth.Current, error) {
	tok, err := s.token(r)
	if err != nil {
		return auth.Current{}, err
	}
	return s.engine.Verify(r.Context(), tok, activity)
}

// token is the request's session token, or UNAUTHENTICATED.
func (s *Sessions) token(r *http.Request) (vigil.Token, error) {
	tok, present, err := s.cookies.Token(r)
	if !present || err != nil {
		return tok, vigil.ErrUnauthenticated
	}
	return tok, nil
}

// CheckCSRF compares the X-CSRF-Token header with the session's token in
// constant time (SPEC §3 CSRF layer 2; OWASP ASVS 5.0 3.5.1) and audits a
// refusal. Require calls it for unsafe methods; handlers that check the
// session themselves call it directly. Error: CSRF_FAILED.
func (s *Sessions) CheckCSRF(r *http.Request, cur *auth.Current) error {
	got := r.Header.Get("X-CSRF-Token")
	want := cur.Token.CSRF()
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1 {
		return nil
	}
	s.engine.Audit(r.Context(), cur.Actor(s.opt.ClientIP(r), r.UserAgent()), vigil.Event{
		Username: cur.User.Username, Category: vigil.CategoryAccess, Event: vigil.EventCSRFRejected,
		Detail: r.Method + " " + r.URL.Path + ": missing or wrong X-CSRF-Token",
	})
	return vigil.Errorf(vigil.CodeCSRFFailed, "The request could not be verified (CSRF). Reload the page and try again.")
}

// WriteError answers err as JSON (WriteError) and clears the cookie when
// the request's session is gone.
func (s *Sessions) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	switch vigil.ErrorCode(err) {
	case vigil.CodeSessionExpired, vigil.CodeSessionRevoked, vigil.CodeUnauthenticated:
		if _, present, _ := s.cookies.Token(r); present {
			s.cookies.Clear(w)
		}
	}
	WriteError(w, r, s.opt.Logger, err)
}

// ClientIP returns the client's address as the sessions see it
// (Options.ClientIP): the address audited, and the one the reverse proxy
// reports to the app behind it.
func (s *Sessions) ClientIP(r *http.Request) string { return s.opt.ClientIP(r) }

// Actor returns the audit actor of a request (the session's user, if any).
func (s *Sessions) Actor(r *http.Request) auth.Actor {
	if cur := CurrentFrom(r.Context()); cur != nil {
		return cur.Actor(s.opt.ClientIP(r), r.UserAgent())
	}
	return auth.Actor{IP: s.opt.ClientIP(r), UserAgent: r.UserAgent()}
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// RemoteIP returns the host part of r.RemoteAddr.
func RemoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type currentKey struct{}

// WithCurrent returns ctx carrying the checked session cur, for handlers
// that check the session themselves (Check) and then call code reading
// CurrentFrom, UserFrom or SessionFrom.
func WithCurrent(ctx context.Context, cur *auth.Current) context.Context {
	return context.WithValue(ctx, currentKey{}, cur)
}

// CurrentFrom returns the checked session in ctx, or nil.
func CurrentFrom(ctx context.Context) *auth.Current {
	cur, _ := ctx.Value(currentKey{}).(*auth.Current)
	return cur
}

// UserFrom returns the signed-in user in ctx.
func UserFrom(ctx context.Context) (vigil.User, bool) {
	if cur := CurrentFrom(ctx); cur != nil {
		return cur.User, true
	}
	return vigil.User{}, false
}

// SessionFrom returns the session in ctx.
func SessionFrom(ctx context.Context) (vigil.Session, bool) {
	if cur := CurrentFrom(ctx); cur != nil {
		return cur.Session, true
	}
	return vigil.Session{}, false
}

// CSRFToken returns the token that unsafe requests of the session in ctx
// must send in X-CSRF-Token, or "".
func CSRFToken(ctx context.Context) string {
	if cur := CurrentFrom(ctx); cur != nil {
		return cur.Token.CSRF()
	}
	return ""
}

// RequireRole returns middleware, used inside Require, that answers 403
// FORBIDDEN (and audits access_forbidden) unless the user has one of roles.
func (s *Sessions) RequireRole(roles ...vigil.Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			cur := CurrentFrom(r.Context())
			if cur == nil {
				s.opt.OnError(w, r, vigil.ErrUnauthenticated)
				return
			}
			if err := s.engine.Authorize(r.Context(), cur, s.Actor(r), r.Method+" "+r.URL.Path, roles...); err != nil {
				s.opt.OnError(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
