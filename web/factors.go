package web

import (
	"html/template"
	"net/http"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/mfa"
	"github.com/vigilauth/vigil/vigilhttp"
)

// The account page's second factors (SPEC §6 "Multi-factor"): what the
// user has, setting up an authenticator app (QR code and key as text,
// confirmed by its first code), removing it, and new recovery codes, shown
// once. Changing them needs a recent password: the engine answers
// REAUTH_REQUIRED, and the browser is sent to confirm it, then back.

// factorsView is the account page's "Two-factor sign-in" section.
type factorsView struct {
	*auth.FactorSummary
	Enabled bool // --secret-key-file is set: an authenticator app can be set up
	// PasskeysOn says passkeys are on: the account page offers to add
	// one (to a browser that can; static/passkey.js).
	PasskeysOn bool
}

// accountFactors reads the signed-in user's factors for the account page.
func (p *Pages) accountFactors(r *http.Request, cur *auth.Current) (*factorsView, error) {
	s, err := p.engine.Factors(r.Context(), cur)
	if err != nil {
		return nil, err
	}
	return &factorsView{FactorSummary: s, Enabled: p.engine.MFA().Keyring != nil, PasskeysOn: p.passkeys}, nil
}

// factorNotice is the message after a change to the factors (?done=).
func factorNotice(done string) *notice {
	switch done {
	case "totp-added":
		return &notice{Kind: "success", Text: "Your authenticator app is set up."}
	case "totp-removed":
		return &notice{Kind: "success", Text: "Your authenticator app was removed."}
	case "passkey-added":
		return &notice{Kind: "success", Text: "Your passkey was added."}
	case "passkey-renamed":
		return &notice{Kind: "success", Text: "The passkey was renamed."}
	case "passkey-removed":
		return &notice{Kind: "success", Text: "The passkey was removed."}
	}
	return nil
}

// factorChangeFailed answers a refused change: a password not entered
// recently sends the browser to confirm it and come back; a refusal the
// user can act on is said on the account page.
func (p *Pages) factorChangeFailed(w http.ResponseWriter, r *http.Request, cur *auth.Current, err error) error {
	switch vigil.ErrorCode(err) {
	case vigil.CodeReauthRequired:
		redirect(w, p.at("/auth/reauth?rd=")+p.at("/auth/account%23factors"))
		return nil
	case vigil.CodeStepUpRequired:
		// A user with a second factor changes factors at AAL2: the
		// step-up form, back to the account's factors after it.
		p.renderStepUp(w, r, cur, vigilhttp.StatusOf(err), p.at("/auth/account#factors"), "")
		return nil
	case vigil.CodeConflict, vigil.CodeNotFound:
		return p.renderAccount(w, r, cur, vigilhttp.StatusOf(err), &notice{Kind: "error", Text: vigil.ErrorMessage(err)}, nil)
	}
	return err
}

// accountEnrolData fills second_factor.html for setting up an app from
// the account page.
func accountEnrolData(en *auth.TOTPEnrolment, errText string) (secondFactorData, error) {
	qr, err := mfa.NewQR(en.URI)
	if err != nil {
		return secondFactorData{}, err
	}
	png, err := qr.PNGDataURL(qrScale)
	if err != nil {
		return secondFactorData{}, err
	}
	return secondFactorData{Mode: "account-enrol", Error: errText, QR: template.URL(png),
		QRSize: (qr.Size() + 2*mfa.QuietZone) * qrScale, Secret: en.SecretText}, nil
}

func (p *Pages) renderAccountEnrol(w http.ResponseWriter, r *http.Request, cur *auth.Current, status int, en *auth.TOTPEnrolment, errText string) error {
	d, err := accountEnrolData(en, errText)
	if err != nil {
		return err
	}
	p.render(w, r, status, "second_factor", view{Title: "Set up an authenticator app", Cur: cur, Nav: "account", Data: d})
	return nil
}

// accountBeginTOTP starts setting up an authenticator app.
func (p *Pages) accountBeginTOTP(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	en, err := p.engine.BeginTOTP(r.Context(), cur)
	if err != nil {
		return p.factorChangeFailed(w, r, cur, err)
	}
	return p.renderAccountEnrol(w, r, cur, http.StatusOK, en, "")
}

// accountConfirmTOTP confirms it with its first code; the recovery codes,
// when the user gets new ones, are shown once.
func (p *Pages) accountConfirmTOTP(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	code := r.PostForm.Get("code")
	var err error = vigil.Errorf(vigil.CodeInvalidCredentials, "no code")
	var codes []string
	if code != "" {
		codes, err = p.engine.ConfirmTOTP(r.Context(), cur, code, p.sessions.Actor(r))
	}
	switch vigil.ErrorCode(err) {
	case "":
		if len(codes) == 0 {
			redirect(w, p.at("/auth/account?done=totp-added"))
			return nil
		}
		return p.showCodes(w, r, cur, codes)
	case vigil.CodeInvalidCredentials, vigil.CodeRateLimited:
		en, ierr := p.engine.TOTPInProgress(r.Context(), cur)
		if ierr != nil {
			return p.factorChangeFailed(w, r, cur, ierr)
		}
		text := "That code is not right. Enter the code the app shows now."
		if vigil.ErrorCode(err) == vigil.CodeRateLimited {
			text = throttled(vigil.AsError(err))
			vigilhttp.SetRetryAfter(w.Header(), err)
		}
		return p.renderAccountEnrol(w, r, cur, vigilhttp.StatusOf(err), en, text)
	}
	return p.factorChangeFailed(w, r, cur, err)
}

// accountRemoveTOTP removes the authenticator app.
func (p *Pages) accountRemoveTOTP(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	if err := p.engine.RemoveTOTP(r.Context(), cur, p.sessions.Actor(r)); err != nil {
		return p.factorChangeFailed(w, r, cur, err)
	}
	redirect(w, p.at("/auth/account?done=totp-removed"))
	return nil
}

// accountRecoveryCodes replaces the recovery codes and shows the new ones
// once.
func (p *Pages) accountRecoveryCodes(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	codes, err := p.engine.RegenerateRecoveryCodes(r.Context(), cur, p.sessions.Actor(r))
	if err != nil {
		return p.factorChangeFailed(w, r, cur, err)
	}
	return p.showCodes(w, r, cur, codes)
}

// showCodes shows recovery codes, this once.
func (p *Pages) showCodes(w http.ResponseWriter, r *http.Request, cur *auth.Current, codes []string) error {
	d := secondFactorData{Mode: "codes", RD: p.at("/auth/account#factors"), Codes: codes}
	p.render(w, r, http.StatusOK, "second_factor", view{Title: "Recovery codes", Cur: cur, Nav: "account", Data: d})
	return nil
}

// adminResetFactors removes every second factor of a user (a lost
// authenticator) and signs them out everywhere.
func (p *Pages) adminResetFactors(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	name := target(r)
	n, err := p.engine.ResetFactors(r.Context(), name, p.sessions.Actor(r))
	if err == nil && name == cur.User.Username {
		p.cookies.Clear(w)
		redirect(w, p.loginURL(vigil.ReasonRevoked, ""))
		return nil
	}
	return p.adminDone(w, r, err, "factors-reset", name, n)
}
