package web

import "net/http"

// routes lists every page; the static files are mounted beside them
// (Static). Page forms post to their own paths; the session-bound ones
// (everything but sign-in and reset) check the form's csrf_token (see
// form).
func (p *Pages) routes(mux *http.ServeMux) {
	in, admin := p.signedIn, func(h pageFunc) handler { return p.signedIn(p.adminOnly(h)) }
	handle := func(pattern string, h handler) { mux.Handle(pattern, p.serve(h)) }

	handle("GET /auth/login", p.loginPage)
	handle("POST /auth/login", p.loginSubmit)
	handle("POST /auth/logout", p.logout)
	handle("GET /auth/reauth", in(p.reauthPage))
	handle("POST /auth/reauth", p.form(defaultReturn, p.reauthSubmit))
	handle("GET /auth/reset", p.resetPage)
	handle("POST /auth/reset", p.resetSubmit)

	handle("GET /auth/account", in(p.account))
	handle("POST /auth/account/password", p.form("/auth/account", p.changePassword))
	handle("POST /auth/account/sessions/{id}/revoke", p.form("/auth/account", p.revokeSession))
	handle("POST /auth/account/sessions/revoke-others", p.form("/auth/account", p.revokeOthers))

	handle("GET /auth/admin", admin(p.adminUsers))
	handle("GET /auth/admin/users/{username}", admin(p.adminUser))
	handle("GET /auth/admin/sessions", admin(p.adminSessions))
	handle("GET /auth/admin/audit", admin(p.adminAudit))
	handle("GET /auth/admin/policy", admin(p.adminPolicy))
	handle("POST /auth/admin/users", p.adminForm(p.adminCreate))
	handle("POST /auth/admin/users/{username}/disable", p.adminForm(p.adminDisable))
	handle("POST /auth/admin/users/{username}/enable", p.adminForm(p.adminEnable))
	handle("POST /auth/admin/users/{username}/reset-link", p.adminForm(p.adminResetLink))
	handle("POST /auth/admin/users/{username}/revoke-sessions", p.adminForm(p.adminRevoke))

	handle("/auth/", p.notFound)
}
