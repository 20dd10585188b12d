package password

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"hash"
	"strings"
	"time"
)

// PBKDF2-HMAC hashes, as Django and passlib write them (Werkzeug's:
// werkzeug.go).

// pbkdf2Hash is a PBKDF2-HMAC key, derived with one of iterations.
type pbkdf2Hash struct {
	name       string // the format (Identify)
	hash       func() hash.Hash
	iterations []int // the counts to try: one, but for Werkzeug's hashes without a count
	salt, key  []byte
}

func (h *pbkdf2Hash) format() string { return h.name }

// matches derives the key with each count, every time (a match changes
// nothing in the work done).
func (h *pbkdf2Hash) matches(pw []byte) (bool, error) {
	match := 0
	for _, n := range h.iterations {
		got, err := pbkdf2.Key(h.hash, string(pw), h.salt, n, len(h.key))
		if err != nil { // only in FIPS 140-only mode, for a short salt or key
			return false, fmt.Errorf("password: pbkdf2: %w", err)
		}
		match |= subtle.ConstantTimeCompare(got, h.key)
	}
	return match == 1, nil
}

// work: about 0.55 µs an iteration here with SHA-512, 0.18 µs with SHA-1
// or SHA-256; 6 µs allows for a machine ten times slower.
func (h *pbkdf2Hash) work() time.Duration {
	var n int
	for _, i := range h.iterations {
		n += i
	}
	return time.Duration(n) * 6 * time.Microsecond
}

// pbkdf2Digest returns the hash function of a name these formats use
// (Python's hashlib names) and the size of its digest, which is the size
// of their keys.
func pbkdf2Digest(name string) (func() hash.Hash, int, error) {
	switch name {
	case "sha1":
		return sha1.New, sha1.Size, nil
	case "sha256":
		return sha256.New, sha256.Size, nil
	case "sha512":
		return sha512.New, sha512.Size, nil
	}
	return nil, 0, fmt.Errorf("%w: pbkdf2 with %q (vigil reads sha1, sha256, sha512)", ErrUnsupportedHash, name)
}

// parseDjango parses Django's pbkdf2_sha256$<iterations>$<salt>$<base64>
// (or pbkdf2_sha1), as Django compares it: the whole string it would write
// again, so the count without leading zeros and the key in padded standard
// base64 exactly. Django refuses an empty salt.
func parseDjango(s string) (storedHash, error) {
	f := strings.SplitN(s, "$", 4)
	algorithm, ok := strings.CutPrefix(f[0], "pbkdf2_")
	if !ok || (algorithm != "sha256" && algorithm != "sha1") {
		return nil, fmt.Errorf("%w: Django's %q (vigil reads pbkdf2_sha256, pbkdf2_sha1)", ErrUnsupportedHash, f[0])
	}
	if len(f) != 4 {
		return nil, fmt.Errorf("%w: want %s$<iterations>$<salt>$<hash>", ErrMalformedHash, f[0])
	}
	n, err := parseCount(f[1], "iterations", maxPBKDF2Iterations)
	if err != nil {
		return nil, err
	}
	if f[2] == "" {
		return nil, fmt.Errorf("%w: empty salt (Django writes and reads none)", ErrMalformedHash)
	}
	newHash, size, _ := pbkdf2Digest(algorithm)
	key, err := base64.StdEncoding.Strict().DecodeString(f[3])
	if err != nil || len(key) != size || base64.StdEncoding.EncodeToString(key) != f[3] {
		return nil, fmt.Errorf("%w: hash: want %d bytes in padded base64", ErrMalformedHash, size)
	}
	return &pbkdf2Hash{name: "django-pbkdf2-" + algorithm, hash: newHash, iterations: []int{int(n)},
		salt: []byte(f[2]), key: key}, nil
}

// parsePasslib parses passlib's $pbkdf2-sha256$<rounds>$<salt>$<checksum>
// (or $pbkdf2-sha512$, or $pbkdf2$ for SHA-1), salt and checksum in
// passlib's adapted base64 (decodeAB64). The salt may be empty, as passlib
// allows.
func parsePasslib(s string) (storedHash, error) {
	f := strings.Split(s, "$")
	var algorithm string
	switch f[1] {
	case "pbkdf2":
		algorithm = "sha1"
	case "pbkdf2-sha256", "pbkdf2-sha512":
		algorithm = f[1][len("pbkdf2-"):]
	default:
		return nil, fmt.Errorf("%w: passlib's %q (vigil reads pbkdf2, pbkdf2-sha256, pbkdf2-sha512)", ErrUnsupportedHash, f[1])
	}
	if len(f) != 5 {
		return nil, fmt.Errorf("%w: want $%s$<rounds>$<salt>$<checksum>", ErrMalformedHash, f[1])
	}
	n, err := parseCount(f[2], "rounds", maxPBKDF2Iterations)
	if err != nil {
		return nil, err
	}
	newHash, size, _ := pbkdf2Digest(algorithm)
	salt, err1 := decodeAB64(f[3])
	key, err2 := decodeAB64(f[4])
	if err1 != nil {
		return nil, fmt.Errorf("%w: salt: %w", ErrMalformedHash, err1)
	}
	if err2 != nil || len(key) != size {
		return nil, fmt.Errorf("%w: checksum: want %d bytes in adapted base64", ErrMalformedHash, size)
	}
	return &pbkdf2Hash{name: "passlib-pbkdf2-" + algorithm, hash: newHash, iterations: []int{int(n)},
		salt: salt, key: key}, nil
}

// ab64Chars is passlib's adapted base64 alphabet: standard base64 with '.'
// for '+' ('+' is read too, as passlib reads it).
const ab64Chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789./+"

// decodeAB64 decodes unpadded adapted base64. The alphabet is checked
// first: Go's decoder would skip line breaks.
func decodeAB64(s string) ([]byte, error) {
	if strings.Trim(s, ab64Chars) != "" {
		return nil, fmt.Errorf("not adapted base64")
	}
	return base64.RawStdEncoding.DecodeString(strings.ReplaceAll(s, ".", "+"))
}
