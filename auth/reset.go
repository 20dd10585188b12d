package auth

import (
	"context"
	"errors"
	"time"

	"github.com/vigilauth/vigil"
)

func invalidResetToken() *vigil.Error {
	return vigil.Errorf(vigil.CodeInvalidResetToken, "This reset link is invalid or has expired. Ask an administrator for a new one.")
}

// IssueResetToken makes a single-use password-reset token for username,
// valid for --reset-token-ttl; only its hash is stored, and earlier tokens
// of the user stop working. It returns the token's text and its expiry.
//
// Errors: NOT_FOUND for an unknown user, or a store error.
func (e *Engine) IssueResetToken(ctx context.Context, username string, a Actor) (string, time.Time, error) {
	u, err := e.userByName(ctx, username)
	if err != nil {
		return "", time.Time{}, err
	}
	return e.issueReset(ctx, u, a)
}

func (e *Engine) issueReset(ctx context.Context, u *vigil.User, a Actor) (string, time.Time, error) {
	tok, now := vigil.NewToken(), e.now()
	t := vigil.ResetToken{Hash: tok.Hash(), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(e.opt.ResetTokenTTL)}
	if err := e.store.CreateResetToken(ctx, t); err != nil {
		return "", time.Time{}, storeErr("create reset token", err)
	}
	e.Audit(ctx, a, vigil.Event{Username: u.Username, Category: vigil.CategoryAccount,
		Event: vigil.EventPasswordResetIssued, Detail: "expires_at=" + t.ExpiresAt.Format(time.RFC3339)})
	return tok.String(), t.ExpiresAt, nil
}

// ResetPassword sets a new password with a reset token, uses the token up,
// ends every session of the user and clears the user's login throttle.
//
// Errors: INVALID_RESET_TOKEN (unknown, used or expired: one answer),
// PASSWORD_MISMATCH, WEAK_PASSWORD, or a store error. A weak password does
// not use the token up.
func (e *Engine) ResetPassword(ctx context.Context, token, newPassword, confirm string, a Actor) error {
	tok, u, err := e.resetUser(ctx, token)
	if err != nil {
		return err
	}
	// The cheap checks first: only an otherwise acceptable password costs a
	// hash to compare with the current one.
	if err := e.validateNew(u.Username, newPassword, confirm, false); err != nil {
		return err
	}
	if err := e.validateNew(u.Username, newPassword, confirm, e.isCurrent(ctx, u, newPassword)); err != nil {
		return err
	}
	if _, err := e.store.ConsumeResetToken(ctx, tok.Hash(), e.now()); errors.Is(err, vigil.ErrNotFound) {
		return invalidResetToken()
	} else if err != nil {
		return storeErr("use reset token", err)
	}
	n, err := e.setPassword(ctx, u, newPassword, vigil.ReasonPasswordReset)
	if err != nil {
		return err
	}
	if err := e.throttle.clear(ctx, u.Username); err != nil {
		e.log.Warn("throttle not cleared after reset", "err", err)
	}
	a.Username = u.Username
	e.Audit(ctx, a, vigil.Event{Username: u.Username, Category: vigil.CategoryAccount,
		Event: vigil.EventPasswordResetCompleted, Detail: countDetail(n)})
	return nil
}

// isCurrent reports whether password is the user's current one.
func (e *Engine) isCurrent(ctx context.Context, u *vigil.User, password string) bool {
	if u.PasswordHash == "" {
		return false
	}
	ok, _, err := e.hasher.Verify(ctx, password, u.PasswordHash)
	return err == nil && ok
}

// ResetTarget is the account a live reset token sets the password of, as
// the reset page names it.
type ResetTarget struct {
	Username    string
	DisplayName string
	// FirstPassword: the account has never had a password (created
	// without one, waiting for this reset).
	FirstPassword bool
}

// ResetTargetOf reads, without using it up, whose password a reset token
// sets. It writes nothing and audits nothing.
//
// Errors: INVALID_RESET_TOKEN (malformed, unknown, used or expired: one
// answer, as ResetPassword's), or a store error.
func (e *Engine) ResetTargetOf(ctx context.Context, token string) (ResetTarget, error) {
	_, u, err := e.resetUser(ctx, token)
	if err != nil {
		return ResetTarget{}, err
	}
	return ResetTarget{Username: u.Username, DisplayName: u.DisplayName, FirstPassword: u.PasswordHash == ""}, nil
}

// resetUser is the user of a live reset token, and the token.
func (e *Engine) resetUser(ctx context.Context, token string) (vigil.Token, *vigil.User, error) {
	tok, err := vigil.ParseToken(token)
	if err != nil {
		return vigil.Token{}, nil, invalidResetToken()
	}
	uid, err := e.store.ResetTokenUser(ctx, tok.Hash(), e.now())
	if errors.Is(err, vigil.ErrNotFound) {
		return vigil.Token{}, nil, invalidResetToken()
	}
	if err != nil {
		return vigil.Token{}, nil, storeErr("find reset token", err)
	}
	u, err := e.store.UserByID(ctx, uid)
	if err != nil {
		return vigil.Token{}, nil, storeErr("find user", err)
	}
	return tok, u, nil
}
