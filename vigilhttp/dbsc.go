package vigilhttp

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/dbsc"
)

// The device-binding routes (DBSC, SPEC §6), under Options.RoutePrefix.
const (
	StartPath   = "/auth/dbsc/start"
	RefreshPath = "/auth/dbsc/refresh"
)

// offerBinding offers the browser to bind the session just signed in to
// a key of its own (Secure-Session-Registration), when the engine gave it
// a challenge (device binding offered).
func (s *Sessions) offerBinding(w http.ResponseWriter, cur *auth.Current) {
	if cur.Challenge != "" {
		w.Header().Set(dbsc.HeaderRegistration, dbsc.RegistrationHeader(s.opt.RoutePrefix+StartPath, cur.Challenge))
	}
}

// StartBinding answers POST <prefix>/auth/dbsc/start, where a browser
// binds the session it just signed in with to its key: the request carries
// the session cookie and Secure-Session-Response, a JWT signed with the key
// over the challenge SignIn offered (auth.Engine.BindDevice). It takes no
// X-CSRF-Token (the browser sends none; the signed single-use challenge is
// the proof), but the cross-origin check applies as to every unsafe
// request. On success it sets the first bound cookie and answers the
// session config (dbsc.Config) the browser keeps: the session's id, the
// refresh URL, the scope (this origin) and the bound cookie's name and
// attributes. It returns the error to answer otherwise.
//
// Errors: as auth.Engine.SessionForBinding and BindDevice.
func (s *Sessions) StartBinding(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	cur, err := s.bindingSession(r)
	if err != nil {
		return err
	}
	b, err := s.engine.BindDevice(r.Context(), cur, proofOf(r), s.actor(r, cur))
	if err != nil {
		return err
	}
	s.cookies.Bound().Set(w, b, s.engine.Now())
	WriteJSON(w, http.StatusOK, s.sessionConfig(r, cur.Session.ID))
	return nil
}

// RefreshBinding answers POST <prefix>/auth/dbsc/refresh, where a bound
// session's browser renews its bound cookie: with the session cookie (the
// bound one may be missing or lapsed: that is why it came) and
// Sec-Secure-Session-Id naming the session. Without Secure-Session-Response
// it is answered 403 DEVICE_PROOF_REQUIRED with a new challenge in
// Secure-Session-Challenge, which the browser signs and sends again; with
// a proof over it (auth.Engine.RefreshDevice) it sets the new bound cookie
// and answers the session config again. A proof over another challenge (a
// replay, an expired one) gets the same 403 and a new challenge; one
// signed by another key revokes the session. No X-CSRF-Token, as
// StartBinding. It returns the error to answer otherwise.
//
// Errors: as auth.Engine.SessionForBinding, RefreshDevice and
// DeviceChallenge.
func (s *Sessions) RefreshBinding(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	cur, err := s.bindingSession(r)
	if err != nil {
		return err
	}
	named, _ := dbsc.ParseSessionID(r.Header.Get(dbsc.HeaderSessionID)) // "" if unusable: the engine says so
	b, err := s.engine.RefreshDevice(r.Context(), cur, named, proofOf(r), s.actor(r, cur))
	if vigil.ErrorCode(err) == vigil.CodeDeviceProofRequired {
		if cerr := s.challenge(w, r, cur); cerr != nil {
			return cerr
		}
	}
	if err != nil {
		return err
	}
	s.cookies.Bound().Set(w, b, s.engine.Now())
	WriteJSON(w, http.StatusOK, s.sessionConfig(r, cur.Session.ID))
	return nil
}

// bindingSession is the session of a device-binding request, checked
// without its bound cookie (auth.Engine.SessionForBinding).
func (s *Sessions) bindingSession(r *http.Request) (*auth.Current, error) {
	tok, err := s.token(r)
	if err != nil {
		return nil, err
	}
	return s.engine.SessionForBinding(r.Context(), tok)
}

// challenge gives cur's bound session a new challenge and sends it to the
// browser (Secure-Session-Challenge), to sign for its next refresh.
func (s *Sessions) challenge(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	ch, err := s.engine.DeviceChallenge(r.Context(), cur)
	if err != nil {
		return err
	}
	w.Header().Set(dbsc.HeaderChallenge, dbsc.ChallengeHeader(ch, cur.Session.ID))
	return nil
}

// proofOf returns the request's Secure-Session-Response: bare, as Chromium
// sends it, or as the draft's structured-field string (a JWT holds neither
// quotes nor backslashes, so unquoting is stripping them).
func proofOf(r *http.Request) string {
	v := strings.TrimSpace(r.Header.Get(dbsc.HeaderResponse))
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	return v
}

// StaticPath is the pages' static files (under Options.RoutePrefix),
// which need no session: the session config leaves them out of its scope.
const StaticPath = "/auth/static/"

// sessionConfig is the session config the browser keeps for the bound
// session id: refresh at RefreshPath; the scope is the origin the page
// came from, which Chromium requires to be exactly the page's, but the
// pages' static files (each request in scope while the bound cookie is
// near its end starts a refresh, and Chromium allows a session only a few
// signatures in some minutes); one credential, the bound cookie, named
// with the attributes Set writes.
func (s *Sessions) sessionConfig(r *http.Request, id string) dbsc.Config {
	b := s.cookies.Bound()
	origin := s.scopeOrigin(r)
	host := "*"
	if u, err := url.Parse(origin); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return dbsc.Config{
		SessionIdentifier: id,
		RefreshURL:        s.opt.RoutePrefix + RefreshPath,
		Scope: dbsc.Scope{Origin: origin, IncludeSite: false, ScopeSpecification: []dbsc.ScopeRule{
			{Type: "exclude", Domain: host, Path: s.opt.RoutePrefix + StaticPath}}},
		Credentials: []dbsc.Credential{{Type: "cookie", Name: b.Name(), Attributes: b.Attributes()}},
	}
}

// scopeOrigin is the origin of the page that registers: the request's
// Origin when it is this server's (its host, or --public-url's: the
// cross-origin check has let no other through), else --public-url, else
// the request's own scheme and host.
func (s *Sessions) scopeOrigin(r *http.Request) string {
	if o := r.Header.Get("Origin"); o != "" {
		if u, err := url.Parse(o); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
			u.Path == "" && u.RawQuery == "" && u.User == nil && s.ownHost(r, u.Host) {
			return u.Scheme + "://" + u.Host
		}
	}
	if p := s.opt.PublicURL; p != nil {
		return p.Scheme + "://" + p.Host
	}
	scheme := "https"
	if r.TLS == nil && s.opt.Dev {
		scheme = "http"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); (p == "http" || p == "https") && s.FromTrustedProxy(r) {
		scheme = p
	}
	return scheme + "://" + r.Host
}

// ownHost reports whether host (host[:port]) is this server's: the
// request's Host or --public-url's.
func (s *Sessions) ownHost(r *http.Request, host string) bool {
	return strings.EqualFold(host, r.Host) || s.opt.PublicURL != nil && strings.EqualFold(host, s.opt.PublicURL.Host)
}

// Rebind answers a browser's request of a bound session whose bound cookie
// the server no longer takes (lapsed by the server's clock, or another's:
// a copy) the way Chromium recovers from: 307 to the same URL, expiring
// the bound cookie and with a new challenge (Secure-Session-Challenge), so
// that the browser finds the cookie missing, refreshes it with its key
// (signing the challenge at once) and sends the request again with the
// new cookie (the draft names this answer). A client without the key
// comes back without a bound cookie and gets 401 DEVICE_BINDING_REQUIRED:
// no loop. It reports whether it answered: only for DEVICE_BINDING_REQUIRED,
// a request that carries a bound cookie, and a browser (one that sends
// Sec-Fetch-Mode); anything else is left to the caller.
func (s *Sessions) Rebind(w http.ResponseWriter, r *http.Request, err error) bool {
	if vigil.ErrorCode(err) != vigil.CodeDeviceBindingRequired || r.Header.Get("Sec-Fetch-Mode") == "" ||
		!s.recoverBound(w, r) {
		return false
	}
	to := r.RequestURI
	if to == "" || !strings.HasPrefix(to, "/") {
		to = r.URL.RequestURI()
	}
	w.Header().Set("Location", to)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusTemporaryRedirect)
	return true
}

// recoverBound prepares a request's answer for a bound cookie the server
// no longer takes: it expires the cookie and sends a new challenge
// (Secure-Session-Challenge), so that the browser's next request in the
// session's scope finds the cookie missing and refreshes it at once,
// signing that challenge. It reports whether it did: not without a bound
// cookie, nor when the session is gone or the store fails (then the
// request's error stands as it is).
func (s *Sessions) recoverBound(w http.ResponseWriter, r *http.Request) bool {
	if !s.cookies.Bound().present(r) {
		return false
	}
	cur, err := s.bindingSession(r)
	if err != nil || s.challenge(w, r, cur) != nil {
		return false
	}
	s.cookies.Bound().Clear(w)
	return true
}
