package httpapi

import (
	"net/http"
	"slices"
	"strings"
)

// routes lists every route of the API (SPEC §3). allAPI says whether every
// path under /api/ is vigil's: true unless an application behind vigil
// (--upstream) shares /api/ with it, outside /api/auth/ and /api/admin/.
func (s *server) routes(mux *http.ServeMux, allAPI bool) {
	h, req, passive := s.serve, s.sessions.Require, s.sessions.RequirePassive
	admin := func(fn handler) http.Handler { return req(s.sessions.RequireRole("admin")(h(fn))) }

	mux.Handle("POST /api/auth/login", h(s.login))
	mux.Handle("POST /api/auth/logout", h(s.logout))
	mux.Handle("POST /api/auth/reauthenticate", req(h(s.reauthenticate)))
	mux.Handle("GET /api/auth/session", passive(h(s.session)))
	mux.Handle("POST /api/auth/session/refresh", req(h(s.refresh)))
	mux.Handle("POST /api/auth/change-password", req(h(s.changePassword)))
	mux.Handle("GET /api/auth/sessions", req(h(s.listSessions)))
	mux.Handle("DELETE /api/auth/sessions/{id}", req(h(s.revokeSession)))
	mux.Handle("POST /api/auth/sessions/revoke-others", req(h(s.revokeOthers)))
	mux.Handle("POST /api/auth/password-reset", h(s.passwordReset))
	mux.Handle("GET /api/auth/verify", h(s.verify))

	mux.Handle("GET /api/admin/users", admin(s.adminUsers))
	mux.Handle("POST /api/admin/users", admin(s.reauthed(s.adminCreateUser)))
	mux.Handle("POST /api/admin/users/{username}/disable", admin(s.reauthed(s.adminDisable)))
	mux.Handle("POST /api/admin/users/{username}/enable", admin(s.reauthed(s.adminEnable)))
	mux.Handle("POST /api/admin/users/{username}/revoke-sessions", admin(s.reauthed(s.adminRevokeSessions)))
	mux.Handle("POST /api/admin/users/{username}/reset-token", admin(s.reauthed(s.adminResetToken)))
	mux.Handle("GET /api/admin/sessions", admin(s.adminSessions))
	mux.Handle("GET /api/admin/audit", admin(s.adminAudit))
	mux.Handle("GET /api/admin/policy", admin(s.adminPolicy))

	mux.Handle("GET /healthz", h(s.healthz))
	mux.Handle("GET /readyz", h(s.readyz))

	// Any other method or path of vigil's own JSON routes gets JSON 404 or
	// 405 (SPEC §3), never the router's text answer or its redirect to a
	// trailing slash (which would lose the route prefix).
	for _, p := range ownPaths(allAPI) {
		mux.Handle(p, h(s.notFound(mux)))
	}
}

// ownPaths are the catch-all patterns of routes: every path under them
// that no route takes is answered by notFound.
func ownPaths(allAPI bool) []string {
	paths := []string{"/api/auth", "/api/auth/", "/api/admin", "/api/admin/", "/healthz", "/readyz"}
	if allAPI {
		paths = append(paths, "/api", "/api/")
	}
	return paths
}

// strayAPI answers the /api/ paths outside the route prefix with JSON 404,
// on the root of a prefixed vigil with no application behind it: a client
// that left the prefix out is told in the API's own terms.
func (s *server) strayAPI(root *http.ServeMux, prefix string) {
	for _, p := range []string{"/api", "/api/"} {
		if p != prefix && p != prefix+"/" {
			root.Handle(p, s.serve(s.notFound(root)))
		}
	}
}

// isCatchAll reports whether pattern is no route of its own: a catch-all
// of routes, or the application's "/" behind vigil.
func isCatchAll(pattern string) bool {
	return pattern == "" || pattern == "/" || slices.Contains(ownPaths(true), pattern)
}

// stripPrefix serves h with prefix, which the router matched on the
// decoded path, removed from the path. Unlike http.StripPrefix it also
// serves a path whose raw form spells the prefix with escapes
// ("/%73so/api/..."), which http.StripPrefix answers with a text 404: the
// raw path loses as many segments as the prefix has.
func stripPrefix(prefix string, h http.Handler) http.Handler {
	segments := strings.Count(prefix, "/")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := *r.URL
		u.Path = strings.TrimPrefix(r.URL.Path, prefix)
		if u.RawPath != "" {
			raw := u.RawPath
			for range segments {
				if i := strings.IndexByte(raw[1:], '/'); i >= 0 {
					raw = raw[i+1:]
				} else {
					raw = ""
				}
			}
			u.RawPath = raw
		}
		r2 := new(http.Request)
		*r2 = *r
		r2.URL = &u
		h.ServeHTTP(w, r2)
	})
}
