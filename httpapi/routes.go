package httpapi

import "net/http"

// routes lists every route of the API (SPEC §3).
func (s *server) routes(mux *http.ServeMux) {
	req, passive := s.sessions.Require, s.sessions.RequirePassive
	admin := func(h http.HandlerFunc) http.Handler {
		return req(s.sessions.RequireRole("admin")(h))
	}

	mux.HandleFunc("POST /api/auth/login", s.login)
	mux.HandleFunc("POST /api/auth/logout", s.logout)
	mux.Handle("POST /api/auth/reauthenticate", req(http.HandlerFunc(s.reauthenticate)))
	mux.Handle("GET /api/auth/session", passive(http.HandlerFunc(s.session)))
	mux.Handle("POST /api/auth/session/refresh", req(http.HandlerFunc(s.refresh)))
	mux.Handle("POST /api/auth/change-password", req(http.HandlerFunc(s.changePassword)))
	mux.Handle("GET /api/auth/sessions", req(http.HandlerFunc(s.listSessions)))
	mux.Handle("DELETE /api/auth/sessions/{id}", req(http.HandlerFunc(s.revokeSession)))
	mux.Handle("POST /api/auth/sessions/revoke-others", req(http.HandlerFunc(s.revokeOthers)))
	mux.HandleFunc("POST /api/auth/password-reset", s.passwordReset)
	mux.HandleFunc("GET /api/auth/verify", s.verify)

	mux.Handle("GET /api/admin/users", admin(s.adminUsers))
	mux.Handle("POST /api/admin/users", admin(s.reauthed(s.adminCreateUser)))
	mux.Handle("POST /api/admin/users/{username}/disable", admin(s.reauthed(s.adminDisable)))
	mux.Handle("POST /api/admin/users/{username}/enable", admin(s.reauthed(s.adminEnable)))
	mux.Handle("POST /api/admin/users/{username}/revoke-sessions", admin(s.reauthed(s.adminRevokeSessions)))
	mux.Handle("POST /api/admin/users/{username}/reset-token", admin(s.reauthed(s.adminResetToken)))
	mux.Handle("GET /api/admin/sessions", admin(s.adminSessions))
	mux.Handle("GET /api/admin/audit", admin(s.adminAudit))
	mux.Handle("GET /api/admin/policy", admin(s.adminPolicy))

	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	// Unknown paths under vigil's own prefixes get JSON 404/405; the rest of
	// /api/ may belong to an application behind vigil (--upstream).
	mux.HandleFunc("/api/auth/", s.notFound(mux))
	mux.HandleFunc("/api/admin/", s.notFound(mux))
}
