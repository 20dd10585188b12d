package web

import (
	"context"
	"encoding/base64"
	"net/http"
	"slices"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/vigilhttp"
)

// Passkeys on the pages (SPEC §6 "Multi-factor"; W3C WebAuthn). The
// ceremonies run in the browser: static/passkey.js calls the JSON API
// (/api/auth/.../passkey...) and goes on to the page's return address.
// The pages only say where a passkey may be used, list the account's
// passkeys, and rename and remove them with plain forms. A browser
// without passkeys (or without JavaScript) sees none of the buttons.

// passkeyPart is the argument of the "passkey-use" and "passkey-add"
// parts: which ceremony (Flow: "login", "second-factor", "step-up",
// "enrol" or "register"), where to go after it (RD), and the button's
// label. First puts a passkey before the code form, as the main way.
type passkeyPart struct {
	Flow, RD, Label string
	First           bool
}

// codesPanel is the recovery-codes panel, empty and hidden, that
// passkey.js fills after a passkey is registered as a first factor,
// going on to rd.
func codesPanel(rd string) secondFactorData { return secondFactorData{Mode: "codes", RD: rd} }

// offer sets what the code form offers besides a recovery code, from the
// user's second-step methods: a passkey (when passkeys are on) and an
// authenticator app. Methods not known (err) offer the app, as the pages
// did before passkeys.
func (p *Pages) offer(d *secondFactorData, methods []string, err error) {
	if err != nil {
		d.App = true
		return
	}
	d.Passkey = p.passkeys && slices.Contains(methods, auth.MethodPasskey)
	d.App = slices.Contains(methods, auth.MethodTOTP)
}

// offerPending is offer for the request's pending sign-in.
func (p *Pages) offerPending(r *http.Request, d *secondFactorData) {
	tok, err := p.sessions.PendingToken(r)
	var methods []string
	if err == nil {
		methods, _, err = p.engine.PendingMethods(r.Context(), tok)
	}
	p.offer(d, methods, err)
}

// offerStepUp is offer for the signed-in user's step-up.
func (p *Pages) offerStepUp(ctx context.Context, cur *auth.Current, d *secondFactorData) {
	s, err := p.engine.Factors(ctx, cur)
	var methods []string
	if err == nil {
		methods = s.Methods()
	}
	p.offer(d, methods, err)
}

// passkeyID reads the {id} of a passkey form's address (base64url, as the
// account page writes it); one that is not names no passkey.
func passkeyID(r *http.Request) ([]byte, error) {
	id, err := base64.RawURLEncoding.DecodeString(r.PathValue("id"))
	if err != nil || len(id) == 0 {
		return nil, vigil.Errorf(vigil.CodeNotFound, "There is no such passkey.")
	}
	return id, nil
}

// accountRemovePasskey removes one of the user's passkeys (not the last
// second factor of a role that requires one: the account page says so).
func (p *Pages) accountRemovePasskey(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	id, err := passkeyID(r)
	if err == nil {
		err = p.engine.RemovePasskey(r.Context(), cur, id, p.sessions.Actor(r))
	}
	if err != nil {
		return p.factorChangeFailed(w, r, cur, err)
	}
	redirect(w, p.at("/auth/account?done=passkey-removed#factors"))
	return nil
}

// accountRenamePasskey renames one of the user's passkeys; a name the
// engine refuses (empty, too long) is said on the account page.
func (p *Pages) accountRenamePasskey(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	id, err := passkeyID(r)
	if err == nil {
		_, err = p.engine.RenamePasskey(r.Context(), cur, id, r.PostForm.Get("name"), p.sessions.Actor(r))
	}
	if vigil.ErrorCode(err) == vigil.CodeInvalidRequest {
		return p.renderAccount(w, r, cur, vigilhttp.StatusOf(err), &notice{Kind: "error", Text: vigil.ErrorMessage(err)}, nil)
	}
	if err != nil {
		return p.factorChangeFailed(w, r, cur, err)
	}
	redirect(w, p.at("/auth/account?done=passkey-renamed#factors"))
	return nil
}
