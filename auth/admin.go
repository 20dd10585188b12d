package auth

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/vigilauth/vigil"
)

// NewUser is what an administrator gives to create an account.
type NewUser struct {
	Username    string
	Role        vigil.Role
	ClinicianID string
	Email       string // optional; stored as vigil.NormalizeEmail leaves it
	DisplayName string // optional; stored trimmed, in Unicode NFC
	Password    string // empty: the account gets a reset token instead
}

// Created is a new account, with the reset token issued for it when no
// password was given.
type Created struct {
	User       vigil.User
	ResetToken string
	ExpiresAt  time.Time
}

// CreateUser creates an account. Without a password it issues a reset
// token, so no administrator ever knows a user's password.
//
// Errors: INVALID_REQUEST (username, role, clinician id, email or display
// name), WEAK_PASSWORD,
// CONFLICT for a taken username, or a store error.
func (e *Engine) CreateUser(ctx context.Context, n NewUser, a Actor) (*Created, error) {
	u := &vigil.User{Username: vigil.NormalizeUsername(n.Username), Role: n.Role, ClinicianID: n.ClinicianID,
		Email: vigil.NormalizeEmail(n.Email), DisplayName: NormalizeDisplayName(n.DisplayName), CreatedAt: e.now()}
	if err := validateNewUser(u); err != nil {
		return nil, err
	}
	if n.Password != "" {
		if p := e.passwords.Check(n.Password, u.Username); len(p) > 0 {
			return nil, &vigil.Error{Code: vigil.CodeWeakPassword, Message: "The password does not meet the password policy.", Problems: p}
		}
		h, err := e.hasher.Hash(ctx, n.Password)
		if err != nil {
			return nil, err
		}
		u.PasswordHash, u.PasswordChangedAt = h, u.CreatedAt
	}
	if err := e.store.CreateUser(ctx, u); errors.Is(err, vigil.ErrConflict) {
		return nil, vigil.Errorf(vigil.CodeConflict, "The username %q is taken.", u.Username)
	} else if err != nil {
		return nil, storeErr("create user", err)
	}
	e.Audit(ctx, a, vigil.Event{Username: u.Username, Category: vigil.CategoryAdmin, Event: vigil.EventUserCreated, Detail: "role=" + string(u.Role)})
	out := &Created{User: *u}
	if n.Password == "" {
		tok, exp, err := e.issueReset(ctx, u, a)
		if err != nil {
			return nil, err
		}
		out.ResetToken, out.ExpiresAt = tok, exp
	}
	return out, nil
}

func validateNewUser(u *vigil.User) error {
	if err := vigil.ValidateUsername(u.Username); err != nil {
		return vigil.Errorf(vigil.CodeInvalidRequest, "Invalid username: %v.", err)
	}
	if !u.Role.Valid() {
		return vigil.Errorf(vigil.CodeInvalidRequest, "Invalid role: want patient, clinician or admin.")
	}
	if vigil.ValidateClinicianID(u.ClinicianID) != nil {
		return vigil.Errorf(vigil.CodeInvalidRequest, "Invalid clinician id: at most 64 printable characters.")
	}
	if err := vigil.ValidateEmail(u.Email); err != nil {
		return vigil.Errorf(vigil.CodeInvalidRequest, "Invalid email: %v.", err)
	}
	if err := vigil.ValidateDisplayName(u.DisplayName); err != nil {
		return vigil.Errorf(vigil.CodeInvalidRequest, "Invalid display name: %v.", err)
	}
	return nil
}

// NormalizeDisplayName trims s and composes it (Unicode NFC), so that one
// name typed on two keyboards is stored as one string. NFC, not the NFKC
// of passwords: a name keeps its compatibility characters as written.
// Every way a user is created (CreateUser, vigil user import) stores it so.
func NormalizeDisplayName(s string) string {
	return norm.NFC.String(strings.TrimSpace(s))
}

// userByName returns a user or NOT_FOUND.
func (e *Engine) userByName(ctx context.Context, username string) (*vigil.User, error) {
	u, err := e.store.UserByUsername(ctx, vigil.NormalizeUsername(username))
	if errors.Is(err, vigil.ErrNotFound) {
		return nil, vigil.Errorf(vigil.CodeNotFound, "No such user.")
	}
	if err != nil {
		return nil, storeErr("find user", err)
	}
	return u, nil
}

// SetDisabled disables or enables an account. Disabling ends every session
// of the user at once. It returns how many sessions it ended.
//
// Errors: NOT_FOUND, or a store error.
func (e *Engine) SetDisabled(ctx context.Context, username string, disabled bool, a Actor) (int, error) {
	u, err := e.userByName(ctx, username)
	if err != nil {
		return 0, err
	}
	if err := e.store.SetDisabled(ctx, u.ID, disabled); err != nil {
		return 0, storeErr("set disabled", err)
	}
	if !disabled {
		e.Audit(ctx, a, vigil.Event{Username: u.Username, Category: vigil.CategoryAdmin, Event: vigil.EventUserEnabled})
		return 0, nil
	}
	ids, err := e.endUserSessions(ctx, u.ID, "", vigil.ReasonUserDisabled)
	if err != nil {
		return 0, err
	}
	e.Audit(ctx, a, vigil.Event{Username: u.Username, Category: vigil.CategoryAdmin, Event: vigil.EventUserDisabled, Detail: countDetail(len(ids))})
	return len(ids), nil
}

// RevokeUserSessions ends every session of a user and returns how many.
//
// Errors: NOT_FOUND, or a store error.
func (e *Engine) RevokeUserSessions(ctx context.Context, username string, a Actor) (int, error) {
	u, err := e.userByName(ctx, username)
	if err != nil {
		return 0, err
	}
	ids, err := e.endUserSessions(ctx, u.ID, "", vigil.ReasonRevoked)
	if err != nil {
		return 0, err
	}
	e.Audit(ctx, a, vigil.Event{Username: u.Username, Category: vigil.CategoryAdmin, Event: vigil.EventSessionRevoked, Detail: countDetail(len(ids))})
	return len(ids), nil
}

// Users returns every account.
func (e *Engine) Users(ctx context.Context) ([]vigil.User, error) {
	return e.store.ListUsers(ctx)
}

// UserSessions returns the live sessions of a named user (for admins and
// the CLI). Errors: NOT_FOUND, or a store error.
func (e *Engine) UserSessions(ctx context.Context, username string) (*vigil.User, []vigil.Session, error) {
	u, err := e.userByName(ctx, username)
	if err != nil {
		return nil, nil, err
	}
	list, err := e.Sessions(ctx, u)
	return u, list, err
}

// AllSessions returns every live session with its user's name and role,
// leaving out sessions already past their role's limits.
func (e *Engine) AllSessions(ctx context.Context) ([]vigil.SessionWithUser, error) {
	list, err := e.store.ListAllSessions(ctx)
	if err != nil {
		return nil, storeErr("list sessions", err)
	}
	now, out := e.now(), list[:0]
	for _, s := range list {
		e.withPending(&s.Session)
		assured(&s.Session)
		if _, expired := e.opt.Policy.ForSession(s.Role, s.AAL).Expired(&s.Session, now); !expired {
			out = append(out, s)
		}
	}
	sortByActivity(out, func(s vigil.SessionWithUser) vigil.Session { return s.Session })
	return out, nil
}

// Authorize returns FORBIDDEN, and audits access_forbidden, unless the
// session's role is one of roles (an empty list allows every role).
func (e *Engine) Authorize(ctx context.Context, cur *Current, a Actor, what string, roles ...vigil.Role) error {
	if len(roles) == 0 || slices.Contains(roles, cur.User.Role) {
		return nil
	}
	e.Audit(ctx, a, vigil.Event{Username: cur.User.Username, Category: vigil.CategoryAccess, Event: vigil.EventAccessForbidden,
		Detail: "role=" + string(cur.User.Role) + " target=" + what})
	return vigil.Errorf(vigil.CodeForbidden, "You do not have permission to do this.")
}

// SetPasswordAdmin sets a user's password directly (the demo users, and
// recovery from the command line), ending every session of the user.
//
// Errors: NOT_FOUND, WEAK_PASSWORD, or a store error.
func (e *Engine) SetPasswordAdmin(ctx context.Context, username, password string, a Actor) error {
	u, err := e.userByName(ctx, username)
	if err != nil {
		return err
	}
	if err := e.validateNew(u.Username, password, password, false); err != nil {
		return err
	}
	n, err := e.setPassword(ctx, u, password, vigil.ReasonPasswordReset)
	if err != nil {
		return err
	}
	e.Audit(ctx, a, vigil.Event{Username: u.Username, Category: vigil.CategoryAdmin, Event: vigil.EventPasswordResetCompleted, Detail: countDetail(n)})
	return nil
}
