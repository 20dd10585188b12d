package auth

import (
	"context"
	"errors"

	"github.com/vigilauth/vigil"
)

// assured reads a session stored without an assurance level (made before
// vigil recorded one) as what it was: AAL1, by password.
func assured(s *vigil.Session) {
	if s.AAL < vigil.AAL1 {
		s.AAL, s.Factors = vigil.AAL1, s.Factors|vigil.FactorPassword
	}
}

// StepUp raises cur's session to AAL2 with a second factor typed in it (a
// code of the user's authenticator app, or a recovery code), re-prompting
// only that factor (the password was entered at sign-in): the session
// gets a new token (rotation on privilege change, OWASP ASVS 5.0 7.2.4),
// AAL2, the factor added to its factors, and ReauthAt now (NIST SP
// 800-63B-4 §2.2.3: an AAL2 reauthentication may use one factor). The
// old token stops working. A session at AAL2 already is re-prompted the
// same way (its ReauthAt renewed).
//
// Errors: CONFLICT for a user without a second factor (add one first);
// INVALID_CREDENTIALS for a wrong, reused or used-up code; RATE_LIMITED;
// SESSION_REVOKED when the session ended meanwhile; or a store error.
func (e *Engine) StepUp(ctx context.Context, cur *Current, code string, a Actor) (*Current, error) {
	_, s, err := e.userFactors(ctx, &cur.User)
	if err != nil {
		return nil, err
	}
	if !s.Enrolled() {
		return nil, errNoSecondFactor()
	}
	used, err := e.checkSecondFactor(ctx, &cur.User, code, a)
	if err != nil {
		return nil, err
	}
	return e.raise(ctx, cur, used, a)
}

// raise gives cur's session a new token, AAL2 and the factor used, and
// audits the step-up.
func (e *Engine) raise(ctx context.Context, cur *Current, used vigil.FactorSet, a Actor) (*Current, error) {
	tok, now := vigil.NewToken(), e.now()
	factors := cur.Session.Factors | used
	err := e.store.RaiseSession(ctx, cur.Session.ID, tok.Hash(), now, vigil.AAL2, factors)
	e.cache.dropSession(cur.Session.ID)
	if errors.Is(err, vigil.ErrNotFound) {
		return nil, vigil.SessionEndedError(vigil.ReasonRevoked)
	}
	if err != nil {
		return nil, storeErr("raise session", err)
	}
	next := *cur
	next.Token, next.Session.TokenHash, next.Session.ReauthAt = tok, tok.Hash(), now
	next.Session.AAL, next.Session.Factors = vigil.AAL2, factors
	next.Limits = e.opt.Policy.ForSession(cur.User.Role, vigil.AAL2)
	e.Audit(ctx, a, vigil.Event{Username: cur.User.Username, Category: vigil.CategoryAuthentication,
		Event: vigil.EventStepUp, Detail: "factors=" + factors.String()})
	return &next, nil
}

func errNoSecondFactor() error {
	return vigil.Errorf(vigil.CodeConflict, "You have no second factor: add an authenticator app or a passkey on your account page first.")
}

// endBelowPolicy revokes a session of a role that requires a second
// factor (--require-mfa) which was signed in without one (before the
// policy was set): its user signs in again, with a second factor or
// enrolling one.
func (e *Engine) endBelowPolicy(ctx context.Context, cur *Current) error {
	return e.systemRevoke(ctx, cur, vigil.ReasonRevoked, "reason=revoked: the role requires a second factor (--require-mfa)")
}

// systemRevoke ends cur's session for reason, found in a state the policy
// does not allow, audits session_revoked (actor system) with detail once,
// and returns the session's end.
func (e *Engine) systemRevoke(ctx context.Context, cur *Current, reason vigil.Reason, detail string) error {
	ended, err := e.endSession(ctx, cur.Session.ID, reason)
	if err != nil {
		return err
	}
	if ended {
		e.Audit(ctx, Actor{Username: "system", SessionID: cur.Session.ID}, vigil.Event{
			Username: cur.User.Username, Category: vigil.CategorySession, Event: vigil.EventSessionRevoked,
			Detail: detail, IP: cur.Session.IP, UserAgent: cur.Session.UserAgent,
		})
	}
	return vigil.SessionEndedError(reason)
}

// RequireSecondFactor returns STEP_UP_REQUIRED when cur's session is at
// AAL1 and its user has a second factor: an administrator's changes need
// both factors where the administrator has two (NIST SP 800-63B-4 AAL2;
// OWASP ASVS 5.0 6.3.3), entered at sign-in or by StepUp.
//
// Errors: STEP_UP_REQUIRED, or a store error.
func (e *Engine) RequireSecondFactor(ctx context.Context, cur *Current) error {
	if cur.Session.AAL >= vigil.AAL2 {
		return nil
	}
	_, s, err := e.userFactors(ctx, &cur.User)
	if err != nil {
		return err
	}
	if s.Enrolled() {
		return vigil.Errorf(vigil.CodeStepUpRequired, "This needs your second factor: a passkey, a code from your authenticator app, or a recovery code.")
	}
	return nil
}
