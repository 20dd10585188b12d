package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/vigilauth/vigil"
)

// checkPassword verifies the signed-in user's password for a sensitive
// action, under the same throttle as login (SPEC §3: failed
// current-password checks count too).
func (e *Engine) checkPassword(ctx context.Context, cur *Current, password string, a Actor, failEvent string) error {
	name, now := cur.User.Username, e.now()
	sub := userSubject(name)
	if err := e.admit(ctx, sub, a, now); err != nil {
		return err
	}
	u, err := e.store.UserByID(ctx, cur.User.ID)
	if err != nil {
		e.failed(ctx, sub, a, now)
		return storeErr("find user", err)
	}
	ok, _, err := e.hasher.Verify(ctx, password, u.PasswordHash)
	if !ok || err != nil {
		e.failed(ctx, sub, a, now)
	}
	if err != nil {
		if err := e.verifyErr(ctx, name, err); vigil.ErrorCode(err) != vigil.CodeInvalidCredentials {
			return err
		}
	}
	if !ok || err != nil {
		e.stats.loginFailures.Add(1)
		e.Audit(ctx, a, vigil.Event{Username: name, Category: vigil.CategoryAuthentication, Event: failEvent})
		return vigil.Errorf(vigil.CodeInvalidCredentials, "The password is not correct.")
	}
	if err := e.throttle.settle(ctx, sub.key, a.IP, now, e.now(), true); err != nil {
		return storeErr("reset throttle", err)
	}
	return nil
}

// Reauthenticate confirms the user's password within a session: the
// session's ReauthAt becomes now and it gets a new token (rotation on
// privilege change, OWASP ASVS 5.0 7.2.4). The old token stops working.
func (e *Engine) Reauthenticate(ctx context.Context, cur *Current, password string, a Actor) (*Current, error) {
	if err := e.checkPassword(ctx, cur, password, a, vigil.EventReauthFailed); err != nil {
		return nil, err
	}
	tok, now := vigil.NewToken(), e.now()
	err := e.store.RotateSession(ctx, cur.Session.ID, tok.Hash(), now)
	e.cache.dropSession(cur.Session.ID)
	if errors.Is(err, vigil.ErrNotFound) {
		return nil, vigil.SessionEndedError(vigil.ReasonRevoked)
	}
	if err != nil {
		return nil, storeErr("rotate session", err)
	}
	next := *cur
	next.Token, next.Session.TokenHash, next.Session.ReauthAt = tok, tok.Hash(), now
	e.Audit(ctx, a, vigil.Event{Username: cur.User.Username, Category: vigil.CategoryAuthentication, Event: vigil.EventReauthenticated})
	return &next, nil
}

// RequireRecentAuth returns REAUTH_REQUIRED unless the session's password
// was entered within --reauth-window (OWASP ASVS 5.0 7.5.3).
func (e *Engine) RequireRecentAuth(cur *Current) error {
	w := e.opt.Policy.ReauthWindow
	if w > 0 && e.now().Sub(cur.Session.ReauthAt) > w {
		return vigil.Errorf(vigil.CodeReauthRequired, "Please enter your password again to continue.")
	}
	return nil
}

// PasswordProblems lists what the policy finds wrong with a new password
// for username, as WEAK_PASSWORD's problems do (empty: none), so that a
// form can show them with its other problems at once. It hashes nothing
// and so cannot tell the current password; ChangePassword and
// ResetPassword still check everything.
func (e *Engine) PasswordProblems(username, password string) []string {
	return e.passwords.Check(password, username)
}

// validateNew checks a new password: both copies equal, then the policy
// and "not the current password". Every policy problem is listed.
func (e *Engine) validateNew(username, newPassword, confirm string, sameAsCurrent bool) error {
	if newPassword != confirm {
		return vigil.Errorf(vigil.CodePasswordMismatch, "The new password and its confirmation do not match.")
	}
	problems := e.passwords.Check(newPassword, username)
	if sameAsCurrent {
		problems = append(problems, "must not be the current password")
	}
	if len(problems) > 0 {
		return &vigil.Error{Code: vigil.CodeWeakPassword, Message: "The new password does not meet the password policy.", Problems: problems}
	}
	return nil
}

// ChangePassword replaces the signed-in user's password and then ends every
// session of the user, this one included (SPEC §3; OWASP ASVS 5.0 7.4.3).
//
// Errors: PASSWORD_MISMATCH, WEAK_PASSWORD, INVALID_CREDENTIALS for a
// wrong current password, RATE_LIMITED, or a store error.
func (e *Engine) ChangePassword(ctx context.Context, cur *Current, current, newPassword, confirm string, a Actor) error {
	same := e.opt.Normalize(current) == e.opt.Normalize(newPassword)
	if err := e.validateNew(cur.User.Username, newPassword, confirm, same); err != nil {
		return err
	}
	if err := e.checkPassword(ctx, cur, current, a, vigil.EventInvalidCurrentPassword); err != nil {
		return err
	}
	n, err := e.setPassword(ctx, &cur.User, newPassword, vigil.ReasonPasswordChanged)
	if err != nil {
		return err
	}
	e.Audit(ctx, a, vigil.Event{Username: cur.User.Username, Category: vigil.CategoryAccount,
		Event: vigil.EventPasswordChanged, Detail: countDetail(n)})
	return nil
}

// setPassword hashes and stores a new password and ends every session of
// the user for reason; it returns how many sessions it ended.
func (e *Engine) setPassword(ctx context.Context, u *vigil.User, password string, reason vigil.Reason) (int, error) {
	h, err := e.hasher.Hash(ctx, password)
	if err != nil {
		return 0, fmt.Errorf("auth: hash password: %w", err)
	}
	if err := e.store.SetPassword(ctx, u.ID, h, e.now()); err != nil {
		return 0, storeErr("set password", err)
	}
	ids, err := e.endUserSessions(ctx, u.ID, "", reason)
	return len(ids), err
}

func countDetail(n int) string { return fmt.Sprintf("sessions_revoked=%d", n) }
