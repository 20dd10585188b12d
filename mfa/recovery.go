package mfa

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"strings"

	"github.com/vigilauth/vigil"
)

// Recovery codes are NIST SP 800-63B-4's look-up secrets (§3.1.2): a set
// of RecoveryCodeCount codes, shown to the user once, of which each signs
// in once, in place of the second factor.
//
// The format, and why:
//
//   - 24 symbols of Crockford's base32 (0-9 and a-z without i, l, o, u),
//     120 bits from crypto/rand, shown lower-case in six groups of four:
//     "7k3m-q9xd-4hjn-r2vb-6cye-w8tz". Groups of four are read and typed
//     without losing one's place; the alphabet has no two letters a person
//     confuses, and what they might type instead (i, l for 1; o for 0) is
//     read as meant; case, spaces and hyphens do not matter.
//   - 120 bits is above the 112 of §3.1.2.2, so a code is stored as a
//     plain SHA-256 (an approved one-way function), not salted and hashed
//     with a password hashing scheme: a leaked table cannot be searched,
//     and checking a code is one SHA-256 and one indexed look-up, where
//     ten argon2 hashes per attempt (one per unused code) would make the
//     recovery form a lever for exhausting the server's memory.
//   - 120 bits is also above the 64 under which §3.1.2.2 requires rate
//     limiting; the caller still counts a wrong code as a failed sign-in
//     for the user's throttle (package auth), as every second factor does.
//   - A code is never six digits, so one sign-in field can take a TOTP code
//     or a recovery code: HashRecoveryCode refuses what is not a code.
//
// What the store keeps is the hash (vigil.FactorStore's recovery codes);
// consuming one is a conditional update of its row, so that of concurrent
// attempts with one code exactly one signs in; generating a new set
// replaces the whole old one.

// RecoveryCodeCount is how many codes a set has.
const RecoveryCodeCount = 10

// recoveryBytes is a code's randomness: 15 bytes, 120 bits, 24 symbols.
const recoveryBytes = 15

// recoverySymbols is the number of symbols in a code.
const recoverySymbols = recoveryBytes * 8 / 5

// crockford is Crockford's base32 alphabet, lower case.
var crockford = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewRecoveryCodes returns RecoveryCodeCount new codes, as text to show
// the user once, and their hashes, in the same order, to store.
func NewRecoveryCodes() (codes []string, hashes []vigil.TokenHash) {
	codes = make([]string, RecoveryCodeCount)
	hashes = make([]vigil.TokenHash, RecoveryCodeCount)
	for i := range codes {
		var raw [recoveryBytes]byte
		rand.Read(raw[:]) // never returns an error (Go 1.24+ crypto/rand)
		sym := crockford.EncodeToString(raw[:])
		var b strings.Builder
		for j := 0; j < len(sym); j += 4 {
			if j > 0 {
				b.WriteByte('-')
			}
			b.WriteString(sym[j : j+4])
		}
		codes[i], hashes[i] = b.String(), recoveryHash(sym)
	}
	return codes, hashes
}

// HashRecoveryCode returns the hash of a code as a person typed it: in
// either case, with or without spaces and hyphens, with i, l read as 1 and
// o as 0. It reports false for anything else (another length, another
// character, six digits of a TOTP code), without a panic.
func HashRecoveryCode(typed string) (vigil.TokenHash, bool) {
	if len(typed) > 4*recoverySymbols {
		return vigil.TokenHash{}, false
	}
	var sym [recoverySymbols]byte
	n := 0
	for i := 0; i < len(typed); i++ {
		c := typed[i]
		if c == ' ' || c == '-' {
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		switch c {
		case 'i', 'l':
			c = '1'
		case 'o':
			c = '0'
		}
		if n == len(sym) || !strings.ContainsRune("0123456789abcdefghjkmnpqrstvwxyz", rune(c)) {
			return vigil.TokenHash{}, false
		}
		sym[n] = c
		n++
	}
	if n != len(sym) {
		return vigil.TokenHash{}, false
	}
	return recoveryHash(string(sym[:])), true
}

// recoveryHash is the stored form of a code's canonical symbols.
func recoveryHash(sym string) vigil.TokenHash {
	return sha256.Sum256([]byte("vigil recovery code v1\x00" + sym))
}
