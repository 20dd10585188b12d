package password

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Errors returned by Verify and Identify for a stored hash they cannot use.
var (
	// ErrMalformedHash means the stored string is not well formed for its
	// format, or asks for more work than vigil allows (see Identify).
	ErrMalformedHash = errors.New("password: malformed password hash")
	// ErrUnsupportedHash means the stored string is in no format vigil
	// reads, or in a variant of one it does not (argon2d, argon2 v=16,
	// bcrypt $2x$).
	ErrUnsupportedHash = errors.New("password: unsupported hash algorithm or version")
)

// maxPHCLen is longer than any string within the parameter bounds; a longer
// one is refused before it is split or decoded.
const maxPHCLen = 512

// b64 is unpadded standard base64, as the reference implementation writes.
// With Strict and decodeB64's re-encoding check, each hash has one spelling.
var b64 = base64.RawStdEncoding.Strict()

// encodePHC formats a hash as $argon2id$v=19$m=..,t=..,p=..$salt$key.
func encodePHC(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decodePHC parses an argon2id PHC string (decodeArgon2).
func decodePHC(s string) (Params, []byte, []byte, error) {
	a, err := decodeArgon2(s)
	if err == nil && !a.id {
		err = fmt.Errorf("%w: want argon2id", ErrUnsupportedHash)
	}
	if err != nil {
		return Params{}, nil, nil, err
	}
	return a.p, a.salt, a.key, nil
}

// decodeArgon2 parses an argon2id or argon2i PHC string strictly: exactly
// the fields encodePHC writes, in its order, with its spelling (which the
// reference implementation, argon2-cffi and passlib write too), version
// 19, and parameters within Params.Validate's bounds. The returned Params
// carry the salt and key lengths found.
func decodeArgon2(s string) (*argon2Hash, error) {
	if len(s) > maxPHCLen {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrMalformedHash, maxPHCLen)
	}
	f := strings.Split(s, "$")
	if len(f) != 6 || f[0] != "" {
		return nil, fmt.Errorf("%w: want 5 fields each after a '$'", ErrMalformedHash)
	}
	// x/crypto/argon2 computes version 19 (0x13) only; argon2d is not a
	// password hash (RFC 9106 §4: argon2id, else argon2i).
	if (f[1] != "argon2id" && f[1] != "argon2i") || f[2] != "v="+strconv.Itoa(argon2.Version) {
		return nil, fmt.Errorf("%w: want argon2id or argon2i, v=%d", ErrUnsupportedHash, argon2.Version)
	}
	p, err := parseParams(f[3])
	if err != nil {
		return nil, err
	}
	salt, key, err := decodeSaltKey(f[4], f[5])
	if err != nil {
		return nil, err
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedHash, err)
	}
	return &argon2Hash{id: f[1] == "argon2id", p: p, salt: salt, key: key}, nil
}

// parseParams parses "m=<int>,t=<int>,p=<int>" in exactly that order.
func parseParams(s string) (Params, error) {
	kv := strings.Split(s, ",")
	if len(kv) != 3 {
		return Params{}, fmt.Errorf("%w: want m=,t=,p= parameters", ErrMalformedHash)
	}
	m, err1 := parseField(kv[0], "m=", 32)
	t, err2 := parseField(kv[1], "t=", 32)
	p, err3 := parseField(kv[2], "p=", 8)
	if err := errors.Join(err1, err2, err3); err != nil {
		return Params{}, fmt.Errorf("%w: %w", ErrMalformedHash, err)
	}
	return Params{Memory: uint32(m), Time: uint32(t), Threads: uint8(p)}, nil
}

// parseField parses name followed by a decimal without sign or leading
// zero (PHC string format) that fits in bits.
func parseField(s, name string, bits int) (uint64, error) {
	v, ok := strings.CutPrefix(s, name)
	if !ok || v == "" || (v[0] == '0' && v != "0") {
		return 0, fmt.Errorf("want %s<decimal>", name)
	}
	n, err := strconv.ParseUint(v, 10, bits)
	if err != nil {
		return 0, fmt.Errorf("parameter %s: out of range or not a decimal", name)
	}
	return n, nil
}

// decodeSaltKey decodes the base64 salt and key fields.
func decodeSaltKey(saltField, keyField string) (salt, key []byte, err error) {
	if salt, err = decodeB64(saltField); err != nil {
		return nil, nil, fmt.Errorf("%w: salt: %w", ErrMalformedHash, err)
	}
	if key, err = decodeB64(keyField); err != nil {
		return nil, nil, fmt.Errorf("%w: hash: %w", ErrMalformedHash, err)
	}
	return salt, key, nil
}

// decodeB64 decodes s, refusing any spelling but the canonical one: the
// decoder alone skips line breaks inside s.
func decodeB64(s string) ([]byte, error) {
	b, err := b64.DecodeString(s)
	if err != nil {
		return nil, err
	}
	if b64.EncodeToString(b) != s {
		return nil, errors.New("not canonical unpadded base64")
	}
	return b, nil
}
