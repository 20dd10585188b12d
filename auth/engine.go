package auth

import (
	"context"
	"log/slog"
	"time"

	"github.com/vigilauth/vigil"
)

// Hasher hashes and verifies passwords (package password implements it).
type Hasher interface {
	// Hash returns a PHC string for password.
	Hash(ctx context.Context, password string) (string, error)
	// Verify reports whether password matches phc, and whether the hash
	// should be recomputed with current parameters.
	Verify(ctx context.Context, password, phc string) (ok, rehash bool, err error)
	// VerifyDummy spends the time of a Verify, for unknown users.
	VerifyDummy(ctx context.Context, password string)
}

// PasswordPolicy judges new passwords (package password implements it).
type PasswordPolicy interface {
	// Check returns every problem with password, or none.
	Check(password, username string) []string
}

// Options are the engine's settings. Zero values take the defaults noted.
type Options struct {
	Policy        vigil.Policy
	ResetTokenTTL time.Duration       // default 30m
	Now           func() time.Time    // default time.Now
	Logger        *slog.Logger        // default slog.Default()
	CacheSize     int                 // sessions kept in memory; default 100,000; negative disables the cache
	PollInterval  time.Duration       // how often Run reads the revocation log; default 50ms
	Normalize     func(string) string // password normalization (NFKC); default identity
	// PasswordMinLength is reported by PolicyReport; the policy itself is
	// the PasswordPolicy's.
	PasswordMinLength int
	// DeviceBinding configures device-bound sessions (DBSC); the zero
	// value is off.
	DeviceBinding DeviceBinding
	// MFA configures second factors; the zero value has no key file
	// (no authenticator app can be enrolled) and requires none.
	MFA MFA
	// Passkeys configures passkeys (WebAuthn); the zero value is off.
	Passkeys Passkeys
}

// Engine is the session and account engine. It is safe for concurrent use.
type Engine struct {
	store     vigil.Store
	hasher    Hasher
	passwords PasswordPolicy
	opt       Options
	log       *slog.Logger
	cache     *cache
	follow    *follower
	throttle  *throttle
	devices   *devices
	activity  *activity
	stats     counters
}

// New returns an engine over store. Call Run in a goroutine to enable the
// session cache; without Run every check reads the store.
func New(store vigil.Store, hasher Hasher, passwords PasswordPolicy, opt Options) *Engine {
	if opt.ResetTokenTTL <= 0 {
		opt.ResetTokenTTL = 30 * time.Minute
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.CacheSize == 0 {
		opt.CacheSize = 100_000
	}
	if opt.PollInterval <= 0 {
		opt.PollInterval = 50 * time.Millisecond // well inside maxStale
	}
	if opt.Normalize == nil {
		opt.Normalize = func(s string) string { return s }
	}
	opt.DeviceBinding = opt.DeviceBinding.withDefaults()
	opt.MFA = opt.MFA.withDefaults()
	e := &Engine{store: store, hasher: hasher, passwords: passwords, opt: opt, log: opt.Logger}
	e.cache = newCache(opt.CacheSize)
	e.follow = newFollower(store, e.cache, opt.PollInterval, opt.Logger)
	e.throttle = &throttle{store: store}
	e.devices = &devices{store: store}
	e.activity = newActivity(store, opt.Logger)
	return e
}

// Policy returns the session policy the engine applies.
func (e *Engine) Policy() vigil.Policy { return e.opt.Policy }

// Now returns the engine's clock: the time every decision and audit event
// uses.
func (e *Engine) Now() time.Time { return e.now() }

// now returns the engine's clock, truncated to the store's precision.
func (e *Engine) now() time.Time { return e.opt.Now().UTC().Truncate(time.Microsecond) }

// Run does the engine's background work until ctx ends, and returns ctx's
// error: it follows the store's revocation log, keeping the session cache
// trustworthy (without Run there is no cache), and writes batched activity
// (without Run every activity write is immediate).
func (e *Engine) Run(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.activity.run(ctx)
	}()
	err := e.follow.run(ctx)
	<-done
	return err
}

// Actor is who does something and from where, for the audit trail.
type Actor struct {
	Username  string // "" for anonymous; "cli" for the command line
	SessionID string // public session id, when there is one
	IP        string
	UserAgent string
}

// CacheLen returns how many sessions the in-process cache holds.
func (e *Engine) CacheLen() int { return e.cache.len() }
