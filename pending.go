package vigil

import (
	"context"
	"time"
)

// PendingSignIn is a sign-in half done (SPEC §6 "Multi-factor"): the
// password was right, and the second step is still to come — a second
// factor, or, for a user whose role requires one and who has none, the
// enrolment of one. The client holds its token in a short-lived cookie;
// the store keeps only the token's SHA-256. It is used once, expires
// soon, and belongs to one user; it grants nothing but its second step.
type PendingSignIn struct {
	Hash       TokenHash
	UserID     int64
	Enrol      bool      // the second step enrols a second factor (--require-mfa)
	PasswordAt time.Time // when the password was checked: a password changed since voids it
	ExpiresAt  time.Time
}

// PendingSignInStore keeps pending sign-ins.
type PendingSignInStore interface {
	// CreatePendingSignIn stores p, deleting every earlier pending sign-in
	// of the same user in the same transaction (one outstanding per user,
	// so their number stays bounded by the users'). ErrNotFound if there
	// is no such user; ErrConflict if p.Hash is taken.
	CreatePendingSignIn(ctx context.Context, p PendingSignIn) error
	// PendingSignIn returns the pending sign-in of hash h if it expires
	// after now, without using it up. ErrNotFound otherwise (unknown,
	// used, replaced or expired).
	PendingSignIn(ctx context.Context, h TokenHash, now time.Time) (*PendingSignIn, error)
	// ConsumePendingSignIn deletes the pending sign-in of hash h and
	// returns it, if it expires after now, in one conditional write: of
	// concurrent calls exactly one gets it. ErrNotFound otherwise.
	ConsumePendingSignIn(ctx context.Context, h TokenHash, now time.Time) (*PendingSignIn, error)
}
