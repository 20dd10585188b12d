package vigil

import (
	"context"
	"time"
)

// Ceremony is the server side of one WebAuthn ceremony (a passkey's
// registration or assertion, W3C WebAuthn Level 3 §7): the challenge the
// client was given and what it is tied to, kept until the client answers
// (WebAuthn §13.4.3: the challenge is generated and kept by the server,
// and used once). The client holds a random token; the store keeps only
// its SHA-256, as it does for sessions and pending sign-ins.
type Ceremony struct {
	Hash   TokenHash
	Kind   CeremonyKind
	UserID int64 // whose; 0 for a passwordless sign-in (the user is learned from the credential)
	// Bound is what the ceremony is tied to, which its finish must
	// present again: the session's id (registration, step-up), the
	// pending sign-in's hash in hex (second factor, enrolment), or ""
	// (passwordless).
	Bound     string
	Data      []byte // go-webauthn's SessionData as JSON: the challenge and the options it checks
	ExpiresAt time.Time
}

// CeremonyKind says which step a ceremony is for; a ceremony finishes
// only the step of its kind.
type CeremonyKind string

// The ceremony kinds.
const (
	CeremonyRegistration CeremonyKind = "registration" // a passkey added to the signed-in account
	CeremonySignIn       CeremonyKind = "signin"       // a passkey as the second factor of a pending sign-in
	CeremonyPasswordless CeremonyKind = "passwordless" // a discoverable passkey signs in alone
	CeremonyStepUp       CeremonyKind = "stepup"       // a passkey raises a session to AAL2
	CeremonyEnrol        CeremonyKind = "enrol"        // a passkey registered at a sign-in that must enrol one
)

// MaxCeremonies is how many unexpired ceremonies a user may have
// outstanding: a new one beyond it replaces the user's oldest.
const MaxCeremonies = 5

// CeremonyStore keeps WebAuthn ceremonies until their one use. Every
// ceremony of a user is deleted with the user.
type CeremonyStore interface {
	// CreateCeremony stores c, in one transaction with the keeping of
	// the table's size: it deletes the ceremonies of c.UserID (of every
	// passwordless sign-in, when c.UserID is 0) that expire at or before
	// now, and, for a user, the oldest ones beyond MaxCeremonies-1, so
	// that at most MaxCeremonies stay outstanding (passwordless ones are
	// bounded by their lifetime and the caller's throttle). ErrConflict
	// if c.Hash is taken; ErrNotFound if c.UserID names no user.
	CreateCeremony(ctx context.Context, c Ceremony, now time.Time) error
	// ConsumeCeremony deletes the ceremony of hash h and returns it, if it
	// expires after now, in one conditional write: of concurrent calls
	// exactly one gets it. ErrNotFound otherwise (unknown, used, replaced
	// or expired).
	ConsumeCeremony(ctx context.Context, h TokenHash, now time.Time) (*Ceremony, error)
	// DeleteCeremoniesBefore deletes up to limit ceremonies that expired
	// before `before` and returns how many it deleted; none when limit
	// <= 0 (the engine's sweep, as Pruner's methods).
	DeleteCeremoniesBefore(ctx context.Context, before time.Time, limit int) (int, error)
}
