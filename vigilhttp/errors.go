package vigilhttp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/vigilauth/vigil"
)

// statuses maps every error code to its HTTP status (SPEC §3), in one place.
var statuses = map[string]int{
	vigil.CodeInvalidRequest:        http.StatusBadRequest,
	vigil.CodePasswordMismatch:      http.StatusBadRequest,
	vigil.CodeWeakPassword:          http.StatusBadRequest,
	vigil.CodeInvalidResetToken:     http.StatusBadRequest,
	vigil.CodeUnauthenticated:       http.StatusUnauthorized,
	vigil.CodeInvalidCredentials:    http.StatusUnauthorized,
	vigil.CodeSessionExpired:        http.StatusUnauthorized,
	vigil.CodeSessionRevoked:        http.StatusUnauthorized,
	vigil.CodeReauthRequired:        http.StatusUnauthorized,
	vigil.CodeCSRFFailed:            http.StatusForbidden,
	vigil.CodeForbidden:             http.StatusForbidden,
	vigil.CodeNotFound:              http.StatusNotFound,
	vigil.CodeMethodNotAllowed:      http.StatusMethodNotAllowed,
	vigil.CodeConflict:              http.StatusConflict,
	vigil.CodePayloadTooLarge:       http.StatusRequestEntityTooLarge,
	vigil.CodeUnsupportedMediaType:  http.StatusUnsupportedMediaType,
	vigil.CodeRateLimited:           http.StatusTooManyRequests,
	vigil.CodeInternal:              http.StatusInternalServerError,
	vigil.CodeUnavailable:           http.StatusServiceUnavailable,
	vigil.CodeDeviceBindingRequired: http.StatusUnauthorized,
	vigil.CodeDeviceProofRequired:   http.StatusForbidden,
	vigil.CodeStepUpRequired:        http.StatusUnauthorized,
}

// Status returns the HTTP status for an error code (500 for unknown codes).
func Status(code string) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// StatusOf returns the HTTP status that answers err, for the API and the
// pages alike: the status of its code (vigil.ErrorCode).
func StatusOf(err error) int { return Status(vigil.ErrorCode(err)) }

// SetRetryAfter sets the Retry-After header of an answer to a RATE_LIMITED
// err, in whole seconds rounded up (at least 1); nothing for other errors.
func SetRetryAfter(h http.Header, err error) {
	if e := vigil.AsError(err); e != nil && e.Code == vigil.CodeRateLimited {
		secs := int64((e.RetryAfter + time.Second - 1) / time.Second)
		h.Set("Retry-After", strconv.FormatInt(max(secs, 1), 10))
	}
}

// errorBody is the JSON shape of every error (SPEC §3).
type errorBody struct {
	Error     string       `json:"error"`
	Code      string       `json:"code"`
	Reason    vigil.Reason `json:"reason,omitempty"`
	Problems  []string     `json:"problems,omitempty"`
	RequestID string       `json:"request_id,omitempty"`
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v) // the client may be gone; nothing else to do
}

// WriteError answers err as SPEC §3's JSON error, with the status of its
// code (StatusOf): an *vigil.Error with its own message and fields; an
// unreachable or timed-out store with 503 UNAVAILABLE; anything else with
// 500 INTERNAL. A failure's answer carries a generic message and a request
// id, the cause going only to log (tailscale's tsweb: the client's message
// apart from the logged cause).
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the client went away
	}
	body := errorBody{Error: vigil.ErrorMessage(err), Code: vigil.ErrorCode(err)}
	if e := vigil.AsError(err); e != nil {
		body.Reason, body.Problems = e.Reason, e.Problems
	}
	if IsFailure(err) {
		if log == nil {
			log = slog.Default()
		}
		body.RequestID = RequestID(r)
		log.Error("request failed", "request_id", body.RequestID, "method", r.Method, "path", r.URL.Path, "code", body.Code, "err", err)
	}
	SetRetryAfter(w.Header(), err)
	WriteJSON(w, Status(body.Code), body)
}

// IsFailure reports whether err is the server's or the store's failure
// (INTERNAL, UNAVAILABLE) rather than an answer about the request.
func IsFailure(err error) bool {
	switch vigil.ErrorCode(err) {
	case vigil.CodeInternal, vigil.CodeUnavailable:
		return true
	}
	return false
}

type requestIDKey struct{}

// WithRequestID is middleware that gives every request an id, in the
// context and in the X-Request-Id response header.
func WithRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, AddRequestID(w, r))
	})
}

// AddRequestID is WithRequestID for one request, for a handler reached
// without the middleware: it sets X-Request-Id on w and returns r with the
// id in its context.
func AddRequestID(w http.ResponseWriter, r *http.Request) *http.Request {
	var b [8]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	w.Header().Set("X-Request-Id", id)
	return r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
}

// RequestID returns the request's id, or "" outside WithRequestID.
func RequestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey{}).(string)
	return id
}
