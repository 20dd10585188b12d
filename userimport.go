package vigil

import (
	"context"
	"fmt"
	"slices"
	"unicode"
	"unicode/utf8"
)

// UserImporter inserts accounts brought over from another system (vigil
// user import), a batch at a time. Both stores implement it.
type UserImporter interface {
	// ImportUsers inserts every user of users, setting its ID, and appends
	// every event of events to the audit log, in order and exactly as
	// AuditLog.AppendEvent appends one (setting its ID), in one
	// transaction: all of them, or on any error none. A username that is taken, or that is in
	// users twice, fails the call with an *ImportConflict naming the first
	// user that could not be inserted (errors.Is(err, ErrConflict)); after
	// a failure every user's ID is 0 again. Usernames are stored as given
	// (callers pass them normalized). No users and no events is no write
	// and no error.
	ImportUsers(ctx context.Context, users []User, events []Event) error
}

// ImportConflict is ImportUsers' error for a username that is taken: the
// index of the user in the batch, its name, and the driver's error.
type ImportConflict struct {
	Index    int
	Username string
	Err      error
}

func (e *ImportConflict) Error() string {
	return fmt.Sprintf("user %d of the batch, %q: the username is taken: %v", e.Index+1, e.Username, e.Err)
}

// Unwrap returns the store's error.
func (e *ImportConflict) Unwrap() error { return e.Err }

// Is makes every ImportConflict an ErrConflict, whatever the store's error
// says.
func (e *ImportConflict) Is(target error) bool { return target == ErrConflict }

// MaxClinicianIDLength bounds a clinician id, in bytes.
const MaxClinicianIDLength = 64

// ValidateClinicianID reports why a clinician id cannot be used, or nil:
// at most 64 bytes of UTF-8, every character printable (the rule
// Engine.CreateUser applies; the empty id is valid).
func ValidateClinicianID(s string) error {
	if len(s) > MaxClinicianIDLength || !utf8.ValidString(s) ||
		slices.ContainsFunc([]rune(s), func(r rune) bool { return !unicode.IsPrint(r) }) {
		return fmt.Errorf("clinician id: at most %d printable characters", MaxClinicianIDLength)
	}
	return nil
}
