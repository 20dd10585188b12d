package vigilhttp

import (
	"errors"
	"net/http"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

// SignIn checks username and password (auth.Engine.LoginWithDevice) and
// gives the browser the new session's cookie and the known-device cookie,
// and, while device binding is offered, the offer to bind the new session
// (Secure-Session-Registration, see StartBinding).
// A session cookie the request carries is ended by the engine (no session
// fixation); a device cookie it carries lets its browser past a lock of
// the username by others.
//
// Errors: INVALID_CREDENTIALS (one answer for an unknown user, a wrong
// password and a disabled account), RATE_LIMITED with RetryAfter,
// INVALID_REQUEST, or the store's failure.
func (s *Sessions) SignIn(w http.ResponseWriter, r *http.Request, username, password string) (*auth.Current, error) {
	var presented *vigil.Token
	if tok, ok, err := s.cookies.Token(r); ok && err == nil {
		presented = &tok
	}
	device := s.cookies.Device()
	cur, cred, err := s.engine.LoginWithDevice(r.Context(), username, password, presented, device.Value(r), s.Actor(r))
	var step *auth.SecondStep
	if errors.As(err, &step) {
		s.setPending(w, step)
	}
	if err != nil {
		return nil, err
	}
	s.setCookie(w, cur)
	device.Set(w, cred)
	s.offerBinding(w, cur)
	return cur, nil
}

// SignOut ends the request's session, clears its cookie and tells the
// browser to forget what the pages kept (Clear-Site-Data, OWASP ASVS 5.0
// 7.4.1). Signing out is always possible: without a live session it only
// clears the cookie. With one, the request must carry the session's CSRF
// token (CheckCSRF), so another site cannot sign a user out. It returns
// the live session the request carried, or nil.
//
// Errors: CSRF_FAILED (nothing is done and the cookie is kept), or the
// store's failure.
func (s *Sessions) SignOut(w http.ResponseWriter, r *http.Request) (*auth.Current, error) {
	cur, err := s.Peek(r)
	switch {
	case err == nil:
		if err := s.CheckCSRF(r, cur); err != nil {
			return cur, err
		}
		if err := s.engine.Logout(r.Context(), cur.Token, s.actor(r, cur)); err != nil {
			return cur, err
		}
	case IsFailure(err):
		return nil, err
	}
	s.cookies.Clear(w)
	s.clearBound(w, r)
	w.Header().Set("Clear-Site-Data", `"cookies", "storage"`)
	return cur, nil
}

// Reauthenticate confirms the password within the session cur
// (auth.Engine.Reauthenticate) and gives the browser the session's new
// token (rotation on a privilege change, OWASP ASVS 5.0 7.2.4).
//
// Errors: INVALID_CREDENTIALS, RATE_LIMITED, SESSION_REVOKED when the
// session ended meanwhile, or the store's failure.
func (s *Sessions) Reauthenticate(w http.ResponseWriter, r *http.Request, cur *auth.Current, password string) (*auth.Current, error) {
	next, err := s.engine.Reauthenticate(r.Context(), cur, password, s.actor(r, cur))
	if err != nil {
		return nil, err
	}
	s.setCookie(w, next)
	return next, nil
}
