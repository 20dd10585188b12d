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

	"github.com/vigilauth/vigil"
)

// statuses maps every error code to its HTTP status (SPEC §3), in one place.
var statuses = map[string]int{
	vigil.CodeInvalidRequest:       http.StatusBadRequest,
	vigil.CodePasswordMismatch:     http.StatusBadRequest,
	vigil.CodeWeakPassword:         http.StatusBadRequest,
	vigil.CodeInvalidResetToken:    http.StatusBadRequest,
	vigil.CodeUnauthenticated:      http.StatusUnauthorized,
	vigil.CodeInvalidCredentials:   http.StatusUnauthorized,
	vigil.CodeSessionExpired:       http.StatusUnauthorized,
	vigil.CodeSessionRevoked:       http.StatusUnauthorized,
	vigil.CodeReauthRequired:       http.StatusUnauthorized,
	vigil.CodeCSRFFailed:           http.StatusForbidden,
	vigil.CodeForbidden:            http.StatusForbidden,
	vigil.CodeNotFound:             http.StatusNotFound,
	vigil.CodeMethodNotAllowed:     http.StatusMethodNotAllowed,
	vigil.CodeConflict:             http.StatusConflict,
	vigil.CodePayloadTooLarge:      http.StatusRequestEntityTooLarge,
	vigil.CodeUnsupportedMediaType: http.StatusUnsupportedMediaType,
	vigil.CodeRateLimited:          http.StatusTooManyRequests,
	vigil.CodeInternal:             http.StatusInternalServerError,
	vigil.CodeUnavailable:          http.StatusServiceUnavailable,
}

// Status returns the HTTP status for an error code (500 for unknown codes).
func Status(code string) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
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

// WriteError answers err: an *vigil.Error with its own status and fields;
// an unreachable store (or a store that timed out) with 503 UNAVAILABLE;
// anything else with 500 INTERNAL, a generic message and a request id,
// the cause going only to log (tailscale's tsweb: the client's message apart
// from the logged cause).
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the client went away
	}
	body := toBody(err)
	if log == nil {
		log = slog.Default()
	}
	if body.Code == vigil.CodeInternal || body.Code == vigil.CodeUnavailable {
		body.RequestID = RequestID(r)
		log.Error("request failed", "request_id", body.RequestID, "method", r.Method, "path", r.URL.Path, "code", body.Code, "err", err)
	}
	if e := vigil.AsError(err); e != nil && e.Code == vigil.CodeRateLimited {
		secs := int64((e.RetryAfter + 999_999_999) / 1_000_000_000)
		w.Header().Set("Retry-After", strconv.FormatInt(max(secs, 1), 10))
	}
	WriteJSON(w, Status(body.Code), body)
}

func toBody(err error) errorBody {
	if e := vigil.AsError(err); e != nil {
		return errorBody{Error: e.Message, Code: e.Code, Reason: e.Reason, Problems: e.Problems}
	}
	if errors.Is(err, vigil.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		return errorBody{Error: "The service is temporarily unavailable. Please try again shortly.", Code: vigil.CodeUnavailable}
	}
	return errorBody{Error: "Internal error.", Code: vigil.CodeInternal}
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
