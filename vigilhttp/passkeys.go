package vigilhttp

import (
	"net/http"

	"github.com/vigilauth/vigil/auth"
)

// Passkeys at sign-in (auth.Engine's passkey calls): the second factor of
// a pending sign-in, the enrolment of one, a passwordless sign-in, and a
// step-up. Each finish sets the cookies a finished sign-in sets, as
// CompleteSignIn does.

// BeginPasskeySignIn begins the request's pending sign-in's second step
// with a passkey (auth.Engine.BeginPasskeySignIn).
func (s *Sessions) BeginPasskeySignIn(w http.ResponseWriter, r *http.Request) (*auth.PasskeyCeremony, error) {
	tok, err := s.PendingToken(r)
	if err != nil {
		return nil, err
	}
	c, err := s.engine.BeginPasskeySignIn(r.Context(), tok)
	s.endedPending(w, err)
	return c, err
}

// CompletePasskeySignIn finishes the request's pending sign-in with the
// browser's answer to ceremony (auth.Engine.CompletePasskeySignIn) and,
// on success, sets the session cookie and drops the pending one.
func (s *Sessions) CompletePasskeySignIn(w http.ResponseWriter, r *http.Request, ceremony string, credential []byte) (*auth.Current, error) {
	tok, err := s.PendingToken(r)
	if err != nil {
		return nil, err
	}
	cur, cred, err := s.engine.CompletePasskeySignIn(r.Context(), tok, ceremony, credential, s.presented(r), s.Actor(r))
	if err != nil {
		s.endedPending(w, err)
		return nil, err
	}
	s.signedIn(w, cur, cred)
	return cur, nil
}

// BeginPasskeyEnrolment begins registering a passkey within the
// request's pending sign-in (auth.Engine.BeginPasskeyEnrolment).
func (s *Sessions) BeginPasskeyEnrolment(w http.ResponseWriter, r *http.Request) (*auth.PasskeyCeremony, error) {
	tok, err := s.PendingToken(r)
	if err != nil {
		return nil, err
	}
	c, err := s.engine.BeginPasskeyEnrolment(r.Context(), tok)
	s.endedPending(w, err)
	return c, err
}

// CompletePasskeyEnrolment adds the passkey of the browser's answer to
// ceremony and finishes the request's pending sign-in with it
// (auth.Engine.CompletePasskeyEnrolment), setting the cookies as
// CompleteSignIn does; it returns the recovery codes to show once.
func (s *Sessions) CompletePasskeyEnrolment(w http.ResponseWriter, r *http.Request, ceremony, name string, credential []byte) (*auth.Current, []string, error) {
	tok, err := s.PendingToken(r)
	if err != nil {
		return nil, nil, err
	}
	cur, codes, cred, err := s.engine.CompletePasskeyEnrolment(r.Context(), tok, ceremony, name, credential, s.presented(r), s.Actor(r))
	if err != nil {
		s.endedPending(w, err)
		return nil, nil, err
	}
	s.signedIn(w, cur, cred)
	return cur, codes, nil
}

// PasskeyLogin signs in with a passkey alone (auth.Engine.PasskeyLogin)
// and sets the cookies of a finished sign-in.
func (s *Sessions) PasskeyLogin(w http.ResponseWriter, r *http.Request, ceremony string, credential []byte) (*auth.Current, error) {
	cur, cred, err := s.engine.PasskeyLogin(r.Context(), ceremony, credential, s.presented(r), s.Actor(r))
	if err != nil {
		return nil, err
	}
	s.signedIn(w, cur, cred)
	return cur, nil
}

// PasskeyStepUp raises cur's session to AAL2 with a passkey
// (auth.Engine.PasskeyStepUp) and gives the browser the rotated token.
func (s *Sessions) PasskeyStepUp(w http.ResponseWriter, r *http.Request, cur *auth.Current, ceremony string, credential []byte) (*auth.Current, error) {
	next, err := s.engine.PasskeyStepUp(r.Context(), cur, ceremony, credential, s.actor(r, cur))
	if err != nil {
		return nil, err
	}
	s.setCookie(w, next)
	return next, nil
}
