package vigil_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/vigilauth/vigil"
)

// TestErrorClassification: every error a surface may answer has one code
// and one message a client may read; a failure's cause never reaches the
// message.
func TestErrorClassification(t *testing.T) {
	t.Parallel()
	weak := &vigil.Error{Code: vigil.CodeWeakPassword, Message: "The password does not meet the password policy.", Problems: []string{"is too short"}}
	for _, c := range []struct {
		name      string
		err       error
		code, msg string
	}{
		{"nil", nil, "", ""},
		{"an *Error", weak, vigil.CodeWeakPassword, weak.Message},
		{"a wrapped *Error", fmt.Errorf("change password: %w", weak), vigil.CodeWeakPassword, weak.Message},
		{"the session ended", vigil.SessionEndedError(vigil.ReasonInactivity), vigil.CodeSessionExpired, "Session expired due to inactivity. Please log in again."},
		{"no session", vigil.ErrUnauthenticated, vigil.CodeUnauthenticated, "Authentication required. Please log in."},
		{"an unreachable store", fmt.Errorf("sqlite: look up session: %w", vigil.ErrUnavailable), vigil.CodeUnavailable, "The service is temporarily unavailable. Please try again shortly."},
		{"a store that timed out", fmt.Errorf("postgres: look up session: %w", context.DeadlineExceeded), vigil.CodeUnavailable, "The service is temporarily unavailable. Please try again shortly."},
		{"anything else", errors.New("disk on fire at /var/lib/vigil"), vigil.CodeInternal, "Internal error."},
		{"a canceled request", context.Canceled, vigil.CodeInternal, "Internal error."},
	} {
		if got := vigil.ErrorCode(c.err); got != c.code {
			t.Errorf("%s: ErrorCode %q, want %q", c.name, got, c.code)
		}
		if got := vigil.ErrorMessage(c.err); got != c.msg {
			t.Errorf("%s: ErrorMessage %q, want %q", c.name, got, c.msg)
		}
	}
}

// TestErrUnauthenticated: the one value every surface answers a missing
// or unknown session with is found in a wrapped chain, by value and by
// code.
func TestErrUnauthenticated(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("check: %w", vigil.ErrUnauthenticated)
	if !errors.Is(err, vigil.ErrUnauthenticated) || vigil.AsError(err) != vigil.ErrUnauthenticated {
		t.Errorf("ErrUnauthenticated not found in %v", err)
	}
	if e := vigil.ErrUnauthenticated; e.Reason != "" || e.Problems != nil || e.RetryAfter != 0 {
		t.Errorf("ErrUnauthenticated carries more than a code and a message: %+v", e)
	}
}
