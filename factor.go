package vigil

import (
	"context"
	"time"
)

// A user's second factors (SPEC: multi-factor sign-in). The store keeps
// them as records; what they mean (a code's step, a credential's
// signature, a recovery code's form) is package mfa's and the sign-in
// flow's. Nothing secret is kept in the clear: a TOTP secret is sealed
// (mfa.Keyring), a recovery code is its hash (mfa.HashRecoveryCode), and
// a WebAuthn credential is its public key.

// TOTPFactor is a user's authenticator-app secret. A user has at most one.
// It is pending from AddTOTP until ConfirmTOTP (the first right code):
// a pending factor signs no one in.
type TOTPFactor struct {
	UserID      int64
	Secret      string    // sealed by mfa.Keyring.Seal for mfa.TOTPContext(UserID); never the secret itself
	CreatedAt   time.Time // when enrolment began
	ConfirmedAt time.Time // zero: pending
	LastStep    int64     // the last time step accepted (0: none): only a later one is accepted next
	LastUsedAt  time.Time // when LastStep was accepted; zero: never
}

// Confirmed reports whether the factor was confirmed (it signs in).
func (f *TOTPFactor) Confirmed() bool { return !f.ConfirmedAt.IsZero() }

// WebAuthnCredential is a passkey or security key registered by a user:
// what the WebAuthn ceremonies (github.com/go-webauthn/webauthn) need back
// to verify an assertion, and what the account page shows.
type WebAuthnCredential struct {
	ID              []byte   // the credential id: 1 to 1023 bytes, unique among all users'
	UserID          int64    // whose
	PublicKey       []byte   // COSE_Key, as registered
	AttestationType string   // "none", "packed", ...; as registered
	AAGUID          []byte   // the authenticator model: 16 bytes, or none
	SignCount       uint32   // the highest signature counter seen (0: the authenticator keeps none)
	Transports      []string // "usb", "nfc", "ble", "internal", "hybrid", ...; as the browser reported them
	BackupEligible  bool     // BE flag: the credential may be synced (a passkey); fixed at registration
	BackupState     bool     // BS flag: it is backed up now; updated at each use
	Name            string   // given by the user ("work laptop"), to tell them apart; may be empty
	CreatedAt       time.Time
	LastUsedAt      time.Time // zero: never
}

// RecoveryCode is one code of a user's recovery set: its hash
// (mfa.HashRecoveryCode), never the code.
type RecoveryCode struct {
	Hash      TokenHash
	CreatedAt time.Time // when the set was generated
	UsedAt    time.Time // zero: unused
}

// Factors is everything a user has enrolled.
type Factors struct {
	TOTP     *TOTPFactor          // nil: none
	WebAuthn []WebAuthnCredential // oldest first (by CreatedAt, then ID)
	Recovery []RecoveryCode       // the current set, used ones included, in no particular order; nil: none
}

// RecoveryLeft returns how many of the recovery codes are unused.
func (f *Factors) RecoveryLeft() int {
	n := 0
	for _, c := range f.Recovery {
		if c.UsedAt.IsZero() {
			n++
		}
	}
	return n
}

// FactorStore keeps users' second factors. Every factor belongs to a user:
// deleting the user's row deletes them too. Methods that take a userID
// and add a factor return ErrNotFound when there is no such user. Times
// are kept as the other contracts keep them (microseconds, UTC); byte
// slices are returned as stored (nil for none).
type FactorStore interface {
	// Factors returns everything the user has enrolled: a zero Factors,
	// with no error, for a user with none (or no such user).
	Factors(ctx context.Context, userID int64) (*Factors, error)

	// AddTOTP stores f as the user's pending TOTP (f.ConfirmedAt and
	// f.LastUsedAt are ignored; f.LastStep is kept), replacing a pending
	// one: a user who restarts enrolment gets a new secret. ErrConflict if
	// the user has a confirmed TOTP (remove it first); ErrNotFound if
	// there is no such user.
	AddTOTP(ctx context.Context, f *TOTPFactor) error
	// ConfirmTOTP confirms the user's pending TOTP at at, with step (that
	// of the code that confirmed it) as its LastStep and at as LastUsedAt,
	// so the confirming code cannot sign in again. ErrNotFound if the user
	// has no pending TOTP (none, or confirmed already): of concurrent
	// calls exactly one confirms it.
	ConfirmTOTP(ctx context.Context, userID int64, step int64, at time.Time) error
	// RecordTOTPStep sets the confirmed TOTP's LastStep to step and
	// LastUsedAt to at, if step is greater than the stored LastStep, in one
	// conditional write: of concurrent calls with one step exactly one
	// succeeds, so a code is accepted once however many requests carry
	// it. ErrConflict if step is not greater (a replay: nothing changes);
	// ErrNotFound if the user has no confirmed TOTP.
	RecordTOTPStep(ctx context.Context, userID int64, step int64, at time.Time) error
	// ResealTOTP replaces the user's sealed secret old with sealed, if it
	// is still old (a key rotation's re-sealing: mfa.Keyring.Stale, Open,
	// Seal); nothing else changes. ErrNotFound if the user has no TOTP
	// sealed as old (none, or replaced or re-sealed meanwhile).
	ResealTOTP(ctx context.Context, userID int64, old, sealed string) error
	// RemoveTOTP deletes the user's TOTP, pending or confirmed.
	// ErrNotFound if there is none.
	RemoveTOTP(ctx context.Context, userID int64) error

	// AddWebAuthnCredential stores c for c.UserID. ErrConflict if a
	// credential with c.ID exists, whoever's it is (WebAuthn §7.1 step 22:
	// a credential id is registered once); ErrNotFound if there is no such
	// user.
	AddWebAuthnCredential(ctx context.Context, c *WebAuthnCredential) error
	// WebAuthnCredentials returns the user's credentials, oldest first
	// (ties by ID); none, with no error, for a user with none (or no such
	// user).
	WebAuthnCredentials(ctx context.Context, userID int64) ([]WebAuthnCredential, error)
	// WebAuthnCredential returns the credential with id, whoever's it is
	// (a passwordless sign-in learns the user from it). ErrNotFound if
	// there is none.
	WebAuthnCredential(ctx context.Context, id []byte) (*WebAuthnCredential, error)
	// RenameWebAuthnCredential sets the name of the user's credential id.
	// ErrNotFound if the user has no credential with id (another user's
	// is not found either).
	RenameWebAuthnCredential(ctx context.Context, userID int64, id []byte, name string) error
	// RecordWebAuthnUse records a verified assertion of credential id at
	// at: LastUsedAt becomes at, BackupState backupState, and SignCount
	// signCount if that is greater (a counter never goes back in the
	// store, also when concurrent assertions finish out of order).
	// ErrNotFound if there is no such credential.
	RecordWebAuthnUse(ctx context.Context, id []byte, signCount uint32, backupState bool, at time.Time) error
	// RemoveWebAuthnCredential deletes the user's credential id.
	// ErrNotFound if the user has no credential with id.
	RemoveWebAuthnCredential(ctx context.Context, userID int64, id []byte) error

	// ReplaceRecoveryCodes makes hashes the user's recovery set, created
	// at at and unused, deleting the whole previous set (used codes and
	// unused) in the same transaction: no old code works afterwards, and
	// no reader sees a mix of the two. No hashes deletes the set.
	// ErrConflict if hashes repeat (nothing changes); ErrNotFound if there
	// is no such user.
	ReplaceRecoveryCodes(ctx context.Context, userID int64, hashes []TokenHash, at time.Time) error
	// ConsumeRecoveryCode marks the user's unused code with hash h used at
	// at, and returns how many unused codes the user has left. It is one
	// conditional write: of concurrent calls with one code exactly one
	// succeeds. ErrNotFound if the user has no unused code with hash h
	// (wrong, used already, replaced, or another user's).
	ConsumeRecoveryCode(ctx context.Context, userID int64, h TokenHash, at time.Time) (left int, err error)

	// RemoveFactors deletes every factor of the user (TOTP, WebAuthn
	// credentials, recovery codes) in one transaction: an administrator's
	// reset. It reports whether there was any; none is no error.
	RemoveFactors(ctx context.Context, userID int64) (bool, error)
}
