package password

import (
	"crypto/subtle"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/scrypt"
)

// Werkzeug's hashes: <method>$<salt>$<hex>, where method is
// pbkdf2:<hash>:<iterations> or scrypt:<N>:<r>:<p>. The salt is the text
// between the first two '$' (Werkzeug writes 8 or 16 letters and digits,
// and from 3.0 on reads an empty one too), used as its UTF-8 bytes; the
// hash is lower-case hex, compared as text by Werkzeug, of a key as long as
// the digest (pbkdf2) or of 64 bytes (scrypt, hashlib's default).

// werkzeugDefaults are the default PBKDF2 iteration counts Werkzeug's
// releases have had, each of which checks a hash without a count with its
// own: 1,000 (0.9–0.11), 50,000 (0.12–0.14), 150,000 (0.15–1.0), 260,000
// (2.0–2.2), 600,000 (2.3–3.0) and 1,000,000 (3.1). Werkzeug itself always
// wrote the count; the string does not say which version read it, so every
// one is tried (2,061,000 iterations in all). "pbkdf2" alone, without the
// hash's name, is read from 2.3 on, so only those releases' counts.
func werkzeugDefaults(method string) []int {
	if method == "pbkdf2" {
		return []int{600_000, 1_000_000}
	}
	return []int{1_000, 50_000, 150_000, 260_000, 600_000, 1_000_000}
}

// parseWerkzeug parses a Werkzeug hash.
func parseWerkzeug(s string) (storedHash, error) {
	method, rest, _ := strings.Cut(s, "$")
	salt, hexKey, ok := strings.Cut(rest, "$")
	if !ok {
		return nil, fmt.Errorf("%w: want <method>$<salt>$<hash>", ErrMalformedHash)
	}
	args := strings.Split(method, ":")
	if args[0] == "scrypt" {
		return parseWerkzeugScrypt(args[1:], salt, hexKey)
	}
	algorithm, iterations := "sha256", werkzeugDefaults(method)
	switch len(args) {
	case 1:
	case 2, 3:
		algorithm = args[1]
		if len(args) == 3 {
			n, err := parseCount(args[2], "iterations", maxPBKDF2Iterations)
			if err != nil {
				return nil, err
			}
			iterations = []int{int(n)}
		}
	default:
		return nil, fmt.Errorf("%w: want pbkdf2:<hash>:<iterations>", ErrMalformedHash)
	}
	newHash, size, err := pbkdf2Digest(algorithm)
	if err != nil {
		return nil, err
	}
	key, err := decodeLowerHex(hexKey, size, "hash")
	if err != nil {
		return nil, err
	}
	return &pbkdf2Hash{name: "werkzeug-pbkdf2-" + algorithm, hash: newHash, iterations: iterations,
		salt: []byte(salt), key: key}, nil
}

// scryptHash is an scrypt key (RFC 7914).
type scryptHash struct {
	n, r, p   int
	salt, key []byte
}

// werkzeugScryptKeyLen is the key length Werkzeug stores: hashlib.scrypt's
// default dklen.
const werkzeugScryptKeyLen = 64

func parseWerkzeugScrypt(args []string, salt, hexKey string) (storedHash, error) {
	if len(args) == 0 { // "scrypt" alone: Werkzeug's N, r and p (2.3 on)
		args = []string{"32768", "8", "1"}
	}
	if len(args) != 3 {
		return nil, fmt.Errorf("%w: want scrypt:<N>:<r>:<p>", ErrMalformedHash)
	}
	n, err := parseCount(args[0], "scrypt N", maxScryptWork)
	if err != nil {
		return nil, err
	}
	r, err := parseCount(args[1], "scrypt r", maxScryptWork)
	if err != nil {
		return nil, err
	}
	p, err := parseCount(args[2], "scrypt p", maxScryptWork)
	if err != nil {
		return nil, err
	}
	switch {
	case n < 2 || n&(n-1) != 0:
		return nil, fmt.Errorf("%w: scrypt N %d is not a power of 2 above 1", ErrMalformedHash, n)
	case 128*n*r > maxScryptMemory: // each at most 2^22: no overflow
		return nil, fmt.Errorf("%w: scrypt memory 128·N·r above the limit of %d bytes", ErrMalformedHash, maxScryptMemory)
	case n*r*p > maxScryptWork:
		return nil, fmt.Errorf("%w: scrypt N·r·p above the limit of %d", ErrMalformedHash, maxScryptWork)
	}
	key, err := decodeLowerHex(hexKey, werkzeugScryptKeyLen, "hash")
	if err != nil {
		return nil, err
	}
	return &scryptHash{n: int(n), r: int(r), p: int(p), salt: []byte(salt), key: key}, nil
}

func (h *scryptHash) format() string { return "werkzeug-scrypt" }

func (h *scryptHash) matches(pw []byte) (bool, error) {
	got, err := scrypt.Key(pw, h.salt, h.n, h.r, h.p, len(h.key))
	if err != nil { // the parameters were checked: it should not happen
		return false, fmt.Errorf("password: scrypt: %w", err)
	}
	return subtle.ConstantTimeCompare(got, h.key) == 1, nil
}

// work: about 0.5 µs per unit of N·r·p here; 5 µs allows for a machine ten
// times slower.
func (h *scryptHash) work() time.Duration {
	return time.Duration(h.n*h.r*h.p) * 5 * time.Microsecond
}
