package web

import (
	"net/http"
	"slices"
)

// Routes returns the pattern ("METHOD /path", path values as {name}) of
// every page route, as routes registers it and without the route prefix;
// the subtree that answers every other path with the "not found" page is
// left out. The static files and "/" are mounted by httpapi (its Routes).
func Routes() []string {
	var rec recorder
	new(Pages).routes(&rec)
	return slices.DeleteFunc(rec, func(p string) bool { return p == notFoundPath })
}

// notFoundPath takes every path under /auth/ that no page takes.
const notFoundPath = "/auth/"

// registrar is where routes registers: the router, or the recorder of
// Routes.
type registrar interface {
	Handle(pattern string, handler http.Handler)
}

// recorder is a registrar that keeps only the patterns.
type recorder []string

func (r *recorder) Handle(pattern string, _ http.Handler) { *r = append(*r, pattern) }

// routes lists every page; the static files are mounted beside them
// (Static). Page forms post to their own paths; the session-bound ones
// (everything but sign-in and reset) check the form's csrf_token (see
// form).
func (p *Pages) routes(mux registrar) {
	in, admin := p.signedIn, func(h pageFunc) handler { return p.signedIn(p.adminOnly(h)) }
	handle := func(pattern string, h handler) { mux.Handle(pattern, p.serve(h)) }

	handle("GET /auth/login", p.loginPage)
	handle("POST /auth/login", p.loginSubmit)
	handle("GET /auth/login/second-factor", p.secondFactorPage)
	handle("POST /auth/login/second-factor", p.secondFactorSubmit)
	handle("GET /auth/login/enrol", p.enrolPage)
	handle("POST /auth/login/enrol", p.enrolSubmit)
	handle("GET /auth/step-up", in(p.stepUpPage))
	handle("POST /auth/step-up", p.form(defaultReturn, p.stepUpSubmit))
	handle("POST /auth/logout", p.logout)
	handle("GET /auth/reauth", in(p.reauthPage))
	handle("POST /auth/reauth", p.form(defaultReturn, p.reauthSubmit))
	handle("GET /auth/reset", p.resetPage)
	handle("POST /auth/reset", p.resetSubmit)

	handle("GET /auth/account", in(p.account))
	handle("POST /auth/account/password", p.form("/auth/account", p.changePassword))
	handle("POST /auth/account/sessions/{id}/revoke", p.form("/auth/account", p.revokeSession))
	handle("POST /auth/account/sessions/revoke-others", p.form("/auth/account", p.revokeOthers))
	handle("POST /auth/account/factors/totp", p.form("/auth/account", p.accountBeginTOTP))
	handle("POST /auth/account/factors/totp/confirm", p.form("/auth/account", p.accountConfirmTOTP))
	handle("POST /auth/account/factors/totp/remove", p.form("/auth/account", p.accountRemoveTOTP))
	handle("POST /auth/account/factors/recovery-codes", p.form("/auth/account", p.accountRecoveryCodes))
	handle("POST /auth/account/factors/passkeys/{id}/rename", p.form("/auth/account", p.accountRenamePasskey))
	handle("POST /auth/account/factors/passkeys/{id}/remove", p.form("/auth/account", p.accountRemovePasskey))

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
	handle("POST /auth/admin/users/{username}/reset-factors", p.adminForm(p.adminResetFactors))
	handle("POST /auth/admin/webhooks/{id}/retry", p.adminForm(p.retryWebhook))

	handle(notFoundPath, p.notFound)
}
