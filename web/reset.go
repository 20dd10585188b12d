package web

import (
	"net/http"
	"net/url"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/vigilhttp"
)

// The reset token travels in the link's fragment (/auth/reset#token=...),
// which browsers never send to a server, so it ends up in no access log and
// no Referer; the page's script moves it into a hidden form field. For
// browsers without JavaScript, /auth/reset?token=... is accepted too: the
// token is moved at once into a short-lived cookie that only /auth/reset
// receives and the browser is sent on to /auth/reset, so the address bar
// and history keep no secret; the form then carries it in a hidden field.

const resetCookieMaxAge = 3600 // seconds; the token itself expires sooner (--reset-token-ttl)

func (p *Pages) resetCookieName() string {
	if p.dev {
		return "vigil_reset"
	}
	return "__Secure-vigil_reset" // the prefix makes browsers insist on Secure
}

func (p *Pages) setResetCookie(w http.ResponseWriter, token string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: p.resetCookieName(), Value: token, Path: p.at("/auth/reset"), MaxAge: maxAge,
		// Lax, not Strict: the link is usually opened from another site
		// (a mail client), and a Strict cookie set there would not come
		// back on the redirect.
		Secure: !p.dev, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
}

// resetData fills the reset page.
type resetData struct {
	Token string // only ever written into a hidden field
	// Account is whose password the link sets; nil while the token is
	// not known (the form then asks for the code).
	Account *auth.ResetTarget
	// Unusable: the link was used, has expired or was replaced; the page
	// says so instead of showing the form.
	Unusable  bool
	Rules     passwordRules
	MinLength int
	Errors    *formErrors
}

// First reports whether the password set is the account's first.
func (d resetData) First() bool { return d.Account != nil && d.Account.FirstPassword }

// Username is the account's, "" while not known.
func (d resetData) Username() string {
	if d.Account == nil {
		return ""
	}
	return d.Account.Username
}

// resetPage shows the form; with ?token= it first moves the token out of
// the address (see above). A known token names its account, or the page
// says the link cannot be used.
func (p *Pages) resetPage(w http.ResponseWriter, r *http.Request) error {
	if r.URL.Query().Has("token") {
		if _, err := vigil.ParseToken(r.URL.Query().Get("token")); err == nil {
			p.setResetCookie(w, r.URL.Query().Get("token"), resetCookieMaxAge)
		}
		redirect(w, p.at("/auth/reset"))
		return nil
	}
	ck, err := r.Cookie(p.resetCookieName())
	if err != nil {
		p.renderReset(w, r, http.StatusOK, resetData{})
		return nil
	}
	return p.resetFor(w, r, ck.Value)
}

// resetFor shows the form for the account of token, or the page saying
// the link cannot be used.
func (p *Pages) resetFor(w http.ResponseWriter, r *http.Request, token string) error {
	target, err := p.engine.ResetTargetOf(r.Context(), token)
	if err != nil {
		return p.resetRefused(w, r, err)
	}
	p.renderReset(w, r, http.StatusOK, resetData{Token: token, Account: &target})
	return nil
}

// resetRefused answers a token the engine refused with the page saying
// the link cannot be used (its cookie cleared); any other error is
// returned, for the error page.
func (p *Pages) resetRefused(w http.ResponseWriter, r *http.Request, err error) error {
	if vigil.ErrorCode(err) != vigil.CodeInvalidResetToken {
		return err
	}
	p.setResetCookie(w, "", -1)
	p.renderReset(w, r, vigilhttp.StatusOf(err), resetData{Unusable: true})
	return nil
}

func (p *Pages) renderReset(w http.ResponseWriter, r *http.Request, status int, d resetData) {
	d.Rules, d.MinLength = p.rules, p.minLength
	title := "Choose a new password"
	switch {
	case d.Unusable:
		title = "This link cannot be used"
	case d.First():
		title = "Choose your password"
	}
	p.render(w, r, status, "reset", view{Title: title, Data: d})
}

// resetSubmit sets the new password with the token. The engine ends every
// session of the user; success goes to the sign-in page, the username
// filled in. Posted with the token alone (pages.js, from the link's
// fragment), it opens the link as ?token= does, without the token ever
// being in an address.
func (p *Pages) resetSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return formError(err)
	}
	f := r.PostForm
	token := f.Get("token")
	if !f.Has("new_password") && !f.Has("confirm_password") && token != "" {
		if _, err := vigil.ParseToken(token); err != nil {
			p.renderReset(w, r, vigilhttp.Status(vigil.CodeInvalidResetToken), resetData{Unusable: true})
			return nil
		}
		p.setResetCookie(w, token, resetCookieMaxAge)
		redirect(w, p.at("/auth/reset"))
		return nil
	}
	if token == "" {
		if ck, err := r.Cookie(p.resetCookieName()); err == nil {
			token = ck.Value
		}
	}
	next, confirm := f.Get("new_password"), f.Get("confirm_password")
	errs := newErrors("reset-error", "The password was not set")
	if token == "" {
		errs.add("reset-token", "Enter the reset code from your link.")
		p.newPasswordProblems(errs, "", next, confirm, false)
		p.renderReset(w, r, vigilhttp.Status(vigil.CodeInvalidRequest), resetData{Errors: errs})
		return nil
	}
	target, err := p.engine.ResetTargetOf(r.Context(), token)
	if err != nil {
		return p.resetRefused(w, r, err)
	}
	d := resetData{Token: token, Account: &target, Errors: errs}
	p.newPasswordProblems(errs, target.Username, next, confirm, target.FirstPassword)
	if len(errs.Items) > 0 {
		p.renderReset(w, r, vigilhttp.Status(vigil.CodeInvalidRequest), d)
		return nil
	}
	err = p.engine.ResetPassword(r.Context(), token, next, confirm, p.sessions.Actor(r))
	if err == nil {
		p.setResetCookie(w, "", -1)
		redirect(w, p.loginURL(reasonPasswordSet, "")+"&username="+url.QueryEscape(target.Username))
		return nil
	}
	if !engineProblem(errs, err, target.FirstPassword) {
		return p.resetRefused(w, r, err) // used up meanwhile, or the store's error
	}
	p.renderReset(w, r, vigilhttp.StatusOf(err), d)
	return nil
}
