package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/vigilauth/vigil"
)

// decode reads a JSON object body into v. It answers the client's mistakes
// with their codes: 415 for a body that is not JSON, 413 over the limit,
// 400 INVALID_REQUEST for malformed JSON, wrong types or trailing data.
func decode(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return vigil.Errorf(vigil.CodeUnsupportedMediaType, "The request body must be JSON (Content-Type: application/json).")
		}
	}
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return decodeError(err)
		}
		return invalid("The request body must hold one JSON object.")
	}
	return nil
}

func decodeError(err error) error {
	var tooBig *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooBig):
		return tooLarge()
	case errors.Is(err, io.EOF):
		return invalid("The request body is empty; a JSON object is required.")
	case errors.As(err, &typeErr):
		if typeErr.Field != "" {
			return invalid("Field %q has the wrong type.", typeErr.Field)
		}
		return invalid("The request body must be a JSON object.")
	default:
		return invalid("The request body is not valid JSON.")
	}
}

func invalid(format string, args ...any) *vigil.Error {
	return vigil.Errorf(vigil.CodeInvalidRequest, format, args...)
}

// required returns INVALID_REQUEST naming the first empty field.
func required(fields ...[2]string) error {
	for _, f := range fields {
		if f[1] == "" {
			return invalid("Field %q is required.", f[0])
		}
	}
	return nil
}

// field pairs a JSON field name with its value for required.
func field(name, value string) [2]string { return [2]string{name, value} }
