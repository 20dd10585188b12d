package mfa

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Algorithm is the HMAC hash of a TOTP (RFC 6238 §1.2 allows SHA-1,
// SHA-256 and SHA-512).
type Algorithm int

// The algorithms. Authenticator apps (Google Authenticator, Microsoft
// Authenticator, Authy, 1Password, Aegis) all do SHA1; several ignore
// any other, so vigil issues SHA1 secrets only (TOTP) and keeps the
// others for the RFC's test vectors.
const (
	SHA1 Algorithm = iota + 1
	SHA256
	SHA512
)

// String returns the name the otpauth URI uses.
func (a Algorithm) String() string {
	switch a {
	case SHA1:
		return "SHA1"
	case SHA256:
		return "SHA256"
	case SHA512:
		return "SHA512"
	}
	return "Algorithm(" + strconv.Itoa(int(a)) + ")"
}

// hash returns the algorithm's constructor, or nil for an unknown one.
func (a Algorithm) hash() func() hash.Hash {
	switch a {
	case SHA1:
		return sha1.New
	case SHA256:
		return sha256.New
	case SHA512:
		return sha512.New
	}
	return nil
}

// Params is a TOTP algorithm: RFC 6238's HOTP (RFC 4226) of the time step.
type Params struct {
	Algorithm Algorithm
	Digits    int   // 6 to 8 (RFC 4226 §5.3: at least 6; 8 is the most a 31-bit value gives in full)
	Period    int64 // seconds per time step, T0 being the Unix epoch
}

// TOTP is what authenticator apps do: SHA-1, 6 digits, 30-second steps.
var TOTP = Params{Algorithm: SHA1, Digits: 6, Period: 30}

// Skew is how many time steps either side of the current one a code is
// accepted for: RFC 6238 §5.2 recommends at most one step of network delay,
// and a phone's clock that is up to 30 seconds off still signs in.
const Skew = 1

// SecretBytes is the size of a new secret: 160 bits, RFC 4226 §4 R6's
// recommendation and the length of SHA-1's output.
const SecretBytes = 20

// Errors of Verify.
var (
	// ErrInvalidCode: the code is not one of the accepted steps' codes
	// (wrong, malformed, or too old or too far ahead).
	ErrInvalidCode = errors.New("invalid one-time code")
	// ErrReusedCode: the code is right, but for a step no later than the
	// last one accepted: it was used already (or a later one was), and
	// RFC 6238 §5.2 forbids accepting it again.
	ErrReusedCode = errors.New("one-time code already used")
)

// valid reports whether p can compute codes.
func (p Params) valid() bool {
	return p.Algorithm.hash() != nil && p.Digits >= 6 && p.Digits <= 8 && p.Period > 0
}

// Step returns the time step of t: floor((t - T0) / Period), T0 = 0.
func (p Params) Step(t time.Time) int64 {
	s := t.Unix()
	step := s / p.Period
	if s%p.Period < 0 {
		step-- // floor, not truncation, for times before the epoch
	}
	return step
}

// Code returns the code of secret at time step step, as Digits decimal
// digits with leading zeros. It returns "" for Params it cannot compute
// (an unknown algorithm, or Digits outside 6 to 8) or an empty secret.
func (p Params) Code(secret []byte, step int64) string {
	var buf [8]byte
	if !p.code(secret, step, buf[:]) {
		return ""
	}
	return string(buf[:p.Digits])
}

// code writes the code of step into out[:p.Digits] (RFC 4226 §5.3's
// dynamic truncation) and reports whether it could.
func (p Params) code(secret []byte, step int64, out []byte) bool {
	if !p.valid() || len(secret) == 0 {
		return false
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	m := hmac.New(p.Algorithm.hash(), secret)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	for i := p.Digits - 1; i >= 0; i-- {
		out[i] = byte('0' + v%10)
		v /= 10
	}
	return true
}

// Verify checks code against secret at time now, accepting the code of
// the current step or of up to Skew steps either side, and returns the
// step it matched. Only steps after last are accepted: the caller passes
// the step it accepted last for this secret (0 for none) and stores the
// returned one, so that no code is accepted twice (RFC 6238 §5.2).
//
// code may hold ASCII spaces (apps show "123 456"); anything else that is
// not exactly Digits ASCII digits is ErrInvalidCode, as is a code that
// matches no step. A code that matches only steps up to last is
// ErrReusedCode. When the code matches several steps after last (two steps
// share a code once in a million), the earliest is returned, so that the
// next code the app shows is still accepted.
//
// Every candidate step is computed and compared in constant time, whether
// or not an earlier one matched, so the time taken does not tell an
// attacker which step, if any, matched.
func (p Params) Verify(secret []byte, code string, now time.Time, last int64) (int64, error) {
	var in [8]byte
	n, ok := digits(code, in[:], p.Digits)
	if !ok || n != p.Digits || !p.valid() || len(secret) == 0 {
		return 0, ErrInvalidCode
	}
	cur := p.Step(now)
	var found int64
	matched, reused := 0, 0
	var want [8]byte
	for step := cur + Skew; step >= cur-Skew; step-- { // last assignment wins: the earliest step
		p.code(secret, step, want[:])
		eq := subtle.ConstantTimeCompare(in[:n], want[:n])
		later := 0
		if step > last {
			later = 1
		}
		found = int64(subtle.ConstantTimeSelect(eq&later, int(step), int(found)))
		matched |= eq & later
		reused |= eq &^ later
	}
	switch {
	case matched == 1:
		return found, nil
	case reused == 1:
		return 0, ErrReusedCode
	}
	return 0, ErrInvalidCode
}

// digits copies the ASCII digits of code into out, skipping ASCII spaces,
// and returns how many it copied; false if code holds anything else
// (letters, signs, Unicode digits such as "١" or "１") or more than max
// digits, or is longer than any code could reasonably be typed.
func digits(code string, out []byte, max int) (int, bool) {
	if len(code) > 4*max {
		return 0, false
	}
	n := 0
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c == ' ':
		case c >= '0' && c <= '9' && n < max && n < len(out):
			out[n] = c
			n++
		default:
			return 0, false
		}
	}
	return n, true
}

// NewSecret returns SecretBytes bytes from crypto/rand.
func NewSecret() []byte {
	s := make([]byte, SecretBytes)
	rand.Read(s) // never returns an error (Go 1.24+ crypto/rand)
	return s
}

// b32 is RFC 4648 base32 without padding: the otpauth URI's and the apps'
// form of a secret.
var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// SecretText returns secret as a person types it into an app that cannot
// scan the QR code: base32 in groups of four letters ("JBSW Y3DP ..."),
// which every app accepts with or without the spaces.
func SecretText(secret []byte) string {
	s := b32.EncodeToString(secret)
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}

// ParseSecretText reverses SecretText: base32 in either case, with or
// without spaces, hyphens and padding.
func ParseSecretText(text string) ([]byte, error) {
	s := strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "=", "").Replace(text))
	secret, err := b32.DecodeString(s)
	if err != nil || len(secret) == 0 {
		return nil, errors.New("mfa: a secret is base32 text")
	}
	return secret, nil
}

// URI returns the otpauth:// URI of a TOTP secret for issuer and account,
// per Google's Key Uri Format: the label "issuer:account", each part
// percent-encoded, then the secret in base32 without padding, the issuer
// again (apps that read it prefer it to the label's), and the parameters.
// issuer and account must be non-empty, must not hold a colon (the format
// has no way to tell it from the separator) and must be valid text without
// control characters.
func (p Params) URI(issuer, account string, secret []byte) (string, error) {
	for _, f := range []struct{ what, v string }{{"issuer", issuer}, {"account", account}} {
		if f.v == "" || strings.ContainsRune(f.v, ':') || strings.ContainsFunc(f.v, isControl) || !isUTF8(f.v) {
			return "", fmt.Errorf("mfa: otpauth URI: the %s must be non-empty text without a colon or control characters", f.what)
		}
	}
	if !p.valid() || len(secret) == 0 {
		return "", errors.New("mfa: otpauth URI: invalid parameters or empty secret")
	}
	var b strings.Builder
	b.WriteString("otpauth://totp/")
	b.WriteString(escape(issuer, false))
	b.WriteByte(':')
	b.WriteString(escape(account, true))
	b.WriteString("?secret=" + b32.EncodeToString(secret))
	b.WriteString("&issuer=" + escape(issuer, false))
	b.WriteString("&algorithm=" + p.Algorithm.String())
	b.WriteString("&digits=" + strconv.Itoa(p.Digits))
	b.WriteString("&period=" + strconv.FormatInt(p.Period, 10))
	return b.String(), nil
}

// escape percent-encodes every byte of s but RFC 3986's unreserved ones
// (and '@' when keepAt, as Google's example label "ACME%20Co:john@example.com"
// shows it): spaces become %20, never '+', which some apps would show.
func escape(s string, keepAt bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || keepAt && c == '@' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0xf])
	}
	return b.String()
}

// isControl reports whether r is a control character.
func isControl(r rune) bool { return unicode.IsControl(r) }

// isUTF8 reports whether s is valid UTF-8.
func isUTF8(s string) bool { return utf8.ValidString(s) }
