package dbsc

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// JWTType is the typ of every DBSC proof.
const JWTType = "dbsc+jwt"

// Proof is what a verified JWT says.
type Proof struct {
	Key           Key    // registration: the key from the header's jwk; refresh: the registered key
	Challenge     string // the payload's jti
	Audience      string // the payload's aud, if any (some builds send it)
	Authorization string // the payload's authorization, if any
}

// header is the protected header as sent. jwk stays raw for ParseKey.
type header struct {
	Alg *string         `json:"alg"`
	Typ *string         `json:"typ"`
	JWK json.RawMessage `json:"jwk"`
}

// forbiddenHeader are members that would change how the token is read
// (RFC 7797's b64, critical extensions) or point elsewhere for a key.
var forbiddenHeader = []string{"crit", "b64", "jku", "x5u", "x5c", "x5t", "x5t#S256", "kid", "zip", "enc"}

type payload struct {
	Jti           *string `json:"jti"`
	Aud           *string `json:"aud"`
	Authorization *string `json:"authorization"`
}

// VerifyRegistration checks a registration proof (the Secure-Session-Response
// value, bare as Chromium sends it or quoted as the draft has it): a compact JWS whose
// protected header carries alg, typ "dbsc+jwt" and the public jwk; the key
// decides the algorithm (an EC P-256 jwk allows ES256 only, an RSA jwk RS256
// only), the signature is checked with that key, and the payload must have a
// jti. It returns the proof with the key to store.
func VerifyRegistration(token string) (Proof, error) {
	token = unquote(token)
	h, err := readHeader(token)
	if err != nil {
		return Proof{}, err
	}
	if len(h.JWK) == 0 || string(h.JWK) == "null" {
		return Proof{}, fmt.Errorf("%w: registration header has no jwk", ErrMalformed)
	}
	key, err := ParseKey(h.JWK)
	if err != nil {
		return Proof{}, err
	}
	return verify(token, key)
}

// VerifyRefresh checks a refresh proof against the registered key only: the
// accepted algorithm is key.Alg whatever the token's header says, and a
// header jwk, if present, must be that same key (another key is
// ErrSignature: someone else is proving for this session).
func VerifyRefresh(token string, key Key) (Proof, error) {
	if key.pub == nil {
		return Proof{}, fmt.Errorf("%w: no registered key", ErrMalformed)
	}
	token = unquote(token)
	h, err := readHeader(token)
	if err != nil {
		return Proof{}, err
	}
	if len(h.JWK) > 0 && string(h.JWK) != "null" {
		other, err := ParseKey(h.JWK)
		if err != nil {
			return Proof{}, err
		}
		if !other.Equal(key) {
			return Proof{}, fmt.Errorf("%w: header jwk is not the registered key", ErrSignature)
		}
	}
	return verify(token, key)
}

// unquote accepts the draft's form of Secure-Session-Response, an
// sf-string ("<jwt>"), besides Chromium's bare JWT. A JWT's characters
// never need escaping, so the quotes are all there is to remove.
func unquote(token string) string {
	token = trimOWS(token)
	if len(token) >= 2 && token[0] == '"' && token[len(token)-1] == '"' {
		return token[1 : len(token)-1]
	}
	return token
}

// readHeader checks the token's shape and decodes its protected header. It
// does not trust the header for anything but the jwk to parse.
func readHeader(token string) (header, error) {
	var h header
	if len(token) > MaxTokenLen {
		return h, fmt.Errorf("%w: proof over %d bytes", ErrMalformed, MaxTokenLen)
	}
	dots := 0
	for i := 0; i < len(token); i++ {
		c := token[i]
		if c == '.' {
			dots++
			continue
		}
		if !isAlpha(c) && !isDigit(c) && c != '-' && c != '_' {
			return h, fmt.Errorf("%w: not a compact JWS", ErrMalformed)
		}
	}
	if dots != 2 {
		return h, fmt.Errorf("%w: not a compact JWS", ErrMalformed)
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token[:strings.IndexByte(token, '.')])
	if err != nil {
		return h, fmt.Errorf("%w: header is not base64url", ErrMalformed)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil || members == nil {
		return h, fmt.Errorf("%w: header is not a JSON object", ErrMalformed)
	}
	for _, m := range forbiddenHeader {
		if _, ok := members[m]; ok {
			return h, fmt.Errorf("%w: header member %q not accepted", ErrMalformed, m)
		}
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return h, fmt.Errorf("%w: header: %v", ErrMalformed, err)
	}
	if h.Alg == nil {
		return h, fmt.Errorf("%w: header has no alg", ErrMalformed)
	}
	if h.Typ == nil || *h.Typ != JWTType {
		return h, fmt.Errorf("%w: header typ is not %s", ErrMalformed, JWTType)
	}
	return h, nil
}

// verify parses the token allowing key.Alg alone, checks the signature with
// the key and reads the payload.
func verify(token string, key Key) (Proof, error) {
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(key.Alg)})
	if err != nil {
		return Proof{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	body, err := jws.Verify(key.pub)
	if err != nil {
		return Proof{}, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	var p payload
	if err := json.Unmarshal(body, &p); err != nil {
		return Proof{}, fmt.Errorf("%w: payload: %v", ErrMalformed, err)
	}
	if p.Jti == nil || *p.Jti == "" {
		return Proof{}, fmt.Errorf("%w: payload has no jti", ErrMalformed)
	}
	proof := Proof{Key: key, Challenge: *p.Jti}
	if p.Aud != nil {
		proof.Audience = *p.Aud
	}
	if p.Authorization != nil {
		proof.Authorization = *p.Authorization
	}
	if len(proof.Challenge) > maxClaimLen || len(proof.Audience) > maxClaimLen || len(proof.Authorization) > maxClaimLen {
		return Proof{}, fmt.Errorf("%w: payload claim over %d bytes", ErrMalformed, maxClaimLen)
	}
	return proof, nil
}
