package vigilhttp

import (
	"errors"
	"net/http"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

// Sign-in in two steps (SPEC §6 "Multi-factor"). SignIn answers a user
// who must finish with a second step with an *auth.SecondStep and a
// pending-sign-in cookie, short-lived and good for nothing but that
// step; CompleteSignIn (a second factor) or CompleteEnrolment (enrolling
// one, for a role that requires it) finish it into a session.

// Pending-sign-in cookie names: __Host- as the session's (Secure, Path=/,
// no Domain), or plain for --dev.
const (
	PendingCookieName    = "__Host-vigil_signin"
	DevPendingCookieName = "vigil_signin"
)

// pendingName is the pending-sign-in cookie's name.
func (s *Sessions) pendingName() string {
	return cookieName(s.cookies.Dev, PendingCookieName, DevPendingCookieName)
}

// setPending gives the browser the pending sign-in of step, until it
// expires (HttpOnly, SameSite=Strict: only vigil's own pages finish it).
func (s *Sessions) setPending(w http.ResponseWriter, step *auth.SecondStep) {
	http.SetCookie(w, &http.Cookie{
		Name: s.pendingName(), Value: step.Token.String(), Path: "/",
		Expires: ceilSecond(step.ExpiresAt), MaxAge: int(time.Until(step.ExpiresAt).Seconds()) + 1,
		Secure: !s.cookies.Dev, HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
}

// clearPending tells the browser to drop the pending-sign-in cookie.
func (s *Sessions) clearPending(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: s.pendingName(), Value: "", Path: "/", Expires: time.Unix(0, 0), MaxAge: -1,
		Secure: !s.cookies.Dev, HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
}

// PendingToken returns the request's pending sign-in token.
//
// Errors: UNAUTHENTICATED when the request carries none (or not a token).
func (s *Sessions) PendingToken(r *http.Request) (vigil.Token, error) {
	v, ok := cookieValue(r, s.pendingName())
	if !ok {
		return vigil.Token{}, errNoPending
	}
	tok, err := vigil.ParseToken(v)
	if err != nil {
		return vigil.Token{}, errNoPending
	}
	return tok, nil
}

var errNoPending = vigil.Errorf(vigil.CodeUnauthenticated, "No sign-in is in progress. Please enter your password first.")

// presented is the session token the request carries, if any.
func (s *Sessions) presented(r *http.Request) *vigil.Token {
	if tok, ok, err := s.cookies.Token(r); ok && err == nil {
		return &tok
	}
	return nil
}

// CompleteSignIn finishes the request's pending sign-in with a second
// factor's code (auth.Engine.CompleteSignIn) and, on success, sets the
// session cookie (as SignIn does) and drops the pending one.
//
// Errors: as auth.Engine.CompleteSignIn; UNAUTHENTICATED without a
// pending sign-in.
func (s *Sessions) CompleteSignIn(w http.ResponseWriter, r *http.Request, code string) (*auth.Current, error) {
	tok, err := s.PendingToken(r)
	if err != nil {
		return nil, err
	}
	cur, cred, err := s.engine.CompleteSignIn(r.Context(), tok, code, s.presented(r), s.Actor(r))
	if err != nil {
		s.endedPending(w, err)
		return nil, err
	}
	s.signedIn(w, cur, cred)
	return cur, nil
}

// BeginEnrolment starts enrolling an authenticator app within the
// request's pending sign-in (auth.Engine.BeginEnrolment).
func (s *Sessions) BeginEnrolment(w http.ResponseWriter, r *http.Request) (*auth.TOTPEnrolment, error) {
	tok, err := s.PendingToken(r)
	if err != nil {
		return nil, err
	}
	en, err := s.engine.BeginEnrolment(r.Context(), tok)
	s.endedPending(w, err)
	return en, err
}

// CompleteEnrolment confirms the app BeginEnrolment began and, on
// success, sets the session cookie and drops the pending one; it returns
// the recovery codes to show once.
func (s *Sessions) CompleteEnrolment(w http.ResponseWriter, r *http.Request, code string) (*auth.Current, []string, error) {
	tok, err := s.PendingToken(r)
	if err != nil {
		return nil, nil, err
	}
	cur, codes, cred, err := s.engine.CompleteEnrolment(r.Context(), tok, code, s.presented(r), s.Actor(r))
	if err != nil {
		s.endedPending(w, err)
		return nil, nil, err
	}
	s.signedIn(w, cur, cred)
	return cur, codes, nil
}

// signedIn sets the cookies of a finished sign-in.
func (s *Sessions) signedIn(w http.ResponseWriter, cur *auth.Current, cred auth.DeviceCredential) {
	s.clearPending(w)
	s.setCookie(w, cur)
	s.cookies.Device().Set(w, cred)
	s.offerBinding(w, cur)
}

// endedPending drops the pending-sign-in cookie when err says it is no
// longer good.
func (s *Sessions) endedPending(w http.ResponseWriter, err error) {
	if vigil.ErrorCode(err) == vigil.CodeUnauthenticated {
		s.clearPending(w)
	}
}

// StepUp raises cur's session to AAL2 with a second factor's code
// (auth.Engine.StepUp) and gives the browser the rotated token.
func (s *Sessions) StepUp(w http.ResponseWriter, r *http.Request, cur *auth.Current, code string) (*auth.Current, error) {
	next, err := s.engine.StepUp(r.Context(), cur, code, s.actor(r, cur))
	if err != nil {
		return nil, err
	}
	s.setCookie(w, next)
	return next, nil
}

// ErrStepUpRequired is the answer to a session below the assurance level
// an action needs. It is one value, shared: never modify it.
var ErrStepUpRequired = &vigil.Error{Code: vigil.CodeStepUpRequired,
	Message: "This needs a second factor: enter a code from your authenticator app, a recovery code, or use a passkey."}

// RequireAAL returns middleware that lets through only requests whose
// session (put in the context by Require or RequirePassive, which must
// run first) is at assurance level aal or above; others get 401
// STEP_UP_REQUIRED. A request without a session gets UNAUTHENTICATED.
func (s *Sessions) RequireAAL(aal int) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			cur := CurrentFrom(r.Context())
			switch {
			case cur == nil:
				s.opt.OnError(w, r, vigil.ErrUnauthenticated)
			case cur.Session.AAL < aal:
				s.opt.OnError(w, r, ErrStepUpRequired)
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
}

// IsSecondStep reports whether err is SignIn's answer for a sign-in that
// continues with a second step, and returns that step.
func IsSecondStep(err error) (*auth.SecondStep, bool) {
	var step *auth.SecondStep
	ok := errors.As(err, &step)
	return step, ok
}
