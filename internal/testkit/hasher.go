package testkit

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/password"
)

// CheapParams returns the cheapest argon2id parameters package password
// accepts: tests check behaviour, not cost.
func CheapParams() password.Params {
	return password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// Hasher returns a real argon2id hasher with CheapParams and the default
// concurrency.
func Hasher() *password.Hasher { return password.NewHasher(CheapParams(), 0) }

// policy is built once: NewPolicy loads a 30,000-word blocklist, and a
// Policy is safe to share.
var policy = sync.OnceValue(func() *password.Policy { return password.NewPolicy(15) })

// Policy returns the NIST password policy with a 15-character minimum,
// built once for the test binary.
func Policy() *password.Policy { return policy() }

// CountingHasher counts the password hashes computed through it (each a
// real, cheap argon2id computation). The counters may be read and reset
// while the engine runs.
type CountingHasher struct {
	auth.Hasher
	Hashes   atomic.Int64 // calls of Hash
	Verifies atomic.Int64 // calls of Verify
	Dummies  atomic.Int64 // calls of VerifyDummy
	// Gate, when not nil, makes Verify wait (after counting) until it is
	// closed. Set it before the calls it should hold.
	Gate chan struct{}
}

// NewCountingHasher returns a CountingHasher over Hasher().
func NewCountingHasher() *CountingHasher { return &CountingHasher{Hasher: Hasher()} }

// Hash counts the call and hashes pw.
func (c *CountingHasher) Hash(ctx context.Context, pw string) (string, error) {
	c.Hashes.Add(1)
	return c.Hasher.Hash(ctx, pw)
}

// Verify counts the call, waits for Gate if set, and verifies pw.
func (c *CountingHasher) Verify(ctx context.Context, pw, phc string) (bool, bool, error) {
	c.Verifies.Add(1)
	if c.Gate != nil {
		<-c.Gate
	}
	return c.Hasher.Verify(ctx, pw, phc)
}

// VerifyDummy counts the call and spends the time of a Verify.
func (c *CountingHasher) VerifyDummy(ctx context.Context, pw string) {
	c.Dummies.Add(1)
	c.Hasher.VerifyDummy(ctx, pw)
}

// Total is every password hash computed so far (hash, verify or dummy).
func (c *CountingHasher) Total() int64 {
	return c.Hashes.Load() + c.Verifies.Load() + c.Dummies.Load()
}

// Reset sets every counter back to zero.
func (c *CountingHasher) Reset() {
	c.Hashes.Store(0)
	c.Verifies.Store(0)
	c.Dummies.Store(0)
}
