package httpapi

import (
	"net/http"
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
func (s *server) verify(w http.ResponseWriter, r *http.Request) {
	roles, err := parseRoles(r.URL.Query().Get("role"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	orig := s.original(r)
	if err := s.cop.Check(orig); err != nil {
		s.csrfRejected(w, orig)
		return
	}
	cur, err := s.sessions.Check(r, orig.Header.Get("Vigil-Activity") != "background")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a := cur.Actor(s.clientIP(r), r.UserAgent())
	if err := s.engine.Authorize(r.Context(), cur, a, orig.Method+" "+orig.URL.Path, roles...); err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Remote-User", cur.User.Username)
	h.Set("Remote-Role", string(cur.User.Role))
	h.Set("Remote-Clinician-Id", cur.User.ClinicianID)
	h.Set("Remote-Session-Id", cur.Session.ID)
	// The answer is in the headers; a fixed body keeps JSON encoding off the
	// hottest path (GET /api/auth/session tells a client who it is).
	h.Set("Content-Type", "application/json; charset=utf-8")
	w.Write(verifiedBody)
}

var verifiedBody = []byte(`{"authenticated":true}` + "\n")

// parseRoles reads ?role=clinician,admin.
func parseRoles(s string) ([]vigil.Role, error) {
	if s == "" {
		return nil, nil
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
// trusted proxy it is the verify request itself (a GET: always allowed).
func (s *server) original(r *http.Request) *http.Request {
	if !s.trusted(vigilhttp.RemoteIP(r)) {
		return r // read only, never changed
	}
	o := r.Clone(r.Context())
	if m := first(r.Header, "X-Forwarded-Method", "X-Original-Method"); m != "" {
		o.Method = strings.ToUpper(m)
	}
	if u := first(r.Header, "X-Forwarded-Uri", "X-Original-URI"); u != "" {
		if parsed, err := r.URL.Parse(u); err == nil {
			o.URL = parsed
		}
	}
	if h := r.Header.Get("X-Forwarded-Host"); h != "" {
		o.Host = h
	}
	return o
}

func first(h http.Header, names ...string) string {
	for _, n := range names {
		if v := h.Get(n); v != "" {
			return v
		}
	}
	return ""
}
