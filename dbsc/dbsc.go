// Package dbsc is the Device Bound Session Credentials protocol as Chromium
// speaks it (W3C WebAppSec draft; Chromium's net/device_bound_sessions): the
// headers, the signed proofs (JWTs) and the session config, with no server
// state. The server keeps the key (Key.JWK, Key.Thumbprint) and the
// challenges; this package only reads and writes the wire formats and checks
// signatures, with go-jose.
//
// Only ParseSessionID is meant for a hot path (a refresh); everything else
// runs at registration or refresh, a few times a session per cookie lifetime.
package dbsc

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
)

// The four headers of the protocol.
const (
	HeaderRegistration = "Secure-Session-Registration" // response: offer to bind
	HeaderResponse     = "Secure-Session-Response"     // request: the signed JWT proof
	HeaderChallenge    = "Secure-Session-Challenge"    // response: a challenge for the next proof
	HeaderSessionID    = "Sec-Secure-Session-Id"       // request: which session a refresh is for
	// HeaderSkipped is sent by Chromium on a request it let go without the
	// bound cookie because a refresh could not be done (server_error,
	// unreachable, quota_exceeded), with session_identifier parameters.
	HeaderSkipped = "Secure-Session-Skipped"
)

// The algorithms a key may have: decided by the key, never by a token.
const (
	ES256 = "ES256"
	RS256 = "RS256"
)

// Errors the verifiers return (errors.Is).
var (
	// ErrMalformed: not a JWT, a bad header or payload, an unsupported
	// algorithm or key, a missing jti, more than MaxTokenLen bytes.
	ErrMalformed = errors.New("dbsc: malformed proof")
	// ErrSignature: a well-formed proof whose signature does not verify with
	// the key (or, on refresh, which names another key).
	ErrSignature = errors.New("dbsc: proof signature does not verify")
)

// ErrSessionID is returned by ParseSessionID for anything but a session id.
var ErrSessionID = errors.New("dbsc: malformed session id")

// Limits on what is read.
const (
	MaxTokenLen     = 8 << 10 // a Secure-Session-Response JWT
	MaxSessionIDLen = 256     // a Sec-Secure-Session-Id value
	maxClaimLen     = 1024    // jti, aud, authorization
)

// challengeBytes is the entropy of a challenge (256 bits).
const challengeBytes = 32

// NewChallenge returns a fresh random challenge: 32 bytes from crypto/rand as
// unpadded base64url (43 characters).
func NewChallenge() (string, error) {
	var b [challengeBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// RegistrationHeader is the value of Secure-Session-Registration offering
// ES256 and RS256 keys:
//
//	(ES256 RS256);path="<path>";challenge="<c>"
//
// path is resolved by the browser against the response's URL (absolute,
// origin-relative or path-relative). Bytes an sf-string cannot hold are
// percent-encoded, so the value always parses; Chromium percent-decodes the
// path, and a challenge from NewChallenge never needs it.
func RegistrationHeader(path, challenge string) string {
	b := make([]byte, 0, 48+len(path)+len(challenge))
	b = append(b, "(ES256 RS256);path="...)
	b = quoteSF(b, path)
	b = append(b, ";challenge="...)
	b = quoteSF(b, challenge)
	return string(b)
}

// ChallengeHeader is the value of Secure-Session-Challenge for one session:
//
//	"<c>";id="<sessionID>"
//
// Chromium caches it for the session named by id, on a response of any
// status; on a 403 to a refresh it signs it at once.
func ChallengeHeader(challenge, sessionID string) string {
	b := make([]byte, 0, 8+len(challenge)+len(sessionID))
	b = quoteSF(b, challenge)
	b = append(b, ";id="...)
	b = quoteSF(b, sessionID)
	return string(b)
}

// ParseSessionID reads a Sec-Secure-Session-Id value. The draft makes it a
// structured-field string ("id", parameters ignored); Chromium sends the bare
// id. Both are accepted; anything else (empty, over MaxSessionIDLen, control
// characters, spaces, quotes or commas in a bare id) is ErrSessionID.
func ParseSessionID(v string) (string, error) {
	if len(v) > MaxSessionIDLen+16 {
		return "", ErrSessionID
	}
	v = trimOWS(v)
	if v == "" {
		return "", ErrSessionID
	}
	if v[0] != '"' {
		// The bare form, what Chromium sends: the hot path, no allocation.
		if len(v) > MaxSessionIDLen {
			return "", ErrSessionID
		}
		for i := 0; i < len(v); i++ {
			if c := v[i]; c <= ' ' || c > '~' || c == '"' || c == '\\' || c == ',' || c == ';' {
				return "", ErrSessionID
			}
		}
		return v, nil
	}
	it, err := parseSFItem(v)
	if err != nil {
		return "", ErrSessionID
	}
	id, ok := it.val.(string)
	if !ok || id == "" || len(id) > MaxSessionIDLen {
		return "", ErrSessionID
	}
	return id, nil
}

func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// Registration is one offer read from a Secure-Session-Registration header.
type Registration struct {
	Algs          []string // ES256 and/or RS256, in the server's order
	Path          string   // as sent: the browser percent-decodes and resolves it
	Challenge     string   // the jti to sign; empty if HasChallenge is false
	HasChallenge  bool
	Authorization string // copied into the JWT when present
}

// ParseRegistrationHeader reads a Secure-Session-Registration value (several
// header lines joined with ", ") as Chromium does: each list member that is
// an inner list with at least one of ES256/RS256 and a string path is an
// offer; a member whose path, challenge or authorization is not a string is
// dropped; other tokens and parameters are ignored. An unparsable field is
// an error; a field with no usable member returns none.
func ParseRegistrationHeader(v string) ([]Registration, error) {
	members, err := parseSFList(v)
	if err != nil {
		return nil, err
	}
	var out []Registration
	for _, m := range members {
		if !m.inner {
			continue
		}
		var r Registration
		for _, it := range m.items {
			if t, ok := it.val.(sfToken); ok && (t == ES256 || t == RS256) {
				r.Algs = append(r.Algs, string(t))
			}
		}
		if len(r.Algs) == 0 {
			continue
		}
		ok := true
		hasPath := false
		for _, p := range m.params {
			s, isStr := p.val.(string)
			switch p.key {
			case "path", "challenge", "authorization", "provider_key", "provider_url", "provider_session_id":
				if !isStr {
					ok = false
				}
			}
			switch p.key {
			case "path":
				r.Path, hasPath = s, true
			case "challenge":
				r.Challenge, r.HasChallenge = s, true
			case "authorization":
				r.Authorization = s
			}
		}
		if ok && hasPath {
			out = append(out, r)
		}
	}
	return out, nil
}

// Challenge is one challenge read from a Secure-Session-Challenge header.
type Challenge struct {
	Challenge string
	SessionID string // empty when the member had no id (Chromium ignores it)
}

// ParseChallengeHeader reads a Secure-Session-Challenge value as Chromium
// does: each list member that is a non-empty sf-string is a challenge; an id
// parameter that is not a string drops the member.
func ParseChallengeHeader(v string) ([]Challenge, error) {
	members, err := parseSFList(v)
	if err != nil {
		return nil, err
	}
	var out []Challenge
	for _, m := range members {
		if m.inner {
			continue
		}
		c, ok := m.item.val.(string)
		if !ok || c == "" {
			continue
		}
		ch := Challenge{Challenge: c}
		if id, found := param(m.params, "id"); found {
			s, isStr := id.(string)
			if !isStr {
				continue
			}
			ch.SessionID = s
		}
		out = append(out, ch)
	}
	return out, nil
}
