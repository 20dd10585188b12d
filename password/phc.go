package password

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Errors returned by Verify for a stored hash it cannot use.
var (
	// ErrMalformedHash means the stored string is not a well-formed argon2id
	// PHC string, or its parameters are out of bounds (see Params.Validate).
	ErrMalformedHash = errors.New("password: malformed argon2id PHC string")
	// ErrUnsupportedHash means the stored string names another algorithm
	// or another argon2 version than argon2id v=19.
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

// decodePHC parses s strictly: exactly the fields encodePHC writes, in its
// order, with its spelling, and parameters within Params.Validate's bounds.
// The returned Params carry the salt and key lengths found.
func decodePHC(s string) (Params, []byte, []byte, error) {
	if len(s) > maxPHCLen {
		return Params{}, nil, nil, fmt.Errorf("%w: longer than %d bytes", ErrMalformedHash, maxPHCLen)
	}
	f := strings.Split(s, "$")
	if len(f) != 6 || f[0] != "" {
		return Params{}, nil, nil, fmt.Errorf("%w: want 5 fields each after a '$'", ErrMalformedHash)
	}
	if f[1] != "argon2id" || f[2] != "v="+strconv.Itoa(argon2.Version) {
		return Params{}, nil, nil, fmt.Errorf("%w: want argon2id v=%d", ErrUnsupportedHash, argon2.Version)
	}
	p, err := parseParams(f[3])
	if err != nil {
		return Params{}, nil, nil, err
	}
	salt, key, err := decodeSaltKey(f[4], f[5])
	if err != nil {
		return Params{}, nil, nil, err
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.Validate(); err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: %w", ErrMalformedHash, err)
	}
	return p, salt, key, nil
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
