package password

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// bcryptHash is a bcrypt hash: $2b$<cost>$<22 characters of salt><31 of
// hash>, in bcrypt's own base64.
type bcryptHash struct {
	s    []byte
	cost int
}

// bcryptChars is bcrypt's base64 alphabet.
const bcryptChars = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// parseBcrypt parses a bcrypt hash. $2a$ (the original), $2b$ (OpenBSD's
// fix for passwords of more than 255 bytes, which every other
// implementation had right) and $2y$ (crypt_blowfish's mark of a hash made
// after its sign-extension fix, CVE-2011-2483) are today's bcrypt, which
// x/crypto/bcrypt computes. $2x$ marks a hash made with that bug, which
// it does not reproduce, and is refused.
func parseBcrypt(s string) (storedHash, error) {
	if len(s) < 4 || (s[:4] != "$2a$" && s[:4] != "$2b$" && s[:4] != "$2y$") {
		return nil, fmt.Errorf("%w: bcrypt other than $2a$, $2b$, $2y$", ErrUnsupportedHash)
	}
	if len(s) != 60 || s[6] != '$' || strings.Trim(s[7:], bcryptChars) != "" {
		return nil, fmt.Errorf("%w: want $2b$<cost>$ and 53 characters of bcrypt base64", ErrMalformedHash)
	}
	cost := int(s[4]-'0')*10 + int(s[5]-'0')
	if s[4] < '0' || s[4] > '9' || s[5] < '0' || s[5] > '9' || cost < minBcryptCost || cost > maxBcryptCost {
		return nil, fmt.Errorf("%w: bcrypt cost %q not in [%02d, %d]", ErrMalformedHash, s[4:6], minBcryptCost, maxBcryptCost)
	}
	return &bcryptHash{s: []byte(s), cost: cost}, nil
}

func (h *bcryptHash) format() string { return "bcrypt" }

// matches compares in constant time (bcrypt.CompareHashAndPassword). Like
// every bcrypt it reads only the first 72 bytes of a password: a library
// that cut longer ones (PHP, Python's bcrypt before 5.0) made the hash of
// those 72, and a longer password verifies here as it did there; the
// rehash then covers it whole.
func (h *bcryptHash) matches(pw []byte) (bool, error) {
	err := bcrypt.CompareHashAndPassword(h.s, pw)
	if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
		return false, nil
	}
	return err == nil, err
}

// work: about 54 µs per unit of 2^cost here (cost 12: 220 ms); 500 µs
// allows for a machine ten times slower.
func (h *bcryptHash) work() time.Duration {
	return time.Duration(1<<h.cost) * 500 * time.Microsecond
}
