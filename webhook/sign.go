package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The headers of a webhook (Standard Webhooks, "Webhook headers").
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// Tolerance is how far a webhook's timestamp may be from the receiver's
// clock, either way: the Standard Webhooks reference libraries' 5 minutes,
// which bounds a replay (Standard Webhooks, "Verifying signatures").
const Tolerance = 5 * time.Minute

// secretPrefix marks a symmetric signing secret (Standard Webhooks,
// "Signature scheme": whsec_ and base64).
const secretPrefix = "whsec_"

// Secret is an HMAC-SHA256 signing key, shared by vigil and the receivers.
type Secret []byte

// The errors of ParseSecret and Verify.
var (
	ErrBadSecret = errors.New("webhook: secret is not whsec_ and base64 of 24 to 64 bytes")
	ErrNoHeaders = errors.New("webhook: webhook-id, webhook-timestamp or webhook-signature missing or malformed")
	ErrTimestamp = errors.New("webhook: timestamp outside the tolerance")
	ErrSignature = errors.New("webhook: no valid signature")
)

// ParseSecret reads a secret as Standard Webhooks serializes it: "whsec_"
// and standard base64 (the prefix may be left out), of 24 to 64 bytes
// (Standard Webhooks, "Signature scheme": at least 192 bits, at most 512).
// ErrBadSecret otherwise.
func ParseSecret(s string) (Secret, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(strings.TrimSpace(s), secretPrefix))
	if err != nil || len(b) < 24 || len(b) > 64 {
		return nil, ErrBadSecret
	}
	return Secret(b), nil
}

// NewSecret returns a new random secret of 32 bytes, serialized as
// ParseSecret reads it.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return secretPrefix + base64.StdEncoding.EncodeToString(b)
}

// Sign returns the webhook-signature header of a webhook with id, sent at
// ts, with body: "v1," and the base64 HMAC-SHA256 of "id.timestamp.body"
// under each secret, space-separated, in the order of secrets (Standard
// Webhooks: several signatures let a secret be rotated without downtime).
func Sign(secrets []Secret, id string, ts time.Time, body []byte) string {
	sigs := make([]string, len(secrets))
	for i, s := range secrets {
		sigs[i] = "v1," + base64.StdEncoding.EncodeToString(mac(s, id, ts.Unix(), body))
	}
	return strings.Join(sigs, " ")
}

// mac is the HMAC-SHA256 of the signed content "id.timestamp.body".
func mac(s Secret, id string, unix int64, body []byte) []byte {
	h := hmac.New(sha256.New, s)
	fmt.Fprintf(h, "%s.%d.", id, unix)
	h.Write(body)
	return h.Sum(nil)
}

// Headers sets the three headers of a webhook on h.
func Headers(h http.Header, secrets []Secret, id string, ts time.Time, body []byte) {
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, Sign(secrets, id, ts, body))
}

// Verify checks a received webhook: its headers are present, its
// timestamp is within Tolerance of now, and one of the signatures in
// webhook-signature is a "v1" signature of id, timestamp and body under
// one of secrets, compared in constant time (Standard Webhooks,
// "Verifying signatures"). It returns ErrNoHeaders, ErrTimestamp or
// ErrSignature, in that order of checking. The caller still processes
// each webhook-id once.
func Verify(secrets []Secret, h http.Header, body []byte, now time.Time) error {
	id, ts, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	unix, err := strconv.ParseInt(ts, 10, 64)
	if id == "" || err != nil || sigs == "" {
		return ErrNoHeaders
	}
	if d := now.Sub(time.Unix(unix, 0)); d > Tolerance || d < -Tolerance {
		return ErrTimestamp
	}
	// Each secret's MAC is computed once, not once per signature: a
	// header of many signatures must not make an unauthenticated sender's
	// body be hashed that many times.
	want := make([][]byte, len(secrets))
	for i, s := range secrets {
		want[i] = mac(s, id, unix, body)
	}
	got := make([]byte, base64.StdEncoding.DecodedLen(base64.StdEncoding.EncodedLen(sha256.Size)))
	for _, sig := range strings.Fields(sigs) {
		version, b64, ok := strings.Cut(sig, ",")
		if !ok || version != "v1" || len(b64) != base64.StdEncoding.EncodedLen(sha256.Size) {
			continue // another scheme (v1a) or garbage: try the next
		}
		if n, err := base64.StdEncoding.Decode(got, []byte(b64)); err != nil || n != sha256.Size {
			continue
		}
		for _, w := range want {
			if hmac.Equal(got[:sha256.Size], w) {
				return nil
			}
		}
	}
	return ErrSignature
}
