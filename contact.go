package vigil

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds of a user's contact fields.
const (
	// MaxEmailLength is the longest address a mail path carries (RFC 5321
	// §4.5.3.1.3: a 256-octet path less its angle brackets).
	MaxEmailLength = 254
	// MaxEmailLocalLength bounds the part before the @ (RFC 5321 §4.5.3.1.1).
	MaxEmailLocalLength = 64
	// MaxDisplayNameLength bounds a display name, in characters.
	MaxDisplayNameLength = 128
)

// NormalizeEmail folds an email address to the form it is stored in:
// trimmed, the domain lower-cased. The part before the @ keeps its case,
// which only the receiving mail server may interpret (RFC 5321 §2.4).
func NormalizeEmail(s string) string {
	s = strings.TrimSpace(s)
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return s
	}
	return s[:at+1] + strings.ToLower(s[at+1:])
}

// ValidateEmail reports why a normalized email address cannot be used, or
// nil. The empty string means "no address" and is valid. The check is
// pragmatic, not RFC 5322's grammar (no address is sent mail here): at
// most 254 bytes of UTF-8, one @ between a local part of 1 to 64 bytes and
// a lower-case domain of non-empty dot-separated labels, and no spaces or
// control characters anywhere.
func ValidateEmail(s string) error {
	if s == "" {
		return nil
	}
	if len(s) > MaxEmailLength {
		return fmt.Errorf("email is longer than %d bytes", MaxEmailLength)
	}
	if err := plainText(s); err != nil {
		return fmt.Errorf("email %w", err)
	}
	if strings.ContainsFunc(s, unicode.IsSpace) {
		return errors.New("email may not contain spaces")
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || strings.Contains(domain, "@") {
		return errors.New("email must contain exactly one @")
	}
	if local == "" || len(local) > MaxEmailLocalLength {
		return fmt.Errorf("email needs 1 to %d bytes before the @", MaxEmailLocalLength)
	}
	if domain == "" || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return errors.New("email needs a domain after the @, such as example.org")
	}
	if domain != strings.ToLower(domain) {
		return errors.New("email domain must be lower-case")
	}
	return nil
}

// ValidateDisplayName reports why a display name cannot be used, or nil.
// The empty string means "no name" and is valid. A display name is at most
// 128 characters of UTF-8 with no control characters and no bidirectional
// overrides; callers store it in Unicode normalization form C, which the
// standard library cannot check (auth normalizes it before this check).
func ValidateDisplayName(s string) error {
	if s == "" {
		return nil
	}
	if utf8.RuneCountInString(s) > MaxDisplayNameLength {
		return fmt.Errorf("display name is longer than %d characters", MaxDisplayNameLength)
	}
	if err := plainText(s); err != nil {
		return fmt.Errorf("display name %w", err)
	}
	if strings.TrimSpace(s) != s {
		return errors.New("display name may not start or end with a space")
	}
	return nil
}

// plainText reports text that is not valid UTF-8 or that holds a control
// character or a bidirectional embedding, override or isolate, which would
// let a name shown to an administrator read other than it is
// (CVE-2021-42574, "Trojan Source").
func plainText(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || isBidiControl(r) }) {
		return errors.New("may not contain control characters")
	}
	return nil
}

// isBidiControl reports the explicit directional formatting characters
// (Unicode UAX #9 §2): LRE, RLE, PDF, LRO, RLO and LRI, RLI, FSI, PDI.
func isBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}
