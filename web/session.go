package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/vigilhttp"
)

// signedIn serves a page (GET) only with a live session; a visitor without
// one is sent to the sign-in page, told why the session ended, and brought
// back here afterwards. Opening a page is activity (SPEC §2).
func (p *Pages) signedIn(h pageFunc) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		cur, err := p.sessions.Check(r)
		if err != nil {
			return p.noSession(w, r, err, p.at(r.URL.RequestURI()))
		}
		return p.withSession(w, r, cur, h)
	}
}

// adminOnly lets only administrators through; anyone else gets the 403
// page and the engine audits access_forbidden (SPEC §3 roles).
func (p *Pages) adminOnly(h pageFunc) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
		if err := p.sessions.Authorize(r, vigil.RoleAdmin); err != nil {
			return err
		}
		return h(w, r, cur)
	}
}

// form handles a page form post made with a session: the form is parsed,
// the session must be live (else the sign-in page, returning to back or
// the form's own rd), and the hidden csrf_token field must be the session's
// CSRF token (SPEC §3 CSRF layer 2: vigilhttp.Sessions.CheckCSRF reads the
// field, as a plain HTML form cannot send the X-CSRF-Token header).
func (p *Pages) form(back string, h pageFunc) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := r.ParseForm(); err != nil {
			return formError(err)
		}
		cur, err := p.sessions.Check(r)
		if err != nil {
			return p.noSession(w, r, err, p.safeReturn(r.PostForm.Get("rd"), p.at(back)))
		}
		return p.withSession(w, r, cur, func(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
			if err := p.sessions.CheckCSRF(r, cur); err != nil {
				return err
			}
			return h(w, r, cur)
		})
	}
}

// adminForm is form for administrators' changes: admin role, then a
// password entered within --reauth-window (SPEC §3; OWASP ASVS 5.0 7.5.3),
// else the re-authentication form, which comes back to the page the form
// was on.
func (p *Pages) adminForm(h pageFunc) handler {
	return p.form("/auth/admin", p.adminOnly(func(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
		// An administrator with a second factor changes things at AAL2:
		// the step-up form, then the change again (as after reauth).
		if err := p.engine.RequireSecondFactor(r.Context(), cur); vigil.ErrorCode(err) == vigil.CodeStepUpRequired {
			p.renderStepUp(w, r, cur, vigilhttp.StatusOf(err), p.adminReturn(r.PostForm.Get("rd")), "")
			return nil
		} else if err != nil {
			return err
		}
		if err := p.engine.RequireRecentAuth(cur); err != nil {
			p.renderReauth(w, r, cur, vigilhttp.StatusOf(err), p.adminReturn(r.PostForm.Get("rd")), nil)
			return nil
		}
		return h(w, r, cur)
	}))
}

// noSession answers a request without a live session: the cookie of an
// ended session is cleared and the visitor goes to the sign-in page with
// the reason and the page to return to; a device-bound session's request
// without its current bound cookie is sent to renew it (a browser holding
// the key, vigilhttp.Sessions.Rebind) or else to sign in; any other error
// (the store's failure) is returned, for the error page (fail closed).
func (p *Pages) noSession(w http.ResponseWriter, r *http.Request, err error, rd string) error {
	if p.sessions.Rebind(w, r, err) {
		return nil // a browser sent to renew its bound cookie first
	}
	if vigil.ErrorCode(err) == vigil.CodeDeviceBindingRequired {
		// The session is bound to a key this browser did not prove: it
		// signs in anew (which ends the session it presents).
		redirect(w, p.loginURL(reasonDeviceBinding, rd))
		return nil
	}
	if !p.sessions.ClearEnded(w, r, err) {
		return err
	}
	redirect(w, p.loginURL(endReason(err), rd))
	return nil
}

// endReason returns why a session ended, or "" when err is not about an
// ended session.
func endReason(err error) vigil.Reason {
	var e *vigil.Error
	if errors.As(err, &e) && (e.Code == vigil.CodeSessionExpired || e.Code == vigil.CodeSessionRevoked) {
		return e.Reason
	}
	return ""
}

// loginURL is the sign-in page saying why the session ended (if reason is
// set) and where to return to (if rd is set).
func (p *Pages) loginURL(reason vigil.Reason, rd string) string {
	q := ""
	if reason != "" {
		q = "reason=" + url.QueryEscape(string(reason))
	}
	if rd != "" {
		if q != "" {
			q += "&"
		}
		q += "rd=" + url.QueryEscape(rd)
	}
	if q == "" {
		return p.at("/auth/login")
	}
	return p.at("/auth/login?" + q)
}

// redirect answers 303 See Other to a same-origin path, so a form post is
// followed by a GET (post/redirect/get).
func redirect(w http.ResponseWriter, to string) {
	w.Header().Set("Location", to)
	w.WriteHeader(http.StatusSeeOther)
}
