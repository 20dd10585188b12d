package web

import (
	"html/template"
	"net/http"
	"net/url"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/mfa"
	"github.com/vigilauth/vigil/vigilhttp"
)

// The second step of a sign-in (SPEC §6 "Multi-factor"): after a right
// password, a user with a second factor enters a code of it; a user whose
// role requires one and who has none sets up an authenticator app first,
// then sees their recovery codes once.

// secondFactorData fills second_factor.html. Mode is "code" (enter a
// code), "enrol" (scan the QR code, confirm with a code) or "codes" (the
// recovery codes, shown once).
type secondFactorData struct {
	Mode   string
	RD     string
	Error  string
	QR     template.URL // a PNG data: URL, which html/template would blank as a string
	QRSize int
	Secret string
	Codes  []string
	// Passkey offers a passkey: to finish the sign-in or step up with
	// (the user has one), or to enrol in place of an app.
	Passkey bool
	// App says the user has an authenticator app: the code form asks for
	// its code or a recovery code; without one, for a recovery code only
	// (and a passkey, first, takes the focus).
	App bool
}

// qrScale is the pixels per module of the enrolment QR code.
const qrScale = 4

// secondStepURL is where a right password leads: the code form, or the
// enrolment.
func (p *Pages) secondStepURL(enrol bool, rd string) string {
	path := "/auth/login/second-factor"
	if enrol {
		path = "/auth/login/enrol"
	}
	if rd == "" || rd == p.at(defaultReturn) {
		return p.at(path)
	}
	return p.at(path) + "?rd=" + url.QueryEscape(rd)
}

func (p *Pages) renderSecondFactor(w http.ResponseWriter, r *http.Request, status int, d secondFactorData) {
	if d.Mode == "code" {
		p.offerPending(r, &d)
	}
	p.render(w, r, status, "second_factor", view{Title: "Second factor", Data: d, Passkey: d.Passkey})
}

// secondFactorPage shows the code form of a sign-in in progress; without
// one, the browser goes back to the sign-in form.
func (p *Pages) secondFactorPage(w http.ResponseWriter, r *http.Request) error {
	rd := p.safeReturn(r.URL.Query().Get("rd"), p.at(defaultReturn))
	if _, err := p.sessions.PendingToken(r); err != nil {
		redirect(w, p.at("/auth/login"))
		return nil
	}
	p.renderSecondFactor(w, r, http.StatusOK, secondFactorData{Mode: "code", RD: rd})
	return nil
}

// secondFactorSubmit finishes the sign-in with the code typed.
func (p *Pages) secondFactorSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return formError(err)
	}
	d := secondFactorData{Mode: "code", RD: p.safeReturn(r.PostForm.Get("rd"), p.at(defaultReturn))}
	code := r.PostForm.Get("code")
	if code == "" {
		d.Error = "Enter a code."
		p.renderSecondFactor(w, r, vigilhttp.Status(vigil.CodeInvalidRequest), d)
		return nil
	}
	_, err := p.sessions.CompleteSignIn(w, r, code)
	if err == nil {
		redirect(w, d.RD)
		return nil
	}
	return p.secondStepFailed(w, r, d, err)
}

// secondStepFailed answers a refused code with the form again, or sends a
// browser whose sign-in has expired back to the password.
func (p *Pages) secondStepFailed(w http.ResponseWriter, r *http.Request, d secondFactorData, err error) error {
	switch vigil.ErrorCode(err) {
	case vigil.CodeInvalidCredentials:
		d.Error = "That code is not right, or it was used already. Try the code the app shows now."
	case vigil.CodeRateLimited:
		d.Error = throttled(vigil.AsError(err))
	case vigil.CodeUnauthenticated, vigil.CodeConflict:
		redirect(w, p.at("/auth/login"))
		return nil
	default:
		return err
	}
	if d.Mode == "enrol" {
		return p.renderEnrolment(w, r, vigilhttp.StatusOf(err), d)
	}
	vigilhttp.SetRetryAfter(w.Header(), err)
	p.renderSecondFactor(w, r, vigilhttp.StatusOf(err), d)
	return nil
}

// enrolPage shows a new authenticator-app key to scan, within a sign-in
// that must enrol one.
func (p *Pages) enrolPage(w http.ResponseWriter, r *http.Request) error {
	d := secondFactorData{Mode: "enrol", RD: p.safeReturn(r.URL.Query().Get("rd"), p.at(defaultReturn))}
	return p.renderEnrolment(w, r, http.StatusOK, d)
}

// renderEnrolment shows the sign-in's enrolment (the pending key, or a
// new one when none is pending).
func (p *Pages) renderEnrolment(w http.ResponseWriter, r *http.Request, status int, d secondFactorData) error {
	en, err := p.sessions.BeginEnrolment(w, r)
	if err != nil {
		if c := vigil.ErrorCode(err); c == vigil.CodeUnauthenticated || c == vigil.CodeConflict {
			redirect(w, p.at("/auth/login"))
			return nil
		}
		return err
	}
	qr, err := mfa.NewQR(en.URI)
	if err != nil {
		return err
	}
	png, err := qr.PNGDataURL(qrScale)
	if err != nil {
		return err
	}
	d.QR, d.QRSize, d.Secret = template.URL(png), (qr.Size()+2*mfa.QuietZone)*qrScale, en.SecretText
	d.Passkey = p.passkeys
	p.renderSecondFactor(w, r, status, d)
	return nil
}

// enrolSubmit confirms the app with its first code, which signs the user
// in, and shows the recovery codes once.
func (p *Pages) enrolSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return formError(err)
	}
	d := secondFactorData{Mode: "enrol", RD: p.safeReturn(r.PostForm.Get("rd"), p.at(defaultReturn))}
	code := r.PostForm.Get("code")
	if code == "" {
		d.Error = "Enter the code the app shows."
		return p.renderEnrolment(w, r, vigilhttp.Status(vigil.CodeInvalidRequest), d)
	}
	cur, codes, err := p.sessions.CompleteEnrolment(w, r, code)
	if err != nil {
		return p.secondStepFailed(w, r, d, err)
	}
	d.Mode, d.Codes = "codes", codes
	p.render(w, r, http.StatusOK, "second_factor", view{Title: "Recovery codes", Cur: cur, Data: d})
	return nil
}

// stepUpPage asks a signed-in user for their second factor alone, to
// raise the session to AAL2 (an app behind forward auth that needs it,
// an administrator's change); rd is where to go back.
func (p *Pages) stepUpPage(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	p.renderStepUp(w, r, cur, http.StatusOK, p.safeReturn(r.URL.Query().Get("rd"), p.at(defaultReturn)), "")
	return nil
}

// renderStepUp shows the step-up form, going back to rd, with an error
// message if errText is not empty.
func (p *Pages) renderStepUp(w http.ResponseWriter, r *http.Request, cur *auth.Current, status int, rd, errText string) {
	d := secondFactorData{Mode: "stepup", RD: rd, Error: errText}
	p.offerStepUp(r.Context(), cur, &d)
	p.render(w, r, status, "second_factor", view{Title: "Confirm it is you", Cur: cur, Data: d, Passkey: d.Passkey})
}

// stepUpSubmit raises the session with the code typed (a new token and
// cookie), then goes back to rd.
func (p *Pages) stepUpSubmit(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	d := secondFactorData{Mode: "stepup", RD: p.safeReturn(r.PostForm.Get("rd"), p.at(defaultReturn))}
	code := r.PostForm.Get("code")
	var err error = vigil.Errorf(vigil.CodeInvalidRequest, "no code")
	if code != "" {
		_, err = p.sessions.StepUp(w, r, cur, code)
	}
	switch c := vigil.ErrorCode(err); {
	case err == nil:
		redirect(w, d.RD)
		return nil
	case c == vigil.CodeInvalidRequest:
		d.Error = "Enter a code."
	case c == vigil.CodeInvalidCredentials:
		d.Error = "That code is not right, or it was used already. Try the code the app shows now."
	case c == vigil.CodeRateLimited:
		d.Error = throttled(vigil.AsError(err))
	case c == vigil.CodeConflict:
		d.Error = "You have no second factor yet: set one up first."
	case endReason(err) != "":
		return p.noSession(w, r, err, d.RD)
	default:
		return err
	}
	vigilhttp.SetRetryAfter(w.Header(), err)
	p.renderStepUp(w, r, cur, vigilhttp.StatusOf(err), d.RD, d.Error)
	return nil
}
