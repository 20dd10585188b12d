package httpapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/vigilauth/vigil/vigilhttp"
)

// The places of the pages and the device-binding routes in the tree
// (without the route prefix).
const (
	bindingPaths = "/auth/dbsc/"
	pagesPath    = "/auth/"
	staticPath   = "/auth/static/"
	staticFiles  = "GET " + staticPath + "{file}"
)

// mount builds the whole tree, the one place that decides which handler
// takes which path: vigil's own routes (the API, forward auth, health, the
// pages, their static files and "/") in one router behind the body limit,
// under the route prefix if there is one; app takes every other request
// (its uploads and forms are its own to judge, so no body limit), or
// without one the root of a prefixed vigil redirects to the prefix and
// answers /api/ paths outside it with JSON 404.
func (s *server) mount(app http.Handler) http.Handler {
	own := http.NewServeMux()
	s.routes(own)
	s.pageRoutes(own, app)
	if s.pages != nil {
		// The router's own redirect of /auth to /auth/ would name the
		// path without the route prefix (an app's page, under one).
		own.Handle(strings.TrimSuffix(pagesPath, "/"), http.RedirectHandler(s.prefix+pagesPath, http.StatusTemporaryRedirect))
	}
	ours := s.limitBody(own)
	switch {
	case s.prefix != "":
		root := http.NewServeMux()
		root.Handle(s.prefix+"/", stripPrefix(s.prefix, ours))
		if app != nil {
			root.Handle("/", app)
		} else {
			root.Handle("GET /{$}", http.RedirectHandler(s.prefix+"/", http.StatusFound))
			s.strayAPI(root)
		}
		return root
	case app != nil:
		// The app shares the root: vigil keeps its own paths, and /api/
		// outside /api/auth/ and /api/admin/ is the app's.
		root := http.NewServeMux()
		for _, p := range s.ownPaths() {
			root.Handle(p, ours)
		}
		root.Handle("/", app)
		return root
	}
	return ours
}

// pageRoutes mounts the pages, their static files and "/" beside the API,
// when there are pages.
func (s *server) pageRoutes(mux registrar, app http.Handler) {
	if s.pages == nil {
		return
	}
	mux.Handle(staticFiles, s.pages.Static())
	mux.Handle(pagesPath, s.pages)
	if app == nil || s.prefix != "" { // "/" is the app's only without a prefix
		mux.Handle("GET /{$}", s.pages.Home())
	}
}

// ownPaths are the subtrees vigil keeps beside an app at the root.
func (s *server) ownPaths() []string {
	if s.pages != nil {
		return slices.Concat(catchAlls, []string{pagesPath})
	}
	return catchAlls
}

// forPages reports whether r is for the pages as mount placed them: under
// the route prefix and /auth/, but neither a static file nor a
// device-binding route (JSON, for the browser's own requests).
func (s *server) forPages(r *http.Request) bool {
	rest, ok := strings.CutPrefix(r.URL.Path, s.prefix)
	return s.pages != nil && ok && strings.HasPrefix(rest, pagesPath) && !strings.HasPrefix(rest, staticPath) &&
		!strings.HasPrefix(rest, bindingPaths)
}

// registrar is where routes are registered: the router, or the recorder
// of Routes.
type registrar interface {
	Handle(pattern string, handler http.Handler)
}

// Routes returns the pattern ("METHOD /path", path values as {name}) of
// every route NewServer serves with pages and no App, without the route
// prefix: the API's (apiRoutes), the static files and "/" (pageRoutes),
// in the order they are registered. The pages' own routes are
// web.Routes; the subtrees that only answer what no route takes (JSON
// 404 and 405, the pages' "not found") are left out.
func Routes() []string {
	var rec recorder
	s := &server{sessions: new(vigilhttp.Sessions), pages: recordedPages{}}
	s.apiRoutes(&rec)
	s.pageRoutes(&rec, nil)
	return slices.DeleteFunc(rec, func(p string) bool { return p == pagesPath })
}

// recorder is a registrar that keeps only the patterns.
type recorder []string

func (r *recorder) Handle(pattern string, _ http.Handler) { *r = append(*r, pattern) }

// recordedPages stands in for the pages while Routes records.
type recordedPages struct{ http.Handler }

func (recordedPages) Static() http.Handler                                  { return nil }
func (recordedPages) Home() http.Handler                                    { return nil }
func (recordedPages) CrossOriginRefused(http.ResponseWriter, *http.Request) {}

// routes registers the API (apiRoutes) and, under the API's subtrees, the
// answer to every path no route takes.
func (s *server) routes(mux *http.ServeMux) {
	s.apiRoutes(mux)

	// Any other method or path of vigil's own JSON routes gets JSON 404 or
	// 405 (SPEC §3), never the router's text answer or its redirect to a
	// trailing slash (which would lose the route prefix).
	for _, p := range slices.Concat(catchAlls, apiRoot) {
		mux.Handle(p, s.serve(s.notFound(mux)))
	}
}

// apiRoutes lists every route of the API (SPEC §3).
func (s *server) apiRoutes(mux registrar) {
	h, req, passive := s.serve, s.sessions.Require, s.sessions.RequirePassive
	admin := func(fn handler) http.Handler { return req(s.sessions.RequireRole("admin")(h(fn))) }

	mux.Handle("POST /api/auth/login", h(s.login))
	mux.Handle("POST /api/auth/login/second-factor", h(s.loginSecondFactor))
	mux.Handle("POST /api/auth/login/enrol/totp", h(s.loginEnrolTOTP))
	mux.Handle("POST /api/auth/login/enrol/totp/confirm", h(s.loginEnrolConfirm))
	mux.Handle("POST /api/auth/step-up", req(h(s.stepUp)))
	mux.Handle("GET /api/auth/factors", req(h(s.factors)))
	mux.Handle("POST /api/auth/factors/totp", req(h(s.beginTOTP)))
	mux.Handle("POST /api/auth/factors/totp/confirm", req(h(s.confirmTOTP)))
	mux.Handle("DELETE /api/auth/factors/totp", req(h(s.removeTOTP)))
	mux.Handle("POST /api/auth/factors/recovery-codes", req(h(s.regenerateCodes)))
	mux.Handle("POST /api/auth/factors/passkeys/options", req(h(s.passkeyRegistrationOptions)))
	mux.Handle("POST /api/auth/factors/passkeys", req(h(s.addPasskey)))
	mux.Handle("PATCH /api/auth/factors/passkeys/{id}", req(h(s.renamePasskey)))
	mux.Handle("DELETE /api/auth/factors/passkeys/{id}", req(h(s.removePasskey)))
	mux.Handle("POST /api/auth/login/passkey/options", h(s.loginPasskeyOptions))
	mux.Handle("POST /api/auth/login/passkey", h(s.loginPasskey))
	mux.Handle("POST /api/auth/login/enrol/passkey/options", h(s.loginEnrolPasskeyOptions))
	mux.Handle("POST /api/auth/login/enrol/passkey", h(s.loginEnrolPasskey))
	mux.Handle("POST /api/auth/passkey/options", h(s.passwordlessOptions))
	mux.Handle("POST /api/auth/passkey/login", h(s.passwordlessLogin))
	mux.Handle("POST /api/auth/step-up/passkey/options", req(h(s.stepUpPasskeyOptions)))
	mux.Handle("POST /api/auth/step-up/passkey", req(h(s.stepUpPasskey)))
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
	mux.Handle("POST "+vigilhttp.StartPath, h(s.sessions.StartBinding))
	mux.Handle("POST "+vigilhttp.RefreshPath, h(s.sessions.RefreshBinding))

	mux.Handle("GET /api/admin/users", admin(s.adminUsers))
	mux.Handle("POST /api/admin/users", admin(s.reauthed(s.adminCreateUser)))
	mux.Handle("POST /api/admin/users/{username}/disable", admin(s.reauthed(s.adminDisable)))
	mux.Handle("POST /api/admin/users/{username}/enable", admin(s.reauthed(s.adminEnable)))
	mux.Handle("POST /api/admin/users/{username}/revoke-sessions", admin(s.reauthed(s.adminRevokeSessions)))
	mux.Handle("POST /api/admin/users/{username}/reset-token", admin(s.reauthed(s.adminResetToken)))
	mux.Handle("POST /api/admin/users/{username}/reset-factors", admin(s.reauthed(s.adminResetFactors)))
	mux.Handle("GET /api/admin/sessions", admin(s.adminSessions))
	mux.Handle("GET /api/admin/audit", admin(s.adminAudit))
	mux.Handle("GET /api/admin/policy", admin(s.adminPolicy))
	mux.Handle("GET /api/admin/webhooks", admin(s.adminFailedWebhooks))
	mux.Handle("POST /api/admin/webhooks/{id}/retry", admin(s.reauthed(s.adminRetryWebhook)))

	mux.Handle("GET /healthz", h(s.healthz))
	mux.Handle("GET /readyz", h(s.readyz))
}

// catchAlls and apiRoot are the patterns under which every path no route
// takes is answered by notFound; apiRoot's are vigil's only where no app
// shares the root (mount).
var (
	catchAlls = []string{"/api/auth", "/api/auth/", "/api/admin", "/api/admin/", "/healthz", "/readyz", bindingPaths}
	apiRoot   = []string{"/api", "/api/"}
)

// strayAPI answers the /api/ paths outside the route prefix with JSON 404,
// on the root of a prefixed vigil with no application behind it: a client
// that left the prefix out is told in the API's own terms.
func (s *server) strayAPI(root *http.ServeMux) {
	for _, p := range apiRoot {
		if p != s.prefix && p != s.prefix+"/" {
			root.Handle(p, s.serve(s.notFound(root)))
		}
	}
}

// isCatchAll reports whether pattern is no route of its own.
func isCatchAll(pattern string) bool {
	return pattern == "" || slices.Contains(catchAlls, pattern) || slices.Contains(apiRoot, pattern)
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
