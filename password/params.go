package password

import (
	"errors"
	"fmt"
)

// Params are the argon2id parameters of a hash.
type Params struct {
	Memory  uint32 // memory in KiB
	Time    uint32 // number of passes
	Threads uint8  // degree of parallelism (lanes)
	SaltLen uint32 // salt length in bytes
	KeyLen  uint32 // derived key length in bytes
}

// ErrInvalidParams is wrapped by the error Params.Validate returns.
var ErrInvalidParams = errors.New("password: invalid argon2id parameters")

// Bounds on the parameters this package computes with. They bound what a
// stored hash may ask for, so a hostile or corrupted PHC string cannot make
// one Verify take gigabytes or minutes (OWASP ASVS 5.0 V11.4).
const (
	maxMemory = 1 << 21 // KiB: 2 GiB
	maxTime   = 64
	// maxWork bounds memory × passes (KiB): 2 GiB once, as RFC 9106 §4's
	// first recommendation, or 64 MiB 32 times; about 6 s on one core.
	maxWork    = 1 << 21
	maxThreads = 64
	minSaltLen = 8 // RFC 9106 §3.1: at least 8 bytes
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 128
)

// DefaultParams returns the OWASP Password Storage Cheat Sheet minimum for
// argon2id: 19 MiB of memory, 2 passes, 1 lane, a 16-byte salt and a
// 32-byte key.
func DefaultParams() Params {
	return Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// Validate returns an error wrapping ErrInvalidParams when p is outside the
// bounds this package accepts: memory from 8×Threads KiB to 2 GiB, 1 to 64
// passes, memory × passes at most 2 GiB, 1 to 64 lanes, an 8- to 64-byte
// salt and a 16- to 128-byte key.
func (p Params) Validate() error {
	switch {
	case p.Threads < 1 || p.Threads > maxThreads:
		return fmt.Errorf("%w: threads %d not in [1, %d]", ErrInvalidParams, p.Threads, maxThreads)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		// argon2 silently raises memory below 8×threads, which would make
		// the PHC string lie about the cost.
		return fmt.Errorf("%w: memory %d KiB not in [%d, %d]", ErrInvalidParams, p.Memory, 8*uint32(p.Threads), maxMemory)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("%w: time %d not in [1, %d]", ErrInvalidParams, p.Time, maxTime)
	case uint64(p.Memory)*uint64(p.Time) > maxWork:
		return fmt.Errorf("%w: memory × time %d KiB above %d", ErrInvalidParams, uint64(p.Memory)*uint64(p.Time), maxWork)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("%w: salt length %d not in [%d, %d]", ErrInvalidParams, p.SaltLen, minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("%w: key length %d not in [%d, %d]", ErrInvalidParams, p.KeyLen, minKeyLen, maxKeyLen)
	}
	return nil
}
