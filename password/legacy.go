package password

import (
	"bytes"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// Stored hashes of every format vigil reads.
//
// Verify takes vigil's own argon2id PHC strings and the hashes that other
// systems store, so that users brought over keep their passwords (see
// Identify for the list). Each is parsed into a storedHash by its prefix,
// with the work it may ask for bounded (the limits below), and verified
// with the primitive its format names. Any format but argon2id with the
// hasher's own parameters is reported for a rehash.

// Limits on the work a stored hash may ask for. A hash above them is
// refused as malformed, so that an imported or corrupted hash cannot make
// one sign-in take minutes or gigabytes (OWASP ASVS 5.0 11.4.2 asks for
// current parameters, not for any: these allow several times the defaults
// of the libraries that write these formats). Times are one computation
// on one core here (BenchmarkVerifyLegacy).
const (
	// maxStoredLen bounds any stored hash (argon2: maxPHCLen).
	maxStoredLen = 1024
	// maxPBKDF2Iterations: 5 × Werkzeug 3.1's and Django 5.2's 1,000,000
	// (about 0.9 s with SHA-256, 2.7 s with SHA-512).
	maxPBKDF2Iterations = 5_000_000
	// maxBcryptCost: 16 × the work of cost 12, the common default (3.5 s).
	maxBcryptCost = 16
	// minBcryptCost is the least cost bcrypt defines.
	minBcryptCost = 4
	// maxScryptMemory bounds scrypt's 128·N·r bytes: 8 × Werkzeug's
	// default (N=32768, r=8: 32 MiB).
	maxScryptMemory = 256 << 20
	// maxScryptWork bounds N·r·p: 16 × Werkzeug's default (2 s).
	maxScryptWork = 1 << 22
	// maxSaltedSHA256Salt bounds the salt of a salted-sha256 hash, in bytes.
	maxSaltedSHA256Salt = 64
)

// A storedHash is a stored password hash, parsed and within the limits.
type storedHash interface {
	// format names the format, as Identify does.
	format() string
	// matches reports whether pw, exactly these bytes, gives the stored
	// hash; the comparison takes constant time. An error means the hash
	// could not be computed.
	matches(pw []byte) (bool, error)
	// work is an ample estimate of one matches call's time on a slow
	// machine: a worker computing it is allowed that and more.
	work() time.Duration
}

// Identify reports the format of a stored password hash, or why Verify
// could not use it: the check for a hash brought in from another system.
// The formats, by name:
//
//	argon2id               $argon2id$v=19$m=…,t=…,p=…$<salt>$<hash> (vigil's own)
//	argon2i                $argon2i$v=19$m=…,t=…,p=…$<salt>$<hash>
//	bcrypt                 $2a$, $2b$ or $2y$<cost>$<salt and hash>
//	werkzeug-pbkdf2-sha1   pbkdf2:sha1:<iterations>$<salt>$<hex>
//	werkzeug-pbkdf2-sha256 pbkdf2:sha256:<iterations>$<salt>$<hex>
//	werkzeug-pbkdf2-sha512 pbkdf2:sha512:<iterations>$<salt>$<hex>
//	werkzeug-scrypt        scrypt:<N>:<r>:<p>$<salt>$<hex>
//	django-pbkdf2-sha256   pbkdf2_sha256$<iterations>$<salt>$<base64>
//	django-pbkdf2-sha1     pbkdf2_sha1$<iterations>$<salt>$<base64>
//	passlib-pbkdf2-sha256  $pbkdf2-sha256$<rounds>$<ab64 salt>$<ab64>
//	passlib-pbkdf2-sha512  $pbkdf2-sha512$<rounds>$<ab64 salt>$<ab64>
//	passlib-pbkdf2-sha1    $pbkdf2$<rounds>$<ab64 salt>$<ab64>
//	salted-sha256          salted-sha256$<hex salt>$<hex SHA-256(salt ‖ password)>
//
// Werkzeug's pbkdf2 without an iteration count ("pbkdf2:sha256$…", and
// "pbkdf2$…" for SHA-256) is checked, as Werkzeug checks it, with the
// default count of the version checking it, which the string does not
// name: Verify tries every default Werkzeug has had (see werkzeugDefaults).
// "scrypt$…" is Werkzeug's default N=32768, r=8, p=1.
//
// Limits (a hash above one is refused): argon2 as Params.Validate (at
// most 2 GiB, 64 passes, memory × passes 2 GiB, 64 lanes); bcrypt cost 4
// to 16; PBKDF2 at most 5,000,000 iterations; scrypt 128·N·r at most
// 256 MiB and N·r·p at most 2^22; any stored string at most 1,024 bytes
// (argon2: 512).
//
// Errors: ErrUnsupportedHash (no format above, or a variant vigil does
// not compute) or ErrMalformedHash (a known format, badly written or over
// a limit), each wrapped with the reason.
func Identify(hash string) (format string, err error) {
	h, err := parseStored(hash)
	if err != nil {
		return "", err
	}
	return h.format(), nil
}

// parseStored parses a stored hash of any format vigil reads, chosen by
// its prefix.
func parseStored(s string) (storedHash, error) {
	if len(s) > maxStoredLen {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrMalformedHash, maxStoredLen)
	}
	switch {
	case strings.HasPrefix(s, "$argon2"):
		return decodeArgon2(s)
	case strings.HasPrefix(s, "$2"):
		return parseBcrypt(s)
	case strings.HasPrefix(s, "$pbkdf2"):
		return parsePasslib(s)
	case strings.HasPrefix(s, "pbkdf2_"):
		return parseDjango(s)
	case strings.HasPrefix(s, "pbkdf2:"), strings.HasPrefix(s, "pbkdf2$"),
		strings.HasPrefix(s, "scrypt:"), strings.HasPrefix(s, "scrypt$"):
		return parseWerkzeug(s)
	case strings.HasPrefix(s, "salted-sha256$"):
		return parseSaltedSHA256(s)
	}
	return nil, fmt.Errorf("%w: not a format vigil reads", ErrUnsupportedHash)
}

// form says which form of a password matched a stored hash.
type form uint8

const (
	noMatch    form = iota
	normalForm      // its NFKC form (for most passwords, the same as typed)
	typedForm       // only the form as typed, which NFKC changes
)

// matchForms verifies the password as typed and, when NFKC changes it, its
// NFKC form too (NIST 800-63B-4 §3.1.1.2 asks for normalized passwords;
// other systems hashed the bytes they were given). vigil's own hashes
// (argon2id) are of the NFKC form, so it is tried first for them; any
// other format was made elsewhere, from the password as typed, which is
// tried first there. Either way the cost is one computation for a password
// NFKC leaves alone and two for one it changes, whatever the answer.
func matchForms(h storedHash, typed []byte) (form, error) {
	norm := []byte(Normalize(string(typed)))
	if bytes.Equal(norm, typed) {
		ok, err := h.matches(typed)
		if !ok || err != nil {
			return noMatch, err
		}
		return normalForm, nil
	}
	try := [2]form{typedForm, normalForm}
	if a, ok := h.(*argon2Hash); ok && a.id {
		try = [2]form{normalForm, typedForm}
	}
	for _, f := range try {
		pw := typed
		if f == normalForm {
			pw = norm
		}
		ok, err := h.matches(pw)
		if err != nil {
			return noMatch, err
		}
		if ok {
			return f, nil
		}
	}
	return noMatch, nil
}

// allowance is how long a worker may take to verify h: ample time for the
// two forms of a password (matchForms), so that only a wedged worker runs
// out.
func allowance(h storedHash) time.Duration {
	return 10*time.Second + 2*h.work()
}

// argon2Hash is an argon2id or argon2i hash (decodeArgon2).
type argon2Hash struct {
	id        bool // argon2id, else argon2i
	p         Params
	salt, key []byte
}

func (a *argon2Hash) format() string {
	if a.id {
		return "argon2id"
	}
	return "argon2i"
}

func (a *argon2Hash) matches(pw []byte) (bool, error) {
	derive := argon2.Key
	if a.id {
		derive = argon2.IDKey
	}
	got := derive(pw, a.salt, a.p.Time, a.p.Memory, a.p.Threads, a.p.KeyLen)
	return subtle.ConstantTimeCompare(got, a.key) == 1, nil
}

// work: about 1.3 µs a KiB and pass here (25 ms a pass over 19 MiB); 50 µs
// allows for a machine forty times slower.
func (a *argon2Hash) work() time.Duration {
	return time.Duration(a.p.Memory) * time.Duration(a.p.Time) * 50 * time.Microsecond
}

// parseCount parses a decimal count of 1 to limit, without sign or
// leading zero (the libraries write it so).
func parseCount(s, name string, limit uint64) (uint64, error) {
	if s == "" || s[0] == '0' || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("%w: %s %q is not a positive decimal", ErrMalformedHash, name, s)
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > limit {
		return 0, fmt.Errorf("%w: %s %s above the limit of %d", ErrMalformedHash, name, s, limit)
	}
	return n, nil
}

// decodeLowerHex decodes s, lower-case hexadecimal (as Python's hex()
// writes) of n bytes, or any even length when n < 0.
func decodeLowerHex(s string, n int, name string) ([]byte, error) {
	if strings.Trim(s, "0123456789abcdef") != "" || len(s)%2 != 0 || (n >= 0 && len(s) != 2*n) {
		if n >= 0 {
			return nil, fmt.Errorf("%w: %s: want %d lower-case hex digits", ErrMalformedHash, name, 2*n)
		}
		return nil, fmt.Errorf("%w: %s: want lower-case hex digits", ErrMalformedHash, name)
	}
	return hex.DecodeString(s)
}
