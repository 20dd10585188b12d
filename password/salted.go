package password

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"strings"
	"time"
)

// saltedSHA256 is vigil's format for a password kept as one salted
// SHA-256, as many systems of their own keep it:
//
//	salted-sha256$<salt>$<digest>
//
// salt: 0 to 64 bytes in lower-case hex (empty for an unsalted SHA-256);
// digest: SHA-256(salt ‖ password), 64 lower-case hex digits, of the
// password's UTF-8 bytes. It is weak — a graphics card tries billions of
// passwords a second against it (OWASP ASVS 5.0 11.4.2 asks for a slow
// key derivation) — and is accepted only so that users brought over can
// sign in once: the first sign-in replaces it with argon2id.
type saltedSHA256 struct {
	salt, digest []byte
}

func parseSaltedSHA256(s string) (storedHash, error) {
	f := strings.Split(s, "$")
	if len(f) != 3 {
		return nil, fmt.Errorf("%w: want salted-sha256$<hex salt>$<hex digest>", ErrMalformedHash)
	}
	salt, err := decodeLowerHex(f[1], -1, "salt")
	if err != nil {
		return nil, err
	}
	if len(salt) > maxSaltedSHA256Salt {
		return nil, fmt.Errorf("%w: salt longer than %d bytes", ErrMalformedHash, maxSaltedSHA256Salt)
	}
	digest, err := decodeLowerHex(f[2], sha256.Size, "digest")
	if err != nil {
		return nil, err
	}
	return &saltedSHA256{salt: salt, digest: digest}, nil
}

func (h *saltedSHA256) format() string { return "salted-sha256" }

func (h *saltedSHA256) matches(pw []byte) (bool, error) {
	d := sha256.New()
	d.Write(h.salt)
	d.Write(pw)
	return subtle.ConstantTimeCompare(d.Sum(nil), h.digest) == 1, nil
}

func (h *saltedSHA256) work() time.Duration { return time.Millisecond }
