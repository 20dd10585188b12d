package httpapi

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/vigilhttp"
)

// verify is forward auth (SPEC §5) for nginx auth_request, Caddy
// forward_auth and Traefik ForwardAuth: 200 with Remote-* headers for a
// live session (of an allowed role, with ?role=), else the API's 401 or
// 403. The original request is read from X-Forwarded-* / X-Original-*
// headers, believed only from --trusted-proxies; a cross-origin unsafe
// original request is refused with 403 CSRF_FAILED, so the app behind the
// proxy gets the same CSRF layer 1 as vigil's own routes.
func (s *server) verify(w http.ResponseWriter, r *http.Request) error {
	roles, aal, err := verifyQuery(r)
	if err != nil {
		return err
	}
	orig, err := s.original(r)
	if err != nil {
		s.log.Warn("forward auth: proxy configuration", "err", err.Error())
		return err
	}
	if err := s.cop.Check(orig); err != nil {
		return s.crossOriginOriginal(r)
	}
	cur, err := s.sessions.Verify(r)
	if vigil.ErrorCode(err) == vigil.CodeDeviceBindingRequired {
		// A proxy's auth request cannot be sent to refresh (Rebind): the
		// 401, with the copy of a lapsed bound cookie cleared.
		s.sessions.WriteJSONError(w, s.withChainHeaders(w, r), err)
		return nil
	}
	if err != nil {
		return err
	}
	if len(roles) > 0 {
		a := cur.Actor(s.sessions.ClientIP(r), r.UserAgent())
		if err := s.engine.Authorize(r.Context(), &cur, a, orig.Method+" "+orig.URL.Path, roles...); err != nil {
			return err
		}
	}
	if cur.Session.AAL < aal {
		// The app wants two factors (?aal=2) and this session has one:
		// the user steps up, not signs in again. A browser's page is
		// given the step-up page's address, back to where it was going.
		if strings.Contains(orig.Header.Get("Accept"), "text/html") {
			w.Header().Set("Location", s.prefix+"/auth/step-up?rd="+url.QueryEscape(orig.URL.RequestURI()))
		}
		return vigilhttp.ErrStepUpRequired
	}
	// Remote-Device-Bound says whether the session is bound to a device key
	// (and, once bound, the request carried its current bound cookie).
	// The answer is the status and the headers, all a proxy reads: no body
	// (so nothing to type or sniff), the Remote-* values set directly (an
	// empty Remote-Clinician-Id, -Name or -Email is still sent, so a proxy
	// that copies the headers it gets overwrites one a client sent; the
	// families chosen by --identity-headers, vigilhttp.SetIdentity), the
	// constant ones shared between answers (net/http only reads them), the
	// others in one allocation. GET /api/auth/session tells a client who it is.
	h := w.Header()
	s.sessions.SetIdentity(h, &cur)
	h["Remote-Device-Bound"] = boundValues[cur.Session.Bound()]
	h["Remote-Aal"] = aalValues[min(max(cur.Session.AAL, 1), 2)]
	h["Cache-Control"] = noStore
	w.WriteHeader(http.StatusOK)
	return nil
}

var noStore = []string{"no-store"}

// boundValues are Remote-Device-Bound's values: whether the session is
// bound to a device key (device-bound sessions).
var boundValues = map[bool][]string{true: {"true"}, false: {"false"}}

// aalValues are Remote-AAL's values, by the session's assurance level.
var aalValues = [3][]string{1: {"1"}, 2: {"2"}}

// crossOriginOriginal audits the refusal of a cross-origin original
// request and returns its error. The audit names whose session the
// refused request carried, if any: the cross-origin check runs before the
// session's (looking is not activity).
func (s *server) crossOriginOriginal(r *http.Request) error {
	if cur, err := s.sessions.Peek(r); err == nil {
		r = r.WithContext(vigilhttp.WithCurrent(r.Context(), cur))
	}
	orig, _ := s.original(r) // it was read once already
	return s.crossOrigin(orig)
}

// verifyQuery reads the query of a forward-auth request: role (the roles
// allowed) and aal (the assurance level needed: 1 or 2; 1 when absent).
// An unknown key (roles=, Role=, AAL=), a repeated one, a query that does
// not parse (role=admin;x), an empty role list or an aal other than 1 or
// 2 is a 400, never ignored: a proxy whose check was mistyped must not
// let every session through (fail closed, OWASP ASVS 5.0 8.2.1).
func verifyQuery(r *http.Request) ([]vigil.Role, int, error) {
	if r.URL.RawQuery == "" {
		return nil, vigil.AAL1, nil
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, 0, invalid("The forward-auth query %q does not parse: %v. Use ?role=clinician,admin&aal=2.", r.URL.RawQuery, err)
	}
	for key, values := range q {
		if key != "role" && key != "aal" {
			return nil, 0, invalid("Unknown forward-auth parameter %q: the parameters are role (?role=clinician,admin) and aal (?aal=2).", key)
		}
		if len(values) > 1 {
			return nil, 0, invalid("Parameter %s is given %d times: give it once.", key, len(values))
		}
	}
	aal := vigil.AAL1
	if v, ok := q["aal"]; ok {
		switch v[0] {
		case "1":
		case "2":
			aal = vigil.AAL2
		default:
			return nil, 0, invalid("Parameter aal is %q: it is 1 or 2.", v[0])
		}
	}
	if _, ok := q["role"]; !ok {
		return nil, aal, nil
	}
	roles, err := parseRoles(q.Get("role"))
	return roles, aal, err
}

// parseRoles reads ?role=clinician,admin.
func parseRoles(s string) ([]vigil.Role, error) {
	if strings.TrimSpace(s) == "" {
		return nil, invalid("Parameter role is empty: name at least one role, or leave the parameter out.")
	}
	var roles []vigil.Role
	for _, name := range strings.Split(s, ",") {
		role, err := vigil.ParseRole(strings.TrimSpace(name))
		if err != nil {
			return nil, invalid("Parameter role: %v.", err)
		}
		roles = append(roles, role)
	}
	return roles, nil
}

// original rebuilds the request the proxy is asking about. Without a
// trusted proxy, or when the proxy names no other method, address or host,
// it is the verify request itself (a GET: always allowed). The result is
// only read: it shares r's headers, which are not copied (this runs on
// every forward-auth request).
//
// A trusted proxy that names the original address or host but not its
// method is misconfigured: taking the verify request's GET would let a
// cross-origin POST through the CSRF check, so it is refused, naming the
// header to add.
func (s *server) original(r *http.Request) (*http.Request, error) {
	if !s.sessions.FromTrustedProxy(r) {
		return r, nil
	}
	m := first(r.Header, "X-Forwarded-Method", "X-Original-Method")
	u := first(r.Header, "X-Forwarded-Uri", "X-Original-URI")
	h := r.Header.Get("X-Forwarded-Host")
	if m == "" && u == "" && h == "" {
		return r, nil
	}
	if m == "" {
		return nil, errNoMethod(r.Header)
	}
	o := new(http.Request)
	*o = *r
	o.Method = strings.ToUpper(m)
	if u != "" {
		if parsed, err := r.URL.Parse(u); err == nil {
			o.URL = parsed
		}
	}
	if h != "" {
		o.Host = h
	}
	return o, nil
}

// errNoMethod is the answer to a proxy that sent the original address or
// host without the method: a configuration error, named.
func errNoMethod(h http.Header) error {
	sent := "X-Forwarded-Host"
	switch {
	case h.Get("X-Forwarded-Uri") != "":
		sent = "X-Forwarded-Uri"
	case h.Get("X-Original-URI") != "":
		sent = "X-Original-URI"
	}
	return invalid("Forward auth is misconfigured: the proxy sent %s but not X-Forwarded-Method (or X-Original-Method), "+
		"so the original request's method is unknown and its cross-origin check cannot be made. "+
		"Set X-Forwarded-Method to the original method in the proxy's auth request.", sent)
}

func first(h http.Header, names ...string) string {
	for _, n := range names {
		if v := h.Get(n); v != "" {
			return v
		}
	}
	return ""
}
