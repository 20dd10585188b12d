package web

import (
	"net/http"

	"github.com/vigilauth/vigil"
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

// resetData fills the reset form.
type resetData struct {
	Token     string // only ever written into a hidden field
	Rules     []string
	MinLength int
	Problem   *notice
}

// resetPage shows the form; with ?token= it first moves the token out of
// the address (see above).
func (p *Pages) resetPage(w http.ResponseWriter, r *http.Request) error {
	if r.URL.Query().Has("token") {
		if _, err := vigil.ParseToken(r.URL.Query().Get("token")); err == nil {
			p.setResetCookie(w, r.URL.Query().Get("token"), resetCookieMaxAge)
		}
		redirect(w, p.at("/auth/reset"))
		return nil
	}
	d := resetData{}
	if ck, err := r.Cookie(p.resetCookieName()); err == nil {
		if _, err := vigil.ParseToken(ck.Value); err == nil {
			d.Token = ck.Value
		}
	}
	p.renderReset(w, r, http.StatusOK, d)
	return nil
}

func (p *Pages) renderReset(w http.ResponseWriter, r *http.Request, status int, d resetData) {
	d.Rules, d.MinLength = p.rules, p.minLength
	p.render(w, r, status, "reset", view{Title: "Choose a new password", Data: d})
}

// resetSubmit sets the new password with the token. The engine ends every
// session of the user; success goes to the sign-in page.
func (p *Pages) resetSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return formError(err)
	}
	f := r.PostForm
	token := f.Get("token")
	if token == "" {
		if ck, err := r.Cookie(p.resetCookieName()); err == nil {
			token = ck.Value
		}
	}
	next, confirm := f.Get("new_password"), f.Get("confirm_password")
	d := resetData{Token: token}
	if _, err := vigil.ParseToken(token); err != nil {
		d.Token = ""
	}
	if token == "" || next == "" || confirm == "" {
		d.Problem = &notice{Kind: "error", Text: "Fill in the reset code, the new password and its confirmation."}
		p.renderReset(w, r, vigilhttp.Status(vigil.CodeInvalidRequest), d)
		return nil
	}
	err := p.engine.ResetPassword(r.Context(), token, next, confirm, p.sessions.Actor(r))
	if err == nil {
		p.setResetCookie(w, "", -1)
		redirect(w, p.loginURL(reasonPasswordSet, ""))
		return nil
	}
	if d.Problem = problemsNotice(err); d.Problem == nil {
		return err
	}
	if vigil.ErrorCode(err) == vigil.CodeInvalidResetToken {
		p.setResetCookie(w, "", -1)
		d.Token = ""
	}
	p.renderReset(w, r, vigilhttp.StatusOf(err), d)
	return nil
}
