package vigil

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Error codes: the stable `code` field of every error answer (SPEC §3).
const (
	CodeInvalidRequest       = "INVALID_REQUEST"
	CodePasswordMismatch     = "PASSWORD_MISMATCH"
	CodeWeakPassword         = "WEAK_PASSWORD"
	CodeInvalidResetToken    = "INVALID_RESET_TOKEN"
	CodeUnauthenticated      = "UNAUTHENTICATED"
	CodeInvalidCredentials   = "INVALID_CREDENTIALS"
	CodeSessionExpired       = "SESSION_EXPIRED"
	CodeSessionRevoked       = "SESSION_REVOKED"
	CodeReauthRequired       = "REAUTH_REQUIRED"
	CodeCSRFFailed           = "CSRF_FAILED"
	CodeForbidden            = "FORBIDDEN"
	CodeNotFound             = "NOT_FOUND"
	CodeConflict             = "CONFLICT"
	CodePayloadTooLarge      = "PAYLOAD_TOO_LARGE"
	CodeUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
	CodeMethodNotAllowed     = "METHOD_NOT_ALLOWED"
	CodeRateLimited          = "RATE_LIMITED"
	CodeInternal             = "INTERNAL"
	CodeUnavailable          = "UNAVAILABLE"
	// CodeDeviceBindingRequired: the session is bound to a device key
	// (DBSC) and the request did not carry a valid bound cookie.
	CodeDeviceBindingRequired = "DEVICE_BINDING_REQUIRED"
	// CodeDeviceProofRequired: a device-binding registration or refresh
	// needs a proof signed over the session's outstanding challenge (none
	// was sent, or it signed a challenge that is used, expired or not the
	// session's); a refresh's answer carries a new challenge.
	CodeDeviceProofRequired = "DEVICE_PROOF_REQUIRED"
	// CodeStepUpRequired: the action, or the app behind forward auth
	// (verify?aal=2), needs a session at AAL2 (two factors), and this one
	// is at AAL1: enter a second factor (POST /api/auth/step-up).
	CodeStepUpRequired = "STEP_UP_REQUIRED"
)

// Codes returns every error code, in the order of SPEC §3's table (the
// codes vigil added after it last): the list vigilhttp gives a status each,
// and docs/api.md describes each.
func Codes() []string {
	return []string{
		CodeInvalidRequest, CodePasswordMismatch, CodeWeakPassword, CodeInvalidResetToken,
		CodeUnauthenticated, CodeInvalidCredentials, CodeSessionExpired, CodeSessionRevoked, CodeReauthRequired,
		CodeCSRFFailed, CodeForbidden, CodeNotFound, CodePayloadTooLarge, CodeUnsupportedMediaType,
		CodeRateLimited, CodeInternal, CodeUnavailable, CodeMethodNotAllowed, CodeConflict,
		CodeDeviceBindingRequired, CodeDeviceProofRequired, CodeStepUpRequired,
	}
}

// Error is an outcome a client may read: a stable Code, a Message for
// people, and the extra fields some codes carry. Anything that is not an
// *Error is an internal failure and is answered with CodeInternal.
type Error struct {
	Code       string
	Message    string
	Reason     Reason        // SESSION_EXPIRED, SESSION_REVOKED
	Problems   []string      // WEAK_PASSWORD
	RetryAfter time.Duration // RATE_LIMITED
}

func (e *Error) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("%s (%s): %s", e.Code, e.Reason, e.Message)
	}
	return e.Code + ": " + e.Message
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// AsError returns the *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// ErrorCode returns the code of err, the one classification of errors for
// every surface: its *Error's code; CodeUnavailable for ErrUnavailable and
// for a timeout (context.DeadlineExceeded: the store did not answer in
// time, so the caller fails closed as for an unreachable one); "" for nil;
// CodeInternal for anything else.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	if e := AsError(err); e != nil {
		return e.Code
	}
	if errors.Is(err, ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		return CodeUnavailable
	}
	return CodeInternal
}

// ErrorMessage returns what a client may read of err: its *Error's
// message; for a failure, a generic sentence that tells nothing of the
// cause (the cause is for the log only); "" for nil.
func ErrorMessage(err error) string {
	if e := AsError(err); e != nil {
		return e.Message
	}
	switch ErrorCode(err) {
	case "":
		return ""
	case CodeUnavailable:
		return "The service is temporarily unavailable. Please try again shortly."
	}
	return "Internal error."
}

// ErrUnauthenticated is the answer to a request without a session: no
// session cookie, a cookie that is not a token, or a token the store does
// not know. It is one value, shared: never modify it.
var ErrUnauthenticated = &Error{Code: CodeUnauthenticated, Message: "Authentication required. Please log in."}

// ErrDeviceBindingRequired is the answer to a request of a device-bound
// session that does not carry the session's current bound cookie (none, a
// lapsed one, another's). It is one value, shared: never modify it.
var ErrDeviceBindingRequired = &Error{Code: CodeDeviceBindingRequired,
	Message: "This session is bound to a device, and the request did not carry that device's current bound cookie."}

// Sentinels the store contracts return.
var (
	// ErrNotFound: no such record (or it is used up, for reset tokens).
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique value (a username) is taken.
	ErrConflict = errors.New("conflict")
	// ErrUnavailable: the store cannot be reached; callers fail closed.
	ErrUnavailable = errors.New("store unavailable")
)

// Messages for session outcomes, shared by the API and the pages.
var reasonMessages = map[Reason]string{
	ReasonInactivity:      "Session expired due to inactivity. Please log in again.",
	ReasonLifetime:        "Session reached its maximum lifetime. Please log in again.",
	ReasonLogout:          "You have signed out. Please log in again.",
	ReasonPasswordChanged: "Your password was changed, so every session was signed out. Please log in again.",
	ReasonPasswordReset:   "Your password was reset, so every session was signed out. Please log in again.",
	ReasonRevoked:         "This session was signed out. Please log in again.",
	ReasonUserDisabled:    "This account has been disabled.",
	ReasonSessionLimit:    "Signed out because the account signed in on too many devices. Please log in again.",
	ReasonDeviceBindingFailed: "This session was signed out because a device other than the one it is bound to tried to use it. " +
		"Please log in again.",
	ReasonDeviceBindingMissing: "This session was signed out because it was not bound to this device in time. " +
		"Please log in again with a browser that supports device-bound sessions.",
}

// SessionEndedError returns the error a request with a session ended for r
// gets: SESSION_EXPIRED for expiries, SESSION_REVOKED otherwise.
func SessionEndedError(r Reason) *Error {
	code := CodeSessionRevoked
	if r.Expiry() {
		code = CodeSessionExpired
	}
	msg, ok := reasonMessages[r]
	if !ok {
		msg = reasonMessages[ReasonRevoked]
	}
	return &Error{Code: code, Message: msg, Reason: r}
}
