package auth

import (
	"context"
	"crypto/hmac"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/mfa"
)

// Passkeys (W3C WebAuthn Level 3; SPEC §6 "Multi-factor"): the engine
// registers a user's passkeys, and accepts one as the second factor of a
// sign-in, as the factor enrolled at a sign-in that must enrol one, alone
// for a passwordless sign-in, and for a step-up. Each ceremony is begun
// by the server, which keeps its challenge (vigil.CeremonyStore) tied to
// what it is for, and used up by the one answer it gets. The checks of an
// answer are package mfa's (go-webauthn); what follows from them is here.

// Passkeys configures passkeys: the relying party. The zero value (no
// RPID) turns passkeys off: every passkey call answers NOT_FOUND.
type Passkeys struct {
	// RPID is the relying party ID: the host of the public URL (a domain,
	// never an address; WebAuthn §5.1.2). A passkey works only there and
	// on its subdomains.
	RPID string
	// RPName is shown by authenticators beside the account; default "vigil".
	RPName string
	// Origins are the origins the pages are served from
	// (scheme://host[:port]), which the browser's answers must name.
	Origins []string
}

// Enabled reports whether passkeys are on.
func (p Passkeys) Enabled() bool { return p.RPID != "" }

// Check returns what is wrong with the settings of passkeys that are on.
func (p Passkeys) Check() error {
	if !p.Enabled() {
		return nil
	}
	_, err := p.relyingParty()
	return err
}

func (p Passkeys) relyingParty() (*mfa.Passkeys, error) {
	name := p.RPName
	if name == "" {
		name = "vigil"
	}
	return mfa.NewPasskeys(p.RPID, name, p.Origins)
}

// CeremonyTTL is how long a passkey ceremony waits for its answer: as
// long as a pending sign-in.
const CeremonyTTL = 5 * time.Minute

// PasskeyCeremony is a passkey ceremony begun: the options for the
// browser (the publicKey member of navigator.credentials.create or get,
// as JSON) and the token the client sends back with its answer.
type PasskeyCeremony struct {
	Token     vigil.Token
	Options   json.RawMessage
	ExpiresAt time.Time
}

// Limits of a passkey's name.
const maxPasskeyName = 64 // characters

// pendingAttemptLimit is how many wrong second factors (codes or passkey
// assertions) one pending sign-in takes; the last voids it, so the
// password must be entered again (NIST SP 800-63B-4 §3.2.2: attempts on
// one authenticator are limited).
const pendingAttemptLimit = 5

func errPasskeysOff() error { return vigil.Errorf(vigil.CodeNotFound, "Passkeys are not configured.") }

func errBadCeremony() error {
	return vigil.Errorf(vigil.CodeInvalidRequest, "This passkey request has expired, was used already, or is not for this step: start again.")
}

func errNoPasskey() error {
	return vigil.Errorf(vigil.CodeConflict, "You have no passkey: use another second factor.")
}

// passkeyRefused is the one answer for an assertion that is not accepted:
// unknown credential, bad signature, another challenge or origin, a
// disabled user (OWASP ASVS 5.0 6.3.8: no enumeration).
func passkeyRefused() *vigil.Error {
	return vigil.Errorf(vigil.CodeInvalidCredentials, "The passkey was not accepted.")
}

// relyingParty returns the relying party, or NOT_FOUND when passkeys are off.
func (e *Engine) relyingParty() (*mfa.Passkeys, error) {
	if !e.opt.Passkeys.Enabled() {
		return nil, errPasskeysOff()
	}
	rp, err := e.opt.Passkeys.relyingParty()
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return rp, nil
}

// passkeyUser is u as a WebAuthn user, with their credentials.
func (e *Engine) passkeyUser(ctx context.Context, u *vigil.User) (*mfa.PasskeyUser, error) {
	handle, err := e.userHandle(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	creds, err := e.store.WebAuthnCredentials(ctx, u.ID)
	if err != nil {
		return nil, storeErr("read passkeys", err)
	}
	return &mfa.PasskeyUser{Handle: handle, Name: u.Username, DisplayName: u.DisplayName, Credentials: creds}, nil
}

// userHandle is the WebAuthn user handle of the user with id.
func (e *Engine) userHandle(ctx context.Context, id int64) ([]byte, error) {
	key, err := e.store.ServerKey(ctx, mfa.PasskeyHandleKey)
	if err != nil {
		return nil, storeErr("read user-handle key", err)
	}
	return mfa.PasskeyUserHandle(key, id), nil
}

// beginCeremony keeps ch's state as a ceremony of kind for userID, tied
// to bound, and returns it to the client.
func (e *Engine) beginCeremony(ctx context.Context, kind vigil.CeremonyKind, userID int64, bound string, ch *mfa.Challenge) (*PasskeyCeremony, error) {
	tok, now := vigil.NewToken(), e.now()
	c := vigil.Ceremony{Hash: tok.Hash(), Kind: kind, UserID: userID, Bound: bound, Data: ch.State, ExpiresAt: now.Add(CeremonyTTL)}
	if err := e.store.CreateCeremony(ctx, c, now); err != nil {
		return nil, storeErr("create ceremony", err)
	}
	return &PasskeyCeremony{Token: tok, Options: ch.Options, ExpiresAt: c.ExpiresAt}, nil
}

// ceremony uses up the ceremony whose token is text, and returns it if it
// is of kind, for userID and tied to bound: anything else is refused
// (WebAuthn §13.4.3: a challenge is used once, in the ceremony it was
// made for).
func (e *Engine) ceremony(ctx context.Context, text string, kind vigil.CeremonyKind, userID int64, bound string) (*vigil.Ceremony, error) {
	tok, err := vigil.ParseToken(text)
	if err != nil {
		return nil, errBadCeremony()
	}
	c, err := e.store.ConsumeCeremony(ctx, tok.Hash(), e.now())
	if errors.Is(err, vigil.ErrNotFound) {
		return nil, errBadCeremony()
	}
	if err != nil {
		return nil, storeErr("consume ceremony", err)
	}
	if c.Kind != kind || c.UserID != userID || subtle.ConstantTimeCompare([]byte(c.Bound), []byte(bound)) != 1 {
		return nil, errBadCeremony()
	}
	return c, nil
}

// pendingBound is what a pending sign-in's ceremonies are tied to.
func pendingBound(h vigil.TokenHash) string { return hex.EncodeToString(h[:]) }

// passkeyName checks a passkey's name as the user typed it: trimmed,
// NFC, valid UTF-8 without control characters or bidirectional overrides
// and isolates (shown on the account and audit pages as a display name
// is: CVE-2021-42574, "Trojan Source"), at most 64 characters. It may be
// empty (the caller names it).
func passkeyName(name string) (string, error) {
	name = NormalizeDisplayName(name)
	switch {
	case utf8.RuneCountInString(name) > maxPasskeyName:
		return "", vigil.Errorf(vigil.CodeInvalidRequest, "A passkey's name must be at most %d characters.", maxPasskeyName)
	case !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl) || vigil.ValidateDisplayName(name) != nil:
		return "", vigil.Errorf(vigil.CodeInvalidRequest, "A passkey's name must be text without control characters or direction overrides.")
	}
	return name, nil
}

// summaryOf is a credential as the account page shows it.
func summaryOf(c *vigil.WebAuthnCredential) *PasskeySummary {
	return &PasskeySummary{ID: c.ID, Name: c.Name, CreatedAt: c.CreatedAt, LastUsedAt: c.LastUsedAt, Synced: c.BackupEligible}
}

// BeginPasskeyRegistration begins adding a passkey to the signed-in
// user's account: a discoverable credential (so that it also signs in
// without a password), none the user has already. Changing second
// factors needs a password entered within --reauth-window (OWASP ASVS
// 5.0 7.5.1).
//
// Errors: NOT_FOUND when passkeys are off; REAUTH_REQUIRED;
// STEP_UP_REQUIRED on an AAL1 session of a user with a second factor; or a
// store error.
func (e *Engine) BeginPasskeyRegistration(ctx context.Context, cur *Current) (*PasskeyCeremony, error) {
	rp, err := e.relyingParty()
	if err != nil {
		return nil, err
	}
	if err := e.requireFactorChange(ctx, cur); err != nil {
		return nil, err
	}
	return e.beginRegistration(ctx, rp, &cur.User, vigil.CeremonyRegistration, cur.Session.ID)
}

func (e *Engine) beginRegistration(ctx context.Context, rp *mfa.Passkeys, u *vigil.User, kind vigil.CeremonyKind, bound string) (*PasskeyCeremony, error) {
	pu, err := e.passkeyUser(ctx, u)
	if err != nil {
		return nil, err
	}
	ch, err := rp.BeginRegistration(pu)
	if err != nil {
		return nil, err
	}
	return e.beginCeremony(ctx, kind, u.ID, bound, ch)
}

// FinishPasskeyRegistration adds the passkey the browser created for the
// ceremony (its PublicKeyCredential as JSON), named name ("" for
// "Passkey N"). A user who had no unused recovery codes gets a new set,
// returned to be shown once (as ConfirmTOTP).
//
// Errors: NOT_FOUND when passkeys are off; REAUTH_REQUIRED;
// STEP_UP_REQUIRED on an AAL1 session of a user with a second factor;
// INVALID_REQUEST for a name that is not valid, a ceremony that is not
// this session's registration (unknown, used, expired), or an answer
// that is not accepted; CONFLICT when the passkey is registered already;
// or a store error.
func (e *Engine) FinishPasskeyRegistration(ctx context.Context, cur *Current, ceremony, name string, credential []byte, a Actor) (*PasskeySummary, []string, error) {
	if err := e.requireFactorChange(ctx, cur); err != nil {
		return nil, nil, err
	}
	return e.registerPasskey(ctx, &cur.User, ceremony, vigil.CeremonyRegistration, cur.Session.ID, name, credential, a)
}

// registerPasskey finishes a registration ceremony of kind for u.
func (e *Engine) registerPasskey(ctx context.Context, u *vigil.User, ceremony string, kind vigil.CeremonyKind, bound, name string,
	credential []byte, a Actor) (*PasskeySummary, []string, error) {
	rp, err := e.relyingParty()
	if err != nil {
		return nil, nil, err
	}
	if name, err = passkeyName(name); err != nil {
		return nil, nil, err
	}
	c, err := e.ceremony(ctx, ceremony, kind, u.ID, bound)
	if err != nil {
		return nil, nil, err
	}
	pu, err := e.passkeyUser(ctx, u)
	if err != nil {
		return nil, nil, err
	}
	cred, err := rp.FinishRegistration(pu, u.ID, c.Data, credential)
	if errors.Is(err, mfa.ErrPasskeyRefused) {
		e.factorEvent(ctx, u, a, vigil.EventMFAFailed, "factor=passkey registration refused: "+bounded(err.Error(), 200))
		return nil, nil, vigil.Errorf(vigil.CodeInvalidRequest, "The passkey could not be registered: %s.", bounded(err.Error(), 200))
	}
	if err != nil {
		return nil, nil, err
	}
	if name == "" {
		name = fmt.Sprintf("Passkey %d", len(pu.Credentials)+1)
	}
	cred.Name, cred.CreatedAt = name, e.now()
	if err := e.store.AddWebAuthnCredential(ctx, cred); errors.Is(err, vigil.ErrConflict) {
		return nil, nil, vigil.Errorf(vigil.CodeConflict, "This passkey is registered already.")
	} else if err != nil {
		return nil, nil, storeErr("add passkey", err)
	}
	e.factorEvent(ctx, u, a, vigil.EventMFAEnrolled, fmt.Sprintf("factor=passkey name=%q synced=%t", name, cred.BackupEligible))
	f, err := e.store.Factors(ctx, u.ID)
	if err != nil {
		return nil, nil, storeErr("read factors", err)
	}
	if f.RecoveryLeft() > 0 {
		return summaryOf(cred), nil, nil
	}
	codes, err := e.newRecoveryCodes(ctx, u, a)
	return summaryOf(cred), codes, err
}

// RenamePasskey renames one of the signed-in user's passkeys.
//
// Errors: INVALID_REQUEST for an empty or invalid name; NOT_FOUND for an
// id that is not one of the user's passkeys; or a store error.
func (e *Engine) RenamePasskey(ctx context.Context, cur *Current, id []byte, name string, a Actor) (*PasskeySummary, error) {
	name, err := passkeyName(name)
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, vigil.Errorf(vigil.CodeInvalidRequest, "A passkey's name cannot be empty.")
	}
	if err := e.store.RenameWebAuthnCredential(ctx, cur.User.ID, id, name); errors.Is(err, vigil.ErrNotFound) {
		return nil, errNoFactor()
	} else if err != nil {
		return nil, storeErr("rename passkey", err)
	}
	c, err := e.store.WebAuthnCredential(ctx, id)
	if err != nil {
		return nil, storeErr("read passkey", err)
	}
	e.factorEvent(ctx, &cur.User, a, vigil.EventMFARenamed, fmt.Sprintf("factor=passkey name=%q", name))
	return summaryOf(c), nil
}

// BeginPasskeySignIn begins the second step of the pending sign-in of
// tok with one of the user's passkeys.
//
// Errors: NOT_FOUND when passkeys are off; UNAUTHENTICATED when the
// pending sign-in is no longer good; CONFLICT when it is an enrolment's
// or the user has no passkey; or a store error.
func (e *Engine) BeginPasskeySignIn(ctx context.Context, tok vigil.Token) (*PasskeyCeremony, error) {
	rp, err := e.relyingParty()
	if err != nil {
		return nil, err
	}
	p, u, err := e.pendingUser(ctx, tok, false)
	if err != nil {
		return nil, err
	}
	return e.beginAssertion(ctx, rp, u, vigil.CeremonySignIn, pendingBound(p.Hash))
}

// beginAssertion begins an assertion by one of u's passkeys.
func (e *Engine) beginAssertion(ctx context.Context, rp *mfa.Passkeys, u *vigil.User, kind vigil.CeremonyKind, bound string) (*PasskeyCeremony, error) {
	pu, err := e.passkeyUser(ctx, u)
	if err != nil {
		return nil, err
	}
	if len(pu.Credentials) == 0 {
		return nil, errNoPasskey()
	}
	ch, err := rp.BeginAssertion(pu)
	if err != nil {
		return nil, err
	}
	return e.beginCeremony(ctx, kind, u.ID, bound, ch)
}

// CompletePasskeySignIn finishes the pending sign-in of tok with the
// browser's answer to the ceremony BeginPasskeySignIn began, and creates
// the session at AAL2 (password and passkey) as CompleteSignIn does. An
// answer that is not accepted counts as a wrong second factor: in the
// user's sign-in throttle, and against the pending sign-in, which its
// fifth voids.
//
// Errors: NOT_FOUND when passkeys are off; UNAUTHENTICATED when the
// pending sign-in is no longer good (or was voided now); CONFLICT when it
// is an enrolment's; INVALID_REQUEST for a ceremony that is not this
// sign-in's; INVALID_CREDENTIALS; RATE_LIMITED; or a store error.
func (e *Engine) CompletePasskeySignIn(ctx context.Context, tok vigil.Token, ceremony string, credential []byte, presented *vigil.Token, a Actor) (*Current, DeviceCredential, error) {
	rp, err := e.relyingParty()
	if err != nil {
		return nil, DeviceCredential{}, err
	}
	p, u, err := e.pendingUser(ctx, tok, false)
	if err != nil {
		return nil, DeviceCredential{}, err
	}
	a.Username = u.Username
	c, err := e.ceremony(ctx, ceremony, vigil.CeremonySignIn, u.ID, pendingBound(p.Hash))
	if err != nil {
		return nil, DeviceCredential{}, err
	}
	if err := e.assertPasskey(ctx, rp, u, c, credential, a); err != nil {
		return nil, DeviceCredential{}, e.wrongAttempt(ctx, tok, err)
	}
	return e.finishPending(ctx, tok, u, vigil.FactorPasskey, presented, a)
}

// wrongAttempt counts err, if it is a wrong second factor, against the
// pending sign-in of tok (in the throttle store, under a key of its
// hash), and voids the sign-in at the pendingAttemptLimit-th: the answer
// is then UNAUTHENTICATED. Any other err is returned as it is.
func (e *Engine) wrongAttempt(ctx context.Context, tok vigil.Token, err error) error {
	if vigil.ErrorCode(err) != vigil.CodeInvalidCredentials {
		return err
	}
	ctx, cancel := detached(ctx)
	defer cancel()
	h := tok.Hash()
	st, uerr := e.store.UpdateThrottle(ctx, "signin:"+pendingBound(h), func(st vigil.ThrottleState) vigil.ThrottleState {
		st.Streak++
		return st
	})
	if uerr != nil {
		e.log.Warn("wrong second factor not counted against its sign-in", "err", uerr)
		return err
	}
	if st.Streak < pendingAttemptLimit {
		return err
	}
	if _, cerr := e.store.ConsumePendingSignIn(ctx, h, e.now()); cerr != nil && !errors.Is(cerr, vigil.ErrNotFound) {
		e.log.Warn("pending sign-in not voided", "err", cerr)
	}
	return vigil.Errorf(vigil.CodeUnauthenticated, "Too many wrong attempts. Please enter your password again.")
}

// assertPasskey checks the browser's answer to c, an assertion by one of
// u's passkeys, under u's sign-in throttle (a refused answer counts as a
// failed sign-in; an accepted one resets the count), and records the
// passkey's use.
func (e *Engine) assertPasskey(ctx context.Context, rp *mfa.Passkeys, u *vigil.User, c *vigil.Ceremony, credential []byte, a Actor) error {
	sub, now := userSubject(u.Username), e.now()
	if err := e.admit(ctx, sub, a, now); err != nil {
		return err
	}
	pu, err := e.passkeyUser(ctx, u)
	if err == nil {
		var as *mfa.Assertion
		if as, err = rp.FinishAssertion(pu, c.Data, credential); err == nil {
			err = e.usePasskey(ctx, as)
		}
	}
	if err != nil {
		return e.wrongPasskey(ctx, sub, a, now, err)
	}
	if err := e.throttle.settle(ctx, sub.key, a.IP, now, e.now(), true); err != nil {
		return storeErr("reset throttle", err)
	}
	return nil
}

// errCloned refuses an assertion whose signature counter did not go up.
var errCloned = fmt.Errorf("%w: cloned authenticator: the signature counter did not go up", mfa.ErrPasskeyRefused)

// usePasskey records a verified assertion: its counter, its backup state,
// its time. A counter that did not go up (when either is not 0) refuses
// it (WebAuthn §6.1.1 step 17: the authenticator may have been cloned).
func (e *Engine) usePasskey(ctx context.Context, as *mfa.Assertion) error {
	if as.Cloned {
		return errCloned
	}
	err := e.store.RecordWebAuthnUse(ctx, as.CredentialID, as.SignCount, as.BackupState, e.now())
	if errors.Is(err, vigil.ErrNotFound) {
		return fmt.Errorf("%w: the passkey was removed meanwhile", mfa.ErrPasskeyRefused)
	}
	if err != nil {
		return storeErr("record passkey use", err)
	}
	return nil
}

// wrongPasskey settles a passkey attempt that failed, as wrongCode does:
// a refused answer is audited and answered INVALID_CREDENTIALS; a check
// that could not finish is returned as it is.
func (e *Engine) wrongPasskey(ctx context.Context, sub subject, a Actor, at time.Time, err error) error {
	e.failed(ctx, sub, a, at)
	if !errors.Is(err, mfa.ErrPasskeyRefused) {
		return err
	}
	e.stats.loginFailures.Add(1)
	e.Audit(ctx, a, vigil.Event{Username: sub.username, Category: vigil.CategoryAuthentication, Event: vigil.EventMFAFailed,
		Detail: "factor=passkey " + bounded(err.Error(), 200)})
	return passkeyRefused()
}

// BeginPasskeyEnrolment begins registering a passkey within the pending
// sign-in of tok (a user whose role requires a second factor and who has
// none): as BeginPasskeyRegistration, without a session.
//
// Errors: NOT_FOUND when passkeys are off; UNAUTHENTICATED when the
// pending sign-in is no longer good; CONFLICT when it is not an
// enrolment's; or a store error.
func (e *Engine) BeginPasskeyEnrolment(ctx context.Context, tok vigil.Token) (*PasskeyCeremony, error) {
	rp, err := e.relyingParty()
	if err != nil {
		return nil, err
	}
	p, u, err := e.pendingUser(ctx, tok, true)
	if err != nil {
		return nil, err
	}
	return e.beginRegistration(ctx, rp, u, vigil.CeremonyEnrol, pendingBound(p.Hash))
}

// CompletePasskeyEnrolment adds the passkey the browser created for the
// ceremony BeginPasskeyEnrolment began, uses the pending sign-in up and
// creates the session at AAL2 (password and passkey). It returns the
// recovery codes to show once, too.
//
// Errors: as BeginPasskeyEnrolment and FinishPasskeyRegistration.
func (e *Engine) CompletePasskeyEnrolment(ctx context.Context, tok vigil.Token, ceremony, name string, credential []byte,
	presented *vigil.Token, a Actor) (*Current, []string, DeviceCredential, error) {
	p, u, err := e.pendingUser(ctx, tok, true)
	if err != nil {
		return nil, nil, DeviceCredential{}, err
	}
	a.Username = u.Username
	_, codes, err := e.registerPasskey(ctx, u, ceremony, vigil.CeremonyEnrol, pendingBound(p.Hash), name, credential, a)
	if err != nil {
		return nil, nil, DeviceCredential{}, err
	}
	cur, cred, err := e.finishPending(ctx, tok, u, vigil.FactorPasskey, presented, a)
	return cur, codes, cred, err
}

// BeginPasskeyLogin begins a passwordless sign-in for the client a: any
// discoverable passkey of this relying party, with user verification
// required. One address begins at most ceremoniesPerMinute a minute, so
// that the stored ceremonies nobody has to sign in for to begin stay
// bounded.
//
// Errors: NOT_FOUND when passkeys are off; RATE_LIMITED; or a store error.
func (e *Engine) BeginPasskeyLogin(ctx context.Context, a Actor) (*PasskeyCeremony, error) {
	rp, err := e.relyingParty()
	if err != nil {
		return nil, err
	}
	if err := e.admitCeremony(ctx, a, e.now()); err != nil {
		return nil, err
	}
	ch, err := rp.BeginAssertion(nil)
	if err != nil {
		return nil, err
	}
	return e.beginCeremony(ctx, vigil.CeremonyPasswordless, 0, "", ch)
}

// PasskeyLogin signs in with a passkey alone: the browser's answer to the
// ceremony BeginPasskeyLogin began names its credential, whose user
// (found by the credential, and matching the user handle the
// authenticator returned) gets a session signed in with the passkey, at
// AAL2 when the authenticator verified the user (a multi-factor
// cryptographic authenticator, NIST SP 800-63B-4 §2.2.1), as Login does
// otherwise. Attempts are throttled by client address, as logins are.
//
// Errors: NOT_FOUND when passkeys are off; INVALID_REQUEST for a
// ceremony that is not a passwordless one (unknown, used, expired);
// INVALID_CREDENTIALS for an unknown credential, a bad signature or a
// disabled user (one answer); RATE_LIMITED; or a store error.
func (e *Engine) PasskeyLogin(ctx context.Context, ceremony string, credential []byte, presented *vigil.Token, a Actor) (*Current, DeviceCredential, error) {
	rp, err := e.relyingParty()
	if err != nil {
		return nil, DeviceCredential{}, err
	}
	now := e.now()
	if err := e.admitAddress(ctx, a, now); err != nil {
		return nil, DeviceCredential{}, err
	}
	u, uv, err := e.passwordless(ctx, rp, ceremony, credential)
	if err != nil {
		e.settleAddress(ctx, a, now, false)
		if errors.Is(err, mfa.ErrPasskeyRefused) {
			e.stats.loginFailures.Add(1)
			name := ""
			if u != nil {
				name = u.Username
			}
			e.Audit(ctx, a, vigil.Event{Username: name, Category: vigil.CategoryAuthentication, Event: vigil.EventLoginFailed,
				Detail: "passkey " + bounded(err.Error(), 200)})
			return nil, DeviceCredential{}, passkeyRefused()
		}
		return nil, DeviceCredential{}, err
	}
	e.settleAddress(ctx, a, now, true)
	a.Username = u.Username
	aal := vigil.AAL1
	if uv {
		aal = vigil.AAL2
	}
	s := userSubject(u.Username)
	cur, err := e.signIn(ctx, u, presented, aal, vigil.FactorPasskey, s, a)
	if err != nil {
		return nil, DeviceCredential{}, err
	}
	return cur, e.deviceFor(ctx, s), nil
}

// passwordless uses up the passwordless ceremony and checks the answer to
// it: it returns the credential's user and whether the user was
// verified. Refusals wrap mfa.ErrPasskeyRefused (with the user when the
// credential was found).
func (e *Engine) passwordless(ctx context.Context, rp *mfa.Passkeys, ceremony string, credential []byte) (*vigil.User, bool, error) {
	c, err := e.ceremony(ctx, ceremony, vigil.CeremonyPasswordless, 0, "")
	if err != nil {
		return nil, false, err
	}
	var user *vigil.User
	find := func(id, handle []byte) (*mfa.PasskeyUser, error) {
		u, err := e.credentialUser(ctx, id, handle)
		if err != nil {
			return nil, err
		}
		user = u
		return e.passkeyUser(ctx, u)
	}
	_, as, err := rp.FinishDiscoverable(find, c.Data, credential)
	if err == nil && user.Disabled {
		// Checked after the signature, so that only the user's own passkey
		// learns (and the audit trail records) that the account is disabled.
		err = fmt.Errorf("%w: the user is disabled", mfa.ErrPasskeyRefused)
	}
	if err == nil {
		err = e.usePasskey(ctx, as)
	}
	if err != nil {
		return user, false, err
	}
	return user, as.UserVerified, nil
}

// credentialUser returns the user of credential id if handle is their
// user handle (WebAuthn §7.2 step 6), disabled or not (the caller
// refuses a disabled one once the assertion verified).
func (e *Engine) credentialUser(ctx context.Context, id, handle []byte) (*vigil.User, error) {
	c, err := e.store.WebAuthnCredential(ctx, id)
	if errors.Is(err, vigil.ErrNotFound) {
		return nil, fmt.Errorf("%w: unknown credential", mfa.ErrPasskeyRefused)
	}
	if err != nil {
		return nil, storeErr("find passkey", err)
	}
	u, err := e.store.UserByID(ctx, c.UserID)
	if err != nil {
		return nil, storeErr("find user", err)
	}
	want, err := e.userHandle(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(want, handle) {
		return nil, fmt.Errorf("%w: the user handle is not the credential's user's", mfa.ErrPasskeyRefused)
	}
	u.PasswordHash = ""
	return u, nil
}

// ceremoniesPerMinute is how many passwordless ceremonies one client
// address may begin in a minute: a clinic behind one address signs in
// many people at the start of a shift, and a client flooding the table
// is stopped (OWASP ASVS 5.0 2.4.1: anti-automation).
const ceremoniesPerMinute = 120

// admitCeremony counts a passwordless ceremony begun by a's address at
// now, or returns RATE_LIMITED when the address began ceremoniesPerMinute
// in the last minute.
func (e *Engine) admitCeremony(ctx context.Context, a Actor, now time.Time) error {
	if a.IP == "" {
		return nil
	}
	var wait time.Duration
	_, err := e.store.UpdateThrottle(ctx, "ceremony:"+ipKey(a.IP), func(st vigil.ThrottleState) vigil.ThrottleState {
		st.Failures = within(st.Failures, now.Add(-time.Minute))
		if len(st.Failures) >= ceremoniesPerMinute {
			wait = st.Failures[0].Add(time.Minute).Sub(now)
			return st
		}
		st.Failures = insertTime(st.Failures, now)
		return st
	})
	if err != nil {
		return storeErr("throttle", err)
	}
	if wait > 0 {
		e.stats.throttled.Add(1)
		return rateLimited(wait)
	}
	return nil
}

// admitAddress lets one passwordless attempt from a's address through
// the address's throttle (as logins from it), or returns RATE_LIMITED.
func (e *Engine) admitAddress(ctx context.Context, a Actor, now time.Time) error {
	if a.IP == "" {
		return nil
	}
	wait, err := e.throttle.admit(ctx, ipKey(a.IP), now, ipRule)
	if err != nil {
		return storeErr("throttle", err)
	}
	if wait > 0 {
		e.stats.throttled.Add(1)
		e.Audit(ctx, a, vigil.Event{Category: vigil.CategoryAuthentication, Event: vigil.EventLoginThrottled, Detail: "passkey"})
		return rateLimited(wait)
	}
	return nil
}

// settleAddress ends the attempt admitted at `at`: a failure counts
// against the address.
func (e *Engine) settleAddress(ctx context.Context, a Actor, at time.Time, ok bool) {
	if a.IP == "" {
		return
	}
	ctx, cancel := detached(ctx)
	defer cancel()
	now := e.now()
	err := e.throttle.settleKey(ctx, ipKey(a.IP), at, func(st vigil.ThrottleState, pending bool) vigil.ThrottleState {
		if !ok && pending {
			return ipFailure(st, now)
		}
		return st
	})
	if err != nil {
		e.log.Warn("passkey attempt not settled yet", "err", err)
	}
}

// BeginPasskeyStepUp begins raising cur's session to AAL2 with one of
// the user's passkeys.
//
// Errors: NOT_FOUND when passkeys are off; CONFLICT when the user has no
// passkey; or a store error.
func (e *Engine) BeginPasskeyStepUp(ctx context.Context, cur *Current) (*PasskeyCeremony, error) {
	rp, err := e.relyingParty()
	if err != nil {
		return nil, err
	}
	return e.beginAssertion(ctx, rp, &cur.User, vigil.CeremonyStepUp, cur.Session.ID)
}

// PasskeyStepUp raises cur's session to AAL2 with the browser's answer to
// the ceremony BeginPasskeyStepUp began, as StepUp does with a code.
//
// Errors: NOT_FOUND when passkeys are off; INVALID_REQUEST for a
// ceremony that is not this session's step-up; INVALID_CREDENTIALS;
// RATE_LIMITED; SESSION_REVOKED; or a store error.
func (e *Engine) PasskeyStepUp(ctx context.Context, cur *Current, ceremony string, credential []byte, a Actor) (*Current, error) {
	rp, err := e.relyingParty()
	if err != nil {
		return nil, err
	}
	c, err := e.ceremony(ctx, ceremony, vigil.CeremonyStepUp, cur.User.ID, cur.Session.ID)
	if err != nil {
		return nil, err
	}
	if err := e.assertPasskey(ctx, rp, &cur.User, c, credential, a); err != nil {
		return nil, err
	}
	return e.raise(ctx, cur, vigil.FactorPasskey, a)
}
