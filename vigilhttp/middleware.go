package vigilhttp

import (
	"net/http"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

// Require lets a request through only with a live session (Check): it
// answers 401 (UNAUTHENTICATED, SESSION_EXPIRED, SESSION_REVOKED) without
// one, and 403 CSRF_FAILED for an unsafe method (POST, PUT, PATCH,
// DELETE) whose X-CSRF-Token header is not the session's token
// (CheckCSRF). Every request that passes counts as activity, except those
// with the header "Vigil-Activity: background" (SPEC §2).
func (s *Sessions) Require(next http.Handler) http.Handler {
	return s.require(next, s.Check)
}

// RequirePassive is Require for requests that never count as activity
// (Peek: polling the time left).
func (s *Sessions) RequirePassive(next http.Handler) http.Handler {
	return s.require(next, s.Peek)
}

func (s *Sessions) require(next http.Handler, check func(*http.Request) (*auth.Current, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cur, err := check(r)
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

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// RequireRole returns middleware, used inside Require, that answers 403
// FORBIDDEN (and audits access_forbidden) unless the user has one of roles.
func (s *Sessions) RequireRole(roles ...vigil.Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := s.Authorize(r, roles...); err != nil {
				s.opt.OnError(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// Authorize returns nil when the session in r's context has one of roles;
// else FORBIDDEN, audited as access_forbidden, or UNAUTHENTICATED when r
// carries no checked session.
func (s *Sessions) Authorize(r *http.Request, roles ...vigil.Role) error {
	cur := CurrentFrom(r.Context())
	if cur == nil {
		return vigil.ErrUnauthenticated
	}
	return s.engine.Authorize(r.Context(), cur, s.Actor(r), r.Method+" "+r.URL.Path, roles...)
}
