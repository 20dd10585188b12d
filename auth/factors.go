package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/mfa"
)

// Second factors (SPEC §6 "Multi-factor"; NIST SP 800-63B-4 AAL2): the
// engine enrols a user's authenticator app (TOTP), keeps their recovery
// codes, removes factors, and checks a second factor at sign-in and
// step-up. The mechanics of each factor are package mfa's; the records
// are vigil.FactorStore's.

// MFA configures second factors (--secret-key-file, --require-mfa).
type MFA struct {
	// Keyring seals TOTP secrets at rest (--secret-key-file); nil: no
	// authenticator app can be enrolled (one enrolled earlier does not
	// sign in either, since its secret cannot be opened).
	Keyring *mfa.Keyring
	// Issuer names the service in authenticator apps; default "vigil".
	Issuer string
	// Required are the roles whose users must have a second factor
	// (--require-mfa): such a user without one enrols at sign-in, and
	// may not remove their last one.
	Required []vigil.Role
}

func (m MFA) withDefaults() MFA {
	if m.Issuer == "" {
		m.Issuer = "vigil"
	}
	return m
}

// requires reports whether users of role must have a second factor.
func (m *MFA) requires(role vigil.Role) bool { return slices.Contains(m.Required, role) }

// MFA returns the second-factor settings in use.
func (e *Engine) MFA() MFA { return e.opt.MFA }

// Methods a user can complete a second step with, as the API names them.
const (
	MethodTOTP         = "totp"
	MethodRecoveryCode = "recovery_code"
	MethodPasskey      = "passkey"
)

// FactorSummary is what a user has enrolled, as the account page and the
// API show it: never a secret.
type FactorSummary struct {
	TOTP     *TOTPSummary // nil: no confirmed authenticator app
	Passkeys []PasskeySummary
	// RecoveryLeft is how many unused recovery codes the user has;
	// RecoveryTotal how many the set had (0: no set).
	RecoveryLeft, RecoveryTotal int
	// RecoveryUsedAt is when a recovery code was last used (zero:
	// never, in this set): the account page tells the user, so a code
	// used by someone else does not go unnoticed.
	RecoveryUsedAt time.Time
	// Required says the user's role must keep a second factor.
	Required bool
	// passkeysOff: passkeys are not configured (auth.Options.Passkeys),
	// so the user's passkeys are listed but offered as no method.
	passkeysOff bool
}

// TOTPSummary is a confirmed authenticator app.
type TOTPSummary struct {
	ConfirmedAt, LastUsedAt time.Time
}

// PasskeySummary is one WebAuthn credential.
type PasskeySummary struct {
	ID                    []byte
	Name                  string
	CreatedAt, LastUsedAt time.Time
	Synced                bool // backup eligible: a passkey that syncs between devices
}

// Enrolled reports whether the summary has a second factor that signs in
// (an authenticator app or a passkey; recovery codes only stand in for
// one).
func (s *FactorSummary) Enrolled() bool { return s.TOTP != nil || len(s.Passkeys) > 0 }

// Methods returns the second-step methods the user can use, in the order
// a sign-in page offers them.
func (s *FactorSummary) Methods() []string {
	var m []string
	if len(s.Passkeys) > 0 && !s.passkeysOff {
		m = append(m, MethodPasskey)
	}
	if s.TOTP != nil {
		m = append(m, MethodTOTP)
	}
	if s.RecoveryLeft > 0 {
		m = append(m, MethodRecoveryCode)
	}
	return m
}

// summarize turns a user's records into their summary.
func (e *Engine) summarize(u *vigil.User, f *vigil.Factors) *FactorSummary {
	s := &FactorSummary{Required: e.opt.MFA.requires(u.Role), RecoveryLeft: f.RecoveryLeft(), RecoveryTotal: len(f.Recovery),
		passkeysOff: !e.opt.Passkeys.Enabled()}
	if f.TOTP != nil && f.TOTP.Confirmed() {
		s.TOTP = &TOTPSummary{ConfirmedAt: f.TOTP.ConfirmedAt, LastUsedAt: f.TOTP.LastUsedAt}
	}
	for _, c := range f.WebAuthn {
		s.Passkeys = append(s.Passkeys, PasskeySummary{ID: c.ID, Name: c.Name, CreatedAt: c.CreatedAt, LastUsedAt: c.LastUsedAt, Synced: c.BackupEligible})
	}
	for _, c := range f.Recovery {
		if c.UsedAt.After(s.RecoveryUsedAt) {
			s.RecoveryUsedAt = c.UsedAt
		}
	}
	return s
}

// userFactors reads u's factors and summarizes them.
func (e *Engine) userFactors(ctx context.Context, u *vigil.User) (*vigil.Factors, *FactorSummary, error) {
	f, err := e.store.Factors(ctx, u.ID)
	if err != nil {
		return nil, nil, storeErr("read factors", err)
	}
	return f, e.summarize(u, f), nil
}

// Factors returns what the signed-in user has enrolled.
//
// Errors: a store error.
func (e *Engine) Factors(ctx context.Context, cur *Current) (*FactorSummary, error) {
	_, s, err := e.userFactors(ctx, &cur.User)
	return s, err
}

// UserFactors returns what the named user has enrolled (for
// administrators). Errors: NOT_FOUND, or a store error.
func (e *Engine) UserFactors(ctx context.Context, username string) (*FactorSummary, error) {
	u, err := e.userByName(ctx, username)
	if err != nil {
		return nil, err
	}
	_, s, err := e.userFactors(ctx, u)
	return s, err
}

// TOTPEnrolment is an authenticator-app secret being enrolled, shown once
// so the user can add it to their app: as an otpauth:// URI (for a QR
// code, mfa.NewQR) and as text to type.
type TOTPEnrolment struct {
	URI        string
	SecretText string
}

// BeginTOTP starts enrolling an authenticator app for the signed-in user:
// a new secret, sealed with the keyring and kept pending (replacing a
// pending one) until ConfirmTOTP. Changing second factors needs a
// password entered within --reauth-window (OWASP ASVS 5.0 7.5.1).
//
// Errors: REAUTH_REQUIRED; STEP_UP_REQUIRED on an AAL1 session of a user
// with a second factor; NOT_FOUND when no --secret-key-file is set;
// CONFLICT when the user has an authenticator app already (remove it
// first); or a store error.
func (e *Engine) BeginTOTP(ctx context.Context, cur *Current) (*TOTPEnrolment, error) {
	if err := e.requireFactorChange(ctx, cur); err != nil {
		return nil, err
	}
	return e.beginTOTP(ctx, &cur.User)
}

func (e *Engine) beginTOTP(ctx context.Context, u *vigil.User) (*TOTPEnrolment, error) {
	keys := e.opt.MFA.Keyring
	if keys == nil {
		return nil, vigil.Errorf(vigil.CodeNotFound, "Authenticator apps are not enabled on this server.")
	}
	secret := mfa.NewSecret()
	en, err := e.enrolment(u, secret)
	if err != nil {
		return nil, err
	}
	f := &vigil.TOTPFactor{UserID: u.ID, Secret: keys.Seal(secret, mfa.TOTPContext(u.ID)), CreatedAt: e.now()}
	err = e.store.AddTOTP(ctx, f)
	if errors.Is(err, vigil.ErrConflict) {
		return nil, vigil.Errorf(vigil.CodeConflict, "An authenticator app is enrolled already; remove it first.")
	}
	if err != nil {
		return nil, storeErr("add totp", err)
	}
	return en, nil
}

// enrolment shows secret, u's authenticator-app key, as an enrolment.
func (e *Engine) enrolment(u *vigil.User, secret []byte) (*TOTPEnrolment, error) {
	uri, err := mfa.TOTP.URI(e.opt.MFA.Issuer, u.Username, secret)
	if err != nil {
		return nil, fmt.Errorf("auth: otpauth URI: %w", err)
	}
	return &TOTPEnrolment{URI: uri, SecretText: mfa.SecretText(secret)}, nil
}

// ConfirmTOTP confirms the signed-in user's pending authenticator app
// with its first code, which cannot sign in afterwards. A user who had no
// unused recovery codes gets a new set, returned here to be shown once.
// A wrong code counts toward the user's sign-in throttle.
//
// Errors: STEP_UP_REQUIRED on an AAL1 session of a user with a second
// factor; NOT_FOUND when no enrolment is pending; INVALID_CREDENTIALS
// for a wrong code; RATE_LIMITED; or a store error.
func (e *Engine) ConfirmTOTP(ctx context.Context, cur *Current, code string, a Actor) ([]string, error) {
	if err := e.RequireSecondFactor(ctx, cur); err != nil {
		return nil, err
	}
	return e.confirmTOTP(ctx, &cur.User, code, a)
}

func (e *Engine) confirmTOTP(ctx context.Context, u *vigil.User, code string, a Actor) ([]string, error) {
	sub, now := userSubject(u.Username), e.now()
	if err := e.admit(ctx, sub, a, now); err != nil {
		return nil, err
	}
	f, err := e.store.Factors(ctx, u.ID)
	if err != nil {
		e.failed(ctx, sub, a, now)
		return nil, storeErr("read factors", err)
	}
	if f.TOTP == nil || f.TOTP.Confirmed() {
		e.release(ctx, sub, a, now)
		return nil, errNoEnrolment()
	}
	step, err := e.totpStep(ctx, f.TOTP, code, now)
	if err != nil {
		return nil, e.wrongCode(ctx, sub, a, now, err)
	}
	if err := e.store.ConfirmTOTP(ctx, u.ID, step, now); errors.Is(err, vigil.ErrNotFound) {
		e.release(ctx, sub, a, now)
		return nil, errNoEnrolment()
	} else if err != nil {
		e.release(ctx, sub, a, now)
		return nil, storeErr("confirm totp", err)
	}
	if err := e.throttle.settle(ctx, sub.key, a.IP, now, e.now(), true); err != nil {
		e.log.Warn("throttle not reset", "username", u.Username, "err", err)
	}
	e.factorEvent(ctx, u, a, vigil.EventMFAEnrolled, "factor=totp")
	if f.RecoveryLeft() > 0 {
		return nil, nil
	}
	return e.newRecoveryCodes(ctx, u, a)
}

// totpStep opens a stored secret and checks code against it at now,
// returning the step it matched. A secret sealed with an old key is
// re-sealed with the current one (key rotation, mfa.Keyring).
func (e *Engine) totpStep(ctx context.Context, f *vigil.TOTPFactor, code string, now time.Time) (int64, error) {
	keys := e.opt.MFA.Keyring
	if keys == nil {
		return 0, errNoKeyring
	}
	secret, err := keys.Open(f.Secret, mfa.TOTPContext(f.UserID))
	if err != nil {
		return 0, fmt.Errorf("auth: open totp secret of user %d: %w", f.UserID, err)
	}
	step, err := mfa.TOTP.Verify(secret, code, now, f.LastStep)
	if err == nil && keys.Stale(f.Secret) {
		if rerr := e.store.ResealTOTP(ctx, f.UserID, f.Secret, keys.Seal(secret, mfa.TOTPContext(f.UserID))); rerr != nil && !errors.Is(rerr, vigil.ErrNotFound) {
			e.log.Warn("totp secret not re-sealed", "user_id", f.UserID, "err", rerr)
		}
	}
	return step, err
}

// errNoKeyring: a TOTP secret is stored but no --secret-key-file is set.
var errNoKeyring = errors.New("auth: a TOTP secret cannot be opened without --secret-key-file")

// wrongCode settles a second-factor attempt that failed, and counts it
// as a failure: a wrong or reused code (or one of a factor the user does
// not have) is audited and answered INVALID_CREDENTIALS; a check that
// could not finish (the store, or a secret that cannot be opened: a key
// missing from the key file) is returned as it is, and logged unless the
// store was unreachable.
func (e *Engine) wrongCode(ctx context.Context, sub subject, a Actor, at time.Time, err error) error {
	e.failed(ctx, sub, a, at)
	detail := "wrong code"
	switch {
	case errors.Is(err, mfa.ErrReusedCode), errors.Is(err, vigil.ErrConflict):
		detail = "code already used"
	case errors.Is(err, mfa.ErrInvalidCode), errors.Is(err, vigil.ErrNotFound):
	default:
		if vigil.ErrorCode(err) == vigil.CodeInternal && ctx.Err() == nil {
			e.log.Error("second factor not checked", "username", sub.username, "err", err)
		}
		return err
	}
	e.stats.loginFailures.Add(1)
	e.Audit(ctx, a, vigil.Event{Username: sub.username, Category: vigil.CategoryAuthentication, Event: vigil.EventMFAFailed, Detail: detail})
	return invalidCode()
}

// invalidCode is the one answer for a wrong, reused or unknown code.
func invalidCode() *vigil.Error {
	return vigil.Errorf(vigil.CodeInvalidCredentials, "The code is not correct, or it was used already.")
}

// release ends an admitted attempt that checked no secret (it neither
// failed nor succeeded): its pending entry goes, nothing is counted and
// nothing is forgotten.
func (e *Engine) release(ctx context.Context, sub subject, a Actor, at time.Time) {
	if err := e.throttle.release(ctx, sub.key, a.IP, at); err != nil {
		e.log.Warn("attempt not released yet", "key", sub.key, "err", err)
	}
}

// release removes the pending entry of the attempt admitted at `at`
// under key and the address, changing nothing else: a password that was
// right but is only the first of two factors leaves the failures of the
// user's key as they were, so a second step's wrong codes keep counting
// across sign-ins (else the password would reset the count before each
// few guesses).
func (t *throttle) release(ctx context.Context, key, ip string, at time.Time) error {
	ctx, cancel := detached(ctx)
	defer cancel()
	keep := func(st vigil.ThrottleState, _ bool) vigil.ThrottleState { return st }
	if err := t.settleKey(ctx, key, at, keep); err != nil || ip == "" {
		return err
	}
	return t.settleKey(ctx, ipKey(ip), at, keep)
}

// checkSecondFactor checks a code typed at a second step for u: a
// recovery code (used up by this call) or a code of the user's
// authenticator app (accepted once), under the user's sign-in throttle
// (a wrong code counts as a failed sign-in; a right one resets the
// count). It returns the factor the code was.
//
// Errors: INVALID_CREDENTIALS (wrong, reused, or no such factor: one
// answer); RATE_LIMITED; or a store error.
func (e *Engine) checkSecondFactor(ctx context.Context, u *vigil.User, code string, a Actor) (vigil.FactorSet, error) {
	sub, now := userSubject(u.Username), e.now()
	if err := e.admit(ctx, sub, a, now); err != nil {
		return 0, err
	}
	used, err := vigil.FactorTOTP, error(nil)
	if h, ok := mfa.HashRecoveryCode(code); ok {
		used, err = vigil.FactorRecoveryCode, e.useRecoveryCode(ctx, u, h, a, now)
	} else {
		err = e.useTOTP(ctx, u, code, now)
	}
	if err != nil {
		return 0, e.wrongCode(ctx, sub, a, now, err)
	}
	if err := e.throttle.settle(ctx, sub.key, a.IP, now, e.now(), true); err != nil {
		return 0, storeErr("reset throttle", err)
	}
	return used, nil
}

// useTOTP accepts code if it is a code of u's confirmed authenticator app
// for a step after the last one accepted, and records its step in one
// conditional write (so concurrent requests with one code sign in once).
// It returns mfa.ErrInvalidCode, mfa.ErrReusedCode, vigil.ErrConflict (a
// concurrent use won) or a store error.
func (e *Engine) useTOTP(ctx context.Context, u *vigil.User, code string, now time.Time) error {
	f, err := e.store.Factors(ctx, u.ID)
	if err != nil {
		return storeErr("read factors", err)
	}
	if f.TOTP == nil || !f.TOTP.Confirmed() {
		return mfa.ErrInvalidCode
	}
	step, err := e.totpStep(ctx, f.TOTP, code, now)
	if err != nil {
		return err
	}
	if err := e.store.RecordTOTPStep(ctx, u.ID, step, now); err != nil {
		if errors.Is(err, vigil.ErrConflict) || errors.Is(err, vigil.ErrNotFound) {
			return err
		}
		return storeErr("record totp step", err)
	}
	return nil
}

// useRecoveryCode uses up the recovery code of hash h, and audits it with
// how many are left.
func (e *Engine) useRecoveryCode(ctx context.Context, u *vigil.User, h vigil.TokenHash, a Actor, now time.Time) error {
	left, err := e.store.ConsumeRecoveryCode(ctx, u.ID, h, now)
	if errors.Is(err, vigil.ErrNotFound) {
		return err
	}
	if err != nil {
		return storeErr("consume recovery code", err)
	}
	e.factorEvent(ctx, u, a, vigil.EventRecoveryCodeUsed, fmt.Sprintf("left=%d", left))
	return nil
}

// RegenerateRecoveryCodes replaces the signed-in user's recovery codes
// with a new set, returned to be shown once; the old set stops working at
// once. It needs a password entered within --reauth-window.
//
// Errors: REAUTH_REQUIRED; STEP_UP_REQUIRED on an AAL1 session; CONFLICT
// for a user without a second factor
// (recovery codes stand in for one); or a store error.
func (e *Engine) RegenerateRecoveryCodes(ctx context.Context, cur *Current, a Actor) ([]string, error) {
	if err := e.requireFactorChange(ctx, cur); err != nil {
		return nil, err
	}
	_, s, err := e.userFactors(ctx, &cur.User)
	if err != nil {
		return nil, err
	}
	if !s.Enrolled() {
		return nil, vigil.Errorf(vigil.CodeConflict, "Recovery codes stand in for a second factor: add an authenticator app or a passkey first.")
	}
	return e.newRecoveryCodes(ctx, &cur.User, a)
}

// newRecoveryCodes gives u a new recovery set and returns its codes.
func (e *Engine) newRecoveryCodes(ctx context.Context, u *vigil.User, a Actor) ([]string, error) {
	codes, hashes := mfa.NewRecoveryCodes()
	if err := e.store.ReplaceRecoveryCodes(ctx, u.ID, hashes, e.now()); err != nil {
		return nil, storeErr("replace recovery codes", err)
	}
	e.factorEvent(ctx, u, a, vigil.EventRecoveryCodesGenerated, fmt.Sprintf("count=%d", len(codes)))
	return codes, nil
}

// RemoveTOTP removes the signed-in user's authenticator app (pending or
// confirmed). It needs a password entered within --reauth-window. The
// last second factor of a user whose role requires one (--require-mfa)
// is not removed; a user left with no second factor loses their recovery
// codes too (they stand in for one).
//
// Errors: REAUTH_REQUIRED; STEP_UP_REQUIRED on an AAL1 session of a user
// with a second factor; NOT_FOUND when there is none; CONFLICT for the
// last second factor of a role that requires one; or a store error.
func (e *Engine) RemoveTOTP(ctx context.Context, cur *Current, a Actor) error {
	which := func(f *vigil.Factors) (bool, bool, string) {
		return f.TOTP != nil, f.TOTP != nil && f.TOTP.Confirmed(), "factor=totp"
	}
	return e.removeFactor(ctx, cur, a, which, func() error { return e.store.RemoveTOTP(ctx, cur.User.ID) })
}

// RemovePasskey removes one of the signed-in user's passkeys, as
// RemoveTOTP removes an authenticator app.
//
// Errors: as RemoveTOTP; NOT_FOUND for an id that is not one of the
// user's passkeys.
func (e *Engine) RemovePasskey(ctx context.Context, cur *Current, id []byte, a Actor) error {
	which := func(f *vigil.Factors) (bool, bool, string) {
		i := slices.IndexFunc(f.WebAuthn, func(c vigil.WebAuthnCredential) bool { return bytes.Equal(c.ID, id) })
		if i < 0 {
			return false, false, ""
		}
		// The audit names which passkey went: its name and the start of its id.
		return true, true, fmt.Sprintf("factor=passkey name=%q id=%s", f.WebAuthn[i].Name, idPrefix(id))
	}
	return e.removeFactor(ctx, cur, a, which,
		func() error { return e.store.RemoveWebAuthnCredential(ctx, cur.User.ID, id) })
}

// removeFactor is RemoveTOTP and RemovePasskey: which says whether the
// user has the factor and whether it signs in (a pending authenticator
// app does not); remove removes it.
func (e *Engine) removeFactor(ctx context.Context, cur *Current, a Actor,
	which func(*vigil.Factors) (present, signsIn bool, detail string), remove func() error) error {
	if err := e.requireFactorChange(ctx, cur); err != nil {
		return err
	}
	u := &cur.User
	f, s, err := e.userFactors(ctx, u)
	if err != nil {
		return err
	}
	present, signsIn, detail := which(f)
	if !present {
		return errNoFactor()
	}
	lastOne := signsIn && countFactors(s) == 1
	if lastOne && s.Required {
		// NIST SP 800-63B-4 AAL2 for this role: a second factor is kept.
		return vigil.Errorf(vigil.CodeConflict, "Your role requires a second factor: add another one before removing this one.")
	}
	if err := remove(); errors.Is(err, vigil.ErrNotFound) {
		return errNoFactor()
	} else if err != nil {
		return storeErr("remove factor", err)
	}
	if lastOne && s.RecoveryTotal > 0 {
		if err := e.store.ReplaceRecoveryCodes(ctx, u.ID, nil, e.now()); err != nil {
			e.log.Warn("recovery codes not removed", "username", u.Username, "err", err)
		}
	}
	e.factorEvent(ctx, u, a, vigil.EventMFARemoved, detail)
	return nil
}

func errNoFactor() error { return vigil.Errorf(vigil.CodeNotFound, "No such factor.") }

// countFactors counts the second factors that sign in.
func countFactors(s *FactorSummary) int {
	n := len(s.Passkeys)
	if s.TOTP != nil {
		n++
	}
	return n
}

// ResetFactors removes every second factor of a user (an administrator's
// help for a lost authenticator) and ends every session of the user, so
// nothing signed in with the old factors lives on. It returns how many
// sessions it ended; the user enrols again at their next sign-in when
// their role requires it.
//
// Errors: NOT_FOUND for an unknown user; or a store error.
func (e *Engine) ResetFactors(ctx context.Context, username string, a Actor) (int, error) {
	u, err := e.userByName(ctx, username)
	if err != nil {
		return 0, err
	}
	had, err := e.store.RemoveFactors(ctx, u.ID)
	if err != nil {
		return 0, storeErr("remove factors", err)
	}
	ids, err := e.endUserSessions(ctx, u.ID, "", vigil.ReasonRevoked)
	if err != nil {
		return 0, err
	}
	e.Audit(ctx, a, vigil.Event{Username: u.Username, Category: vigil.CategoryAdmin, Event: vigil.EventMFAReset,
		Detail: fmt.Sprintf("had_factors=%t %s", had, countDetail(len(ids)))})
	return len(ids), nil
}

// factorEvent audits a change to u's factors.
func (e *Engine) factorEvent(ctx context.Context, u *vigil.User, a Actor, name, detail string) {
	e.Audit(ctx, a, vigil.Event{Username: u.Username, Category: vigil.CategoryAccount, Event: name, Detail: detail})
}

// TOTPInProgress shows again the signed-in user's authenticator app that
// BeginTOTP began and ConfirmTOTP has not confirmed yet (for a form shown
// again after a mistyped code: the same key, nothing to scan anew).
//
// Errors: NOT_FOUND when none is in progress; or a store error.
func (e *Engine) TOTPInProgress(ctx context.Context, cur *Current) (*TOTPEnrolment, error) {
	return e.inProgress(ctx, &cur.User)
}

// inProgress is u's pending authenticator app as an enrolment, or
// NOT_FOUND.
func (e *Engine) inProgress(ctx context.Context, u *vigil.User) (*TOTPEnrolment, error) {
	f, err := e.store.Factors(ctx, u.ID)
	if err != nil {
		return nil, storeErr("read factors", err)
	}
	keys := e.opt.MFA.Keyring
	if f.TOTP == nil || f.TOTP.Confirmed() || keys == nil {
		return nil, errNoEnrolment()
	}
	secret, err := keys.Open(f.TOTP.Secret, mfa.TOTPContext(u.ID))
	if err != nil {
		return nil, errNoEnrolment() // sealed with a key no longer in the file: start again
	}
	return e.enrolment(u, secret)
}

func errNoEnrolment() error {
	return vigil.Errorf(vigil.CodeNotFound, "No authenticator app is being enrolled. Start again.")
}

// requireFactorChange is what a change to a user's factors needs: a
// password entered within --reauth-window (OWASP ASVS 5.0 7.5.1) and, for
// a user who has a second factor, a session at AAL2 (NIST SP 800-63B-4
// §4.1.2: an authenticator is bound, and one removed, only by a
// subscriber authenticated at the AAL it is used at; else the password
// alone, with an AAL1 session opened before the first factor was enrolled
// or left open on a shared computer, would add a passkey or new recovery
// codes that outlive a password change).
//
// Errors: REAUTH_REQUIRED, STEP_UP_REQUIRED, or a store error.
func (e *Engine) requireFactorChange(ctx context.Context, cur *Current) error {
	if err := e.RequireRecentAuth(cur); err != nil {
		return err
	}
	return e.RequireSecondFactor(ctx, cur)
}

// idPrefix is the start of a credential id as the API writes it
// (base64url): enough to tell a user's passkeys apart in the audit log.
func idPrefix(id []byte) string {
	s := base64.RawURLEncoding.EncodeToString(id)
	return s[:min(len(s), 8)]
}
