package auth

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/vigilauth/vigil"
)

// Sign-in in two steps (SPEC §6 "Multi-factor"; NIST SP 800-63B-4 AAL2).
// A user with a second factor, or whose role requires one, gets no
// session from the password alone: Login answers with a *SecondStep, a
// pending sign-in that the client holds (a cookie) and the store keeps
// hashed (vigil.PendingSignInStore). It is bound to the user and to the
// password check (a password changed since voids it), lasts
// SecondStepTTL, is used up by the step that finishes it, and grants
// nothing else. Its wrong codes count in the user's sign-in throttle, and
// a right password does not reset that count (see throttle.release), so
// guesses at the second factor stay limited however often the password
// is entered.

// SecondStepTTL is how long a pending sign-in waits for its second step.
const SecondStepTTL = 5 * time.Minute

// SecondStep is Login's answer to a right password of a user who must
// complete a second step: a second factor (Methods), or, when Enrol, the
// enrolment of one because their role requires it (--require-mfa).
// Token is the pending sign-in's, for the client to keep until
// ExpiresAt.
type SecondStep struct {
	Token     vigil.Token
	ExpiresAt time.Time
	Methods   []string
	Enrol     bool
}

func (s *SecondStep) Error() string {
	if s.Enrol {
		return "auth: the sign-in needs a second factor enrolled"
	}
	return "auth: the sign-in needs a second factor (" + strings.Join(s.Methods, ", ") + ")"
}

// secondStep decides whether u, whose password was right (attempt s,
// admitted at `at`), needs a second step, and if so starts it: the
// attempt is released from the throttle without resetting it, and a
// pending sign-in is stored. It returns nil when the password is enough.
func (e *Engine) secondStep(ctx context.Context, u *vigil.User, s subject, a Actor, at time.Time) (*SecondStep, error) {
	_, sum, err := e.userFactors(ctx, u)
	if err != nil {
		e.failed(ctx, s, a, at)
		return nil, err
	}
	if !sum.Enrolled() && !sum.Required {
		return nil, nil
	}
	e.release(ctx, s, a, at)
	now := e.now()
	step := &SecondStep{Token: vigil.NewToken(), ExpiresAt: now.Add(SecondStepTTL), Methods: sum.Methods(), Enrol: !sum.Enrolled()}
	p := vigil.PendingSignIn{Hash: step.Token.Hash(), UserID: u.ID, Enrol: step.Enrol, PasswordAt: now, ExpiresAt: step.ExpiresAt}
	if err := e.store.CreatePendingSignIn(ctx, p); err != nil {
		return nil, storeErr("create pending sign-in", err)
	}
	detail := "methods=" + strings.Join(step.Methods, ",")
	if step.Enrol {
		detail = "enrol"
	}
	ev := s.event(vigil.EventMFAChallenged)
	ev.Detail = strings.TrimSpace(ev.Detail + " " + detail)
	e.Audit(ctx, a, ev)
	return step, nil
}

// signInExpired is the one answer for a pending sign-in that is unknown,
// used, expired or void.
func signInExpired() *vigil.Error {
	return vigil.Errorf(vigil.CodeUnauthenticated, "This sign-in has expired. Please enter your password again.")
}

// pendingUser returns the pending sign-in of tok and its user, if it is
// still good (see pendingOf) and of the kind the caller finishes: enrol
// says which; a pending sign-in of the other kind is refused.
func (e *Engine) pendingUser(ctx context.Context, tok vigil.Token, enrol bool) (*vigil.PendingSignIn, *vigil.User, error) {
	p, u, err := e.pendingOf(ctx, tok)
	if err != nil {
		return nil, nil, err
	}
	if p.Enrol != enrol {
		if p.Enrol {
			return nil, nil, vigil.Errorf(vigil.CodeConflict, "This sign-in must first enrol a second factor.")
		}
		return nil, nil, vigil.Errorf(vigil.CodeConflict, "This sign-in is finished with a second factor, not an enrolment.")
	}
	return p, u, nil
}

// pendingOf returns the pending sign-in of tok and its user, if it is
// still good: unexpired, its user enabled and their password unchanged
// since it was checked.
func (e *Engine) pendingOf(ctx context.Context, tok vigil.Token) (*vigil.PendingSignIn, *vigil.User, error) {
	p, err := e.store.PendingSignIn(ctx, tok.Hash(), e.now())
	if errors.Is(err, vigil.ErrNotFound) {
		return nil, nil, signInExpired()
	}
	if err != nil {
		return nil, nil, storeErr("read pending sign-in", err)
	}
	u, err := e.store.UserByID(ctx, p.UserID)
	if errors.Is(err, vigil.ErrNotFound) || (err == nil && (u.Disabled || u.PasswordChangedAt.After(p.PasswordAt))) {
		return nil, nil, signInExpired()
	}
	if err != nil {
		return nil, nil, storeErr("find user", err)
	}
	u.PasswordHash = ""
	return p, u, nil
}

// PendingMethods returns the second-step methods of the pending sign-in
// of tok, and whether it is an enrolment (for a page that shows the
// second step). Errors: UNAUTHENTICATED when it is no longer good, or a
// store error.
func (e *Engine) PendingMethods(ctx context.Context, tok vigil.Token) (methods []string, enrol bool, err error) {
	p, u, err := e.pendingOf(ctx, tok)
	if err != nil {
		return nil, false, err
	}
	_, sum, err := e.userFactors(ctx, u)
	if err != nil {
		return nil, false, err
	}
	return sum.Methods(), p.Enrol, nil
}

// CompleteSignIn finishes the pending sign-in of tok with a second
// factor's code (an authenticator app's, or a recovery code), and
// creates the session at AAL2: as Login does (the session presented is
// revoked, --max-sessions applies), with a device credential for the
// client to keep. A wrong code leaves the pending sign-in for another
// try, within the user's throttle, up to the fifth wrong second factor,
// which voids it (wrongAttempt); a right one uses it up.
//
// Errors: UNAUTHENTICATED when the pending sign-in is unknown, used,
// expired or void (or voided now); CONFLICT when it is an enrolment's; INVALID_CREDENTIALS
// for a wrong, reused or used-up code; RATE_LIMITED; or a store error.
func (e *Engine) CompleteSignIn(ctx context.Context, tok vigil.Token, code string, presented *vigil.Token, a Actor) (*Current, DeviceCredential, error) {
	_, u, err := e.pendingUser(ctx, tok, false)
	if err != nil {
		return nil, DeviceCredential{}, err
	}
	a.Username = u.Username
	used, err := e.checkSecondFactor(ctx, u, code, a)
	if err != nil {
		return nil, DeviceCredential{}, e.wrongAttempt(ctx, tok, err)
	}
	return e.finishPending(ctx, tok, u, used, presented, a)
}

// finishPending uses up the pending sign-in of tok and creates u's
// session at AAL2, signed in with the password and used.
func (e *Engine) finishPending(ctx context.Context, tok vigil.Token, u *vigil.User, used vigil.FactorSet, presented *vigil.Token, a Actor) (*Current, DeviceCredential, error) {
	_, err := e.store.ConsumePendingSignIn(ctx, tok.Hash(), e.now())
	if errors.Is(err, vigil.ErrNotFound) {
		return nil, DeviceCredential{}, signInExpired() // finished meanwhile by another request
	}
	if err != nil {
		return nil, DeviceCredential{}, storeErr("consume pending sign-in", err)
	}
	s := userSubject(u.Username)
	cur, err := e.signIn(ctx, u, presented, vigil.AAL2, vigil.FactorPassword|used, s, a)
	if err != nil {
		return nil, DeviceCredential{}, err
	}
	return cur, e.deviceFor(ctx, s), nil
}

// BeginEnrolment starts enrolling an authenticator app within the
// pending sign-in of tok (a user whose role requires a second factor and
// who has none): as BeginTOTP, without a session. While an enrolment is
// pending it shows that one again (the key the user may have scanned
// already), so a page shown twice, or a mistyped code, asks for no new
// scan.
//
// Errors: UNAUTHENTICATED when the pending sign-in is no longer good;
// CONFLICT when it is not an enrolment's; as BeginTOTP otherwise.
func (e *Engine) BeginEnrolment(ctx context.Context, tok vigil.Token) (*TOTPEnrolment, error) {
	_, u, err := e.pendingUser(ctx, tok, true)
	if err != nil {
		return nil, err
	}
	if en, err := e.inProgress(ctx, u); err == nil || vigil.ErrorCode(err) != vigil.CodeNotFound {
		return en, err
	}
	return e.beginTOTP(ctx, u)
}

// CompleteEnrolment confirms the authenticator app BeginEnrolment began
// with its first code, uses the pending sign-in up, and creates the
// session at AAL2 (password and the new app). It returns the recovery
// codes to show once, too.
//
// Errors: as CompleteSignIn; NOT_FOUND when no enrolment was begun.
func (e *Engine) CompleteEnrolment(ctx context.Context, tok vigil.Token, code string, presented *vigil.Token, a Actor) (*Current, []string, DeviceCredential, error) {
	_, u, err := e.pendingUser(ctx, tok, true)
	if err != nil {
		return nil, nil, DeviceCredential{}, err
	}
	a.Username = u.Username
	codes, err := e.confirmTOTP(ctx, u, code, a)
	if err != nil {
		return nil, nil, DeviceCredential{}, err
	}
	cur, cred, err := e.finishPending(ctx, tok, u, vigil.FactorTOTP, presented, a)
	return cur, codes, cred, err
}
