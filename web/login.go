package web

import (
	"net/http"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/vigilhttp"
)

// loginData fills the sign-in form.
type loginData struct {
	Username string // echoed back after a failure; the password never is
	RD       string // where to go after signing in (already checked)
	Reason   *notice
	Error    string
	// Passkey offers a passwordless sign-in with a passkey, going on to
	// Return (RD, or the account page when RD is left out).
	Passkey bool
	Return  string
}

// loginPage shows the sign-in form. A visitor who is already signed in goes
// on to rd; one whose session has just ended is told why.
func (p *Pages) loginPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	rd := p.safeReturn(q.Get("rd"), p.at(defaultReturn))
	if _, present, _ := p.sessions.Cookies().Token(r); present {
		_, err := p.sessions.Peek(r)
		if err == nil {
			redirect(w, rd)
			return nil
		}
		if vigil.ErrorCode(err) == vigil.CodeDeviceBindingRequired {
			if p.sessions.Rebind(w, r, err) {
				return nil // a browser sent to renew its bound cookie first
			}
			// Bound to a key this browser did not prove: the form, to
			// sign in anew.
			p.renderLogin(w, r, http.StatusOK, loginData{RD: rd, Reason: p.reasonNotice(q.Get("reason"))})
			return nil
		}
		if !p.sessions.ClearEnded(w, r, err) {
			return err
		}
		if reason := endReason(err); reason != "" && q.Get("reason") == "" {
			redirect(w, p.loginURL(reason, q.Get("rd")))
			return nil
		}
	}
	p.renderLogin(w, r, http.StatusOK, loginData{RD: rd, Reason: p.reasonNotice(q.Get("reason")), Username: prefill(q.Get("username"))})
	return nil
}

// prefill is a username to fill in on the sign-in form (?username=, as
// after a reset), "" unless it is a valid one.
func prefill(name string) string {
	if name = vigil.NormalizeUsername(name); vigil.ValidateUsername(name) != nil {
		return ""
	}
	return name
}

func (p *Pages) renderLogin(w http.ResponseWriter, r *http.Request, status int, d loginData) {
	d.Passkey, d.Return = p.passkeys, d.RD
	if d.Return == "" {
		d.Return = p.at(defaultReturn)
	}
	if d.RD == p.at(defaultReturn) {
		d.RD = "" // keep the form (and the address bar after an error) short
	}
	p.render(w, r, status, "login", view{Title: "Sign in", Data: d, Passkey: d.Passkey})
}

// loginSubmit signs in from the form: on success the session cookie and the
// device cookie are set and the browser goes to rd with 303
// (post/redirect/get), so it works without JavaScript. A session cookie
// sent along is ended by the engine (no session fixation); a device cookie
// sent along lets the browser past a lock of the username by others.
func (p *Pages) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return formError(err)
	}
	name, pw := r.PostForm.Get("username"), r.PostForm.Get("password")
	d := loginData{Username: name, RD: p.safeReturn(r.PostForm.Get("rd"), p.at(defaultReturn))}
	if len(name) > 256 {
		d.Username = ""
	}
	if name == "" || pw == "" {
		d.Error = "Enter your username and your password."
		p.renderLogin(w, r, vigilhttp.Status(vigil.CodeInvalidRequest), d)
		return nil
	}
	_, err := p.sessions.SignIn(w, r, name, pw)
	if step, second := vigilhttp.IsSecondStep(err); second {
		redirect(w, p.secondStepURL(step.Enrol, d.RD))
		return nil
	}
	if err != nil {
		return p.loginFailed(w, r, d, err)
	}
	redirect(w, d.RD)
	return nil
}

// loginFailed answers a refused sign-in with the form again. Unknown user,
// wrong password and disabled account get one message (OWASP ASVS 5.0
// 6.3.8: no enumeration); a throttled attempt says when to try again.
// Other errors are returned.
func (p *Pages) loginFailed(w http.ResponseWriter, r *http.Request, d loginData, err error) error {
	switch vigil.ErrorCode(err) {
	case vigil.CodeInvalidCredentials:
		d.Error = "Invalid username or password."
	case vigil.CodeRateLimited:
		d.Error = throttled(vigil.AsError(err))
	default:
		return err
	}
	vigilhttp.SetRetryAfter(w.Header(), err)
	p.renderLogin(w, r, vigilhttp.StatusOf(err), d)
	return nil
}

// logout signs out from the form in the page header: with a live session
// it needs the form's CSRF token (so another site cannot sign a user out);
// without one it still clears the cookie. The browser is told to forget
// what the pages kept (Clear-Site-Data, OWASP ASVS 5.0 7.4.1).
func (p *Pages) logout(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return formError(err)
	}
	if cur, err := p.sessions.SignOut(w, r); err != nil {
		// Refused: the error page keeps the signed-in header.
		p.fail(w, r.WithContext(vigilhttp.WithCurrent(r.Context(), cur)), err)
		return nil
	}
	redirect(w, p.loginURL(vigil.ReasonLogout, ""))
	return nil
}

// reauthData fills the re-authentication form.
type reauthData struct {
	RD     string
	Errors *formErrors
	Window string
}

// reauthPage asks for the password again (administrators' changes need a
// recent one).
func (p *Pages) reauthPage(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	p.renderReauth(w, r, cur, http.StatusOK, p.safeReturn(r.URL.Query().Get("rd"), p.at(defaultReturn)), nil)
	return nil
}

func (p *Pages) renderReauth(w http.ResponseWriter, r *http.Request, cur *auth.Current, status int, rd string, errs *formErrors) {
	d := reauthData{RD: rd, Errors: errs, Window: auth.HumanDuration(p.engine.Policy().ReauthWindow)}
	p.render(w, r, status, "reauth", view{Title: "Confirm it is you", Cur: cur, Data: d})
}

// reauthSubmit checks the password, gives the session a new token and
// cookie (rotation, OWASP ASVS 5.0 7.2.4) and goes back to rd.
func (p *Pages) reauthSubmit(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	rd := p.safeReturn(r.PostForm.Get("rd"), p.at(defaultReturn))
	pw := r.PostForm.Get("password")
	errs := newErrors("reauth-error", "Not confirmed")
	if pw == "" {
		errs.add("reauth-password", "Enter your password.")
		p.renderReauth(w, r, cur, vigilhttp.Status(vigil.CodeInvalidRequest), rd, errs)
		return nil
	}
	_, err := p.sessions.Reauthenticate(w, r, cur, pw)
	switch code := vigil.ErrorCode(err); {
	case err == nil:
		redirect(w, rd)
		return nil
	case code == vigil.CodeInvalidCredentials:
		errs.add("reauth-password", "The password is not correct.")
	case code == vigil.CodeRateLimited:
		errs.add("", throttled(vigil.AsError(err)))
	case endReason(err) != "":
		return p.noSession(w, r, err, rd)
	default:
		return err
	}
	vigilhttp.SetRetryAfter(w.Header(), err)
	p.renderReauth(w, r, cur, vigilhttp.StatusOf(err), rd, errs)
	return nil
}
