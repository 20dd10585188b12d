package vigil

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
)

// TokenBytes is the size of a session token's secret (SPEC §2).
const TokenBytes = 32

// TokenHash is the SHA-256 of a token's secret: what the store keeps.
type TokenHash [sha256.Size]byte

// Token is a session (or reset) token's secret.
type Token [TokenBytes]byte

// tokenTextLen is the length of a token in unpadded base64url.
var tokenTextLen = base64.RawURLEncoding.EncodedLen(TokenBytes)

// ErrMalformedToken is returned by ParseToken for text that is not a token.
var ErrMalformedToken = errors.New("malformed token")

// NewToken returns 32 bytes from crypto/rand. It panics only if the system's
// random source fails, which crypto/rand documents as irrecoverable.
func NewToken() Token {
	var t Token
	rand.Read(t[:]) // never returns an error (Go 1.24+ crypto/rand)
	return t
}

// String returns the token as unpadded base64url, the form used in cookies.
func (t Token) String() string { return base64.RawURLEncoding.EncodeToString(t[:]) }

// Hash returns the SHA-256 of the token, the only form a store keeps.
func (t Token) Hash() TokenHash { return sha256.Sum256(t[:]) }

// CSRF returns the session's CSRF token: an HMAC of a fixed label keyed by
// the secret. It changes with the token, needs no storage, and cannot be
// computed from the stored hash.
func (t Token) CSRF() string {
	m := hmac.New(sha256.New, t[:])
	m.Write([]byte("vigil csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// ParseToken decodes a token from its base64url text. Anything else
// (wrong length, padding, other alphabets, NUL bytes) is ErrMalformedToken.
func ParseToken(s string) (Token, error) {
	var t Token
	if len(s) != tokenTextLen {
		return t, ErrMalformedToken
	}
	var buf [64]byte // a stack copy: no allocation on the hot path
	copy(buf[:], s)
	n, err := base64.RawURLEncoding.Strict().Decode(t[:], buf[:len(s)])
	if err != nil || n != TokenBytes {
		return Token{}, ErrMalformedToken
	}
	return t, nil
}

// NewID returns a random public identifier (16 bytes, base64url), used for
// session ids. It is independent of any token.
func NewID() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
