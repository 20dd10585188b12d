package vigil

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// User is an account. PasswordHash is a PHC string and never leaves the
// server; it is empty for an account that has no password yet (created
// with a reset token instead).
type User struct {
	ID                int64
	Username          string
	Role              Role
	ClinicianID       string
	PasswordHash      string
	Disabled          bool
	CreatedAt         time.Time
	LastLogin         time.Time // zero: never signed in
	PasswordChangedAt time.Time // zero: never set
	Email             string    // empty: none; else as NormalizeEmail leaves it
	DisplayName       string    // empty: none; the name to show, NFC
}

// MaxUsernameLength bounds usernames.
const MaxUsernameLength = 64

// NormalizeUsername folds a username to the form it is stored and looked up
// in: trimmed and lower-cased, so "Alice" and "alice" are one account.
func NormalizeUsername(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// ValidateUsername reports why a normalized username cannot be used, or nil.
// Usernames are 1 to 64 characters of letters, digits and . _ - @.
func ValidateUsername(s string) error {
	if s == "" {
		return fmt.Errorf("username is empty")
	}
	if len(s) > MaxUsernameLength {
		return fmt.Errorf("username is longer than %d bytes", MaxUsernameLength)
	}
	for _, r := range s {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._-@", r)) {
			return fmt.Errorf("username may hold only a-z, 0-9 and . _ - @")
		}
	}
	return nil
}
