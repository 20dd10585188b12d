package vigil

import (
	"context"
	"time"
)

// The store contracts. Every backend (sqlite, postgres) implements all of
// them and passes the behaviour suite in package storetest. Methods return
// ErrNotFound, ErrConflict or ErrUnavailable where stated, and a wrapped
// cause for anything else. Times are stored with microsecond precision
// (the caller's times are truncated to the microsecond) and returned in UTC.

// UserStore keeps accounts. Usernames are stored as given; callers pass
// them normalized (NormalizeUsername).
type UserStore interface {
	// CreateUser inserts u, setting u.ID. ErrConflict if the username exists.
	CreateUser(ctx context.Context, u *User) error
	// UserByUsername returns the user, or ErrNotFound.
	UserByUsername(ctx context.Context, username string) (*User, error)
	// UserByID returns the user, or ErrNotFound.
	UserByID(ctx context.Context, id int64) (*User, error)
	// ListUsers returns every user ordered by username.
	ListUsers(ctx context.Context) ([]User, error)
	// SetPassword replaces the user's hash and sets PasswordChangedAt to
	// at, and writes a WebhookPasswordChanged message in the same
	// transaction — unless at is the stored PasswordChangedAt: then it is
	// the same password hashed anew with other parameters (a rehash at
	// sign-in), which no other service needs to hear of. ErrNotFound if
	// there is no such user.
	SetPassword(ctx context.Context, userID int64, hash string, at time.Time) error
	// SetDisabled disables or enables the user. ErrNotFound if none.
	SetDisabled(ctx context.Context, userID int64, disabled bool) error
	// RecordLogin sets LastLogin. ErrNotFound if there is no such user.
	RecordLogin(ctx context.Context, userID int64, at time.Time) error
}

// SessionStore keeps sessions by the hash of their token: what the engine
// does with one session or one user's sessions (log in, check, rotate,
// list, sign out). The store keeps times; it never judges expiry, which is
// the policy's (package auth): a session past its idle timeout or lifetime
// is live to the store until something ends it.
//
// Ending a session keeps its row, with EndedAt and EndReason, so that a
// later request with its token is told why; Pruner removes old rows. Every
// method that ends a session or changes its token also appends to the
// revocation log (RevocationLog) in the same transaction: an entry names
// either one session (SessionID) or every session of a user (UserID), never
// both. Changes to a user (password, disabled) are always followed by
// EndUserSessions, which logs them, so a cache of sessions with their users
// stays correct by following the log alone.
type SessionStore interface {
	// CreateSession inserts s, live (or ended, when s.EndedAt is set).
	// ErrConflict if s.ID or s.TokenHash is already taken; ErrNotFound if
	// s.UserID names no user. Nothing is logged.
	CreateSession(ctx context.Context, s *Session) error
	// SessionByToken returns the session whose token hash is h, with its
	// user. A live session is returned whether or not it is past its expiry;
	// an ended one is returned too, with EndedAt and EndReason set, so the
	// caller can say why it ended. ErrNotFound if no session has hash h: it
	// never had, or the session was rotated to another hash, or deleted.
	SessionByToken(ctx context.Context, h TokenHash) (*Session, *User, error)
	// SessionByID returns the session with public id id, live or ended, as
	// SessionByToken does. ErrNotFound if there is none (or it was deleted).
	SessionByID(ctx context.Context, id string) (*Session, error)
	// ListSessions returns the user's live (not ended) sessions, most recent
	// activity first (ties: newest CreatedAt first). A user with none, or no
	// such user, gets an empty list and no error.
	ListSessions(ctx context.Context, userID int64) ([]Session, error)
	// ListAllSessions returns every live session with the name and role of
	// its user, most recent activity first (ties: newest first); an empty
	// list and no error when there are none.
	ListAllSessions(ctx context.Context) ([]SessionWithUser, error)
	// TouchSessions records activity, in one transaction: for each touch,
	// the session's LastActivity becomes At if that is later. An earlier or
	// equal At, an ended session and a missing one are left alone without
	// error; no touches is no write and no error. Nothing is logged.
	TouchSessions(ctx context.Context, touches []Touch) error
	// EndSession ends a live session at at for reason, logs it, and reports
	// true. It reports false, with no error, when the session is missing or
	// already ended (then nothing changes and nothing is logged), so that of
	// any number of concurrent calls exactly one ends it (and audits it). A
	// zero at is an error (neither sentinel).
	EndSession(ctx context.Context, id string, reason Reason, at time.Time) (bool, error)
	// EndUserSessions ends every live session of the user but exceptID (""
	// for none) at at for reason, and returns the ids it ended, in no
	// particular order; none, with no error, when there are none (also when
	// there is no such user). It logs one entry naming the user when no
	// session was excepted, else one entry per session it ended; nothing
	// when it ended none. Concurrent calls end each session once: its id is
	// returned by one of them only. A zero at is an error (neither sentinel).
	EndUserSessions(ctx context.Context, userID int64, exceptID string, reason Reason, at time.Time) ([]string, error)
	// RotateSession gives a live session the token hash h and sets ReauthAt,
	// and logs the session, so that caches drop the old token; the old hash
	// then finds nothing (ErrNotFound). ErrNotFound if the session is missing
	// or ended, ErrConflict if h is taken; in both cases nothing changes.
	RotateSession(ctx context.Context, id string, h TokenHash, reauthAt time.Time) error
	// RaiseSession is RotateSession for a step-up (a second factor entered
	// within a session): it also sets the session's AAL to aal and its
	// Factors to factors, in the same write, and logs the session.
	// ErrNotFound if the session is missing or ended, ErrConflict if h is
	// taken; in both cases nothing changes.
	RaiseSession(ctx context.Context, id string, h TokenHash, reauthAt time.Time, aal int, factors FactorSet) error

	// Device binding (DBSC, see Binding). CreateSession stores s.Binding
	// as given, so a session may start with its first challenge; every
	// read returns the binding with the session.

	// SetChallenge makes h, expiring at expires, the live session's one
	// outstanding challenge, replacing any earlier one. ErrNotFound if
	// the session is missing or ended. Nothing is logged: caches need no
	// challenge.
	SetChallenge(ctx context.Context, id string, h TokenHash, expires time.Time) error
	// BindSession binds a live, unbound session to a device key, if
	// challenge is its outstanding challenge and b.BoundAt is before the
	// challenge expires: it sets b's Key, Thumbprint, BoundAt, CookieHash
	// and CookieLapse, clears the challenge (single use) and logs the
	// session so that caches drop their unbound copy, in one transaction.
	// ErrNotFound otherwise (missing, ended or already bound session;
	// another, used or expired challenge), and then nothing changes: of
	// any number of concurrent calls with one challenge, one succeeds.
	BindSession(ctx context.Context, id string, challenge TokenHash, b Binding) error
	// RefreshBinding renews the bound cookie of a live, bound session, if
	// challenge is its outstanding challenge and now is before it expires:
	// it sets CookieHash and CookieLapse, clears the challenge and logs
	// the session (so that every instance's cache drops the old cookie),
	// in one transaction. ErrNotFound otherwise, and then nothing changes:
	// of any number of concurrent calls with one challenge, one succeeds.
	RefreshBinding(ctx context.Context, id string, challenge TokenHash, now time.Time, cookie TokenHash, lapse time.Time) error
}

// RevocationLog is the ordered log of sessions ended or changed, which the
// session cache of every instance follows (package auth, follow.go) to
// drop what it names. SessionStore's writes append to it; Pruner deletes
// old entries.
type RevocationLog interface {
	// RevocationsSince returns up to limit entries with Seq > after, in
	// increasing Seq; none, with no error, when there is nothing newer or
	// limit <= 0. An entry becomes visible only after every entry with a
	// lower Seq, so a follower that remembers the last Seq it saw never
	// skips one.
	RevocationsSince(ctx context.Context, after int64, limit int) ([]Revocation, error)
	// LastRevocation returns the highest Seq the log holds; 0 when it holds
	// none (never written, or pruned empty). Seqs are never reused, so a
	// follower that starts from it sees every later entry.
	LastRevocation(ctx context.Context) (int64, error)
}

// Pruner deletes what no one can need any more, in batches: sessions past
// any lifetime, old revocation-log entries and stale throttle state (the
// engine's sweep, package auth, sweep.go). Each method deletes up to limit
// of the rows that before selects and returns how many it deleted; it
// deletes none when limit <= 0. Nothing it deletes is logged: a deleted
// session is already ended, or past any lifetime.
type Pruner interface {
	// DeleteEndedSessions deletes sessions that ended before `before`. Live
	// sessions are never deleted by it. A deleted session is ErrNotFound to
	// SessionByToken and SessionByID.
	DeleteEndedSessions(ctx context.Context, before time.Time, limit int) (int, error)
	// DeleteSessionsCreatedBefore deletes sessions, live or ended, created
	// before `before` (past any lifetime when before is now minus the
	// longest lifetime).
	DeleteSessionsCreatedBefore(ctx context.Context, before time.Time, limit int) (int, error)
	// DeleteRevocationsBefore deletes revocation-log entries made before
	// `before` (by the time passed with the change that logged them). Seqs
	// are never reused afterwards.
	DeleteRevocationsBefore(ctx context.Context, before time.Time, limit int) (int, error)
	// DeleteThrottleBefore deletes throttle keys last updated before
	// `before` by the store's own clock (wall time at UpdateThrottle); a
	// deleted key reads as the zero state.
	DeleteThrottleBefore(ctx context.Context, before time.Time, limit int) (int, error)
}

// Touch is activity to record on one session.
type Touch struct {
	ID string
	At time.Time
}

// SessionWithUser is a session listed with the name and role of its user.
type SessionWithUser struct {
	Session
	Username string
	Role     Role
}

// ResetToken is an admin-issued, single-use password-reset token. Only its
// hash is stored.
type ResetToken struct {
	Hash      TokenHash
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// ResetTokenStore keeps reset tokens.
type ResetTokenStore interface {
	// CreateResetToken stores t and invalidates every earlier unused token of
	// the same user (one outstanding token per user).
	CreateResetToken(ctx context.Context, t ResetToken) error
	// ResetTokenUser returns the user id of the token if it is unused and
	// unexpired at now, without using it; ErrNotFound otherwise.
	ResetTokenUser(ctx context.Context, h TokenHash, now time.Time) (int64, error)
	// ConsumeResetToken marks the token used and returns its user id, if it
	// was unused and unexpired at now. Exactly one of any number of
	// concurrent calls succeeds; the others get ErrNotFound.
	ConsumeResetToken(ctx context.Context, h TokenHash, now time.Time) (int64, error)
}

// AuditLog is append-only.
type AuditLog interface {
	// AppendEvent stores e, setting e.ID.
	AppendEvent(ctx context.Context, e *Event) error
	// Events returns the events f selects, newest first.
	Events(ctx context.Context, f EventFilter) ([]Event, error)
}

// ThrottleState is what the throttle keeps for one key (a username or a
// client address). Its meaning belongs to the throttle in package auth; the
// store only keeps it.
type ThrottleState struct {
	Failures    []time.Time // recent failures, oldest first
	Streak      int         // failures since the streak began
	LockedUntil time.Time
	Pending     []time.Time // attempts admitted and not yet settled, oldest first
}

// ThrottleStore keeps throttle state so that it survives a restart and is
// shared by every instance on the same store.
type ThrottleStore interface {
	// Throttle returns the state of key (the zero state if none).
	Throttle(ctx context.Context, key string) (ThrottleState, error)
	// UpdateThrottle applies fn to the state of key and stores the result,
	// atomically with respect to other updates of the same key, and returns
	// it. fn must be quick and must not call the store: it may run while the
	// store holds a write lock.
	UpdateThrottle(ctx context.Context, key string, fn func(ThrottleState) ThrottleState) (ThrottleState, error)
	// ResetThrottle forgets key (Throttle then returns the zero state); a
	// key it does not have is no error. Pruner deletes stale keys.
	ResetThrottle(ctx context.Context, key string) error
}

// ServerKeyBytes is the size of a server key (see KeyStore).
const ServerKeyBytes = 32

// KeyStore keeps the server's own secrets (the key that signs known-device
// cookies), so that every instance on the same store uses the same ones.
type KeyStore interface {
	// ServerKey returns the key named name: ServerKeyBytes bytes from
	// crypto/rand, created by the first call for that name on the store
	// and returned unchanged by every later one, from any instance. Calls
	// that race to create it all return the one key that was stored.
	// Different names have independent keys. A key is never changed or
	// deleted through the contract.
	ServerKey(ctx context.Context, name string) ([]byte, error)
}

// Store is everything a backend provides: every contract above as one
// value, which cmd/vigil opens and hands to the engine. Each part of the
// engine, and each test fake, takes only the contract it uses.
type Store interface {
	UserStore
	SessionStore
	RevocationLog
	Pruner
	ResetTokenStore
	AuditLog
	ThrottleStore
	KeyStore
	FactorStore
	PendingSignInStore
	UserImporter
	CeremonyStore
	WebhookOutbox
	// Ping reports whether the store answers; ErrUnavailable if not.
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error
}

// RevocationNotifier is implemented by stores that can push word of new
// revocation-log entries (PostgreSQL LISTEN/NOTIFY, Redis pub/sub), so that
// caches in other instances drop a revoked session within milliseconds
// instead of at their next poll. The log stays the source of truth: a lost
// notification only delays the drop until the next poll.
type RevocationNotifier interface {
	// WatchRevocations calls notify whenever the revocation log may have
	// grown, until ctx ends, and then returns ctx's error. notify must not
	// block. Connection failures are retried inside, with backoff.
	WatchRevocations(ctx context.Context, notify func()) error
}
