package dbsc

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"

	jose "github.com/go-jose/go-jose/v4"
)

// RSA key sizes accepted: at least 2048 bits, and at most 4096 so that a
// verification stays cheap whatever key a client registers.
const (
	minRSABits = 2048
	maxRSABits = 4096
)

// Key is a registered public key: ES256 (EC P-256) or RS256 (RSA 2048 to 4096
// bits). The zero Key is no key.
type Key struct {
	Alg        string // ES256 or RS256: decided by the key, never by a token
	Thumbprint string // RFC 7638 SHA-256 thumbprint, unpadded base64url
	JWK        []byte // canonical public JWK (RFC 7638 member order): what a store keeps
	pub        crypto.PublicKey
}

// Equal reports whether k and o are the same public key.
func (k Key) Equal(o Key) bool {
	return k.Thumbprint != "" && k.Thumbprint == o.Thumbprint && bytes.Equal(k.JWK, o.JWK)
}

// Public returns the parsed public key (*ecdsa.PublicKey or *rsa.PublicKey).
func (k Key) Public() crypto.PublicKey { return k.pub }

// jwkMembers are the members a public JWK may carry; anything else (the
// private d, p, q, dp, dq, qi, a symmetric k, certificates, URLs) refuses it.
var jwkMembers = map[string]bool{
	"kty": true, "crv": true, "x": true, "y": true, "n": true, "e": true,
	"alg": true, "use": true, "kid": true, "key_ops": true, "ext": true,
}

var jwkPrivate = map[string]bool{
	"d": true, "p": true, "q": true, "dp": true, "dq": true, "qi": true, "oth": true, "k": true, "priv": true,
}

// ParseKey reads a public JWK: from a registration header or from a store.
// It refuses private keys, symmetric keys, EC curves other than P-256, RSA
// keys under 2048 or over 4096 bits or with an unusual exponent, and an alg
// member that does not fit the key. Errors wrap ErrMalformed.
func ParseKey(jwk []byte) (Key, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(jwk, &members); err != nil || members == nil {
		return Key{}, fmt.Errorf("%w: jwk is not a JSON object", ErrMalformed)
	}
	for m := range members {
		if jwkPrivate[m] {
			return Key{}, fmt.Errorf("%w: jwk carries private member %q", ErrMalformed, m)
		}
		if !jwkMembers[m] {
			return Key{}, fmt.Errorf("%w: jwk member %q not accepted", ErrMalformed, m)
		}
	}
	var jk jose.JSONWebKey
	if err := jk.UnmarshalJSON(jwk); err != nil {
		return Key{}, fmt.Errorf("%w: jwk: %v", ErrMalformed, err)
	}
	if !jk.IsPublic() {
		return Key{}, fmt.Errorf("%w: jwk is not a public key", ErrMalformed)
	}
	var (
		k   Key
		err error
	)
	switch pub := jk.Key.(type) {
	case *ecdsa.PublicKey:
		k, err = ecKey(pub)
	case *rsa.PublicKey:
		k, err = rsaKey(pub)
	default:
		return Key{}, fmt.Errorf("%w: key type %T not accepted", ErrMalformed, jk.Key)
	}
	if err != nil {
		return Key{}, err
	}
	if jk.Algorithm != "" && jk.Algorithm != k.Alg {
		return Key{}, fmt.Errorf("%w: jwk alg %q does not fit a %s key", ErrMalformed, jk.Algorithm, k.Alg)
	}
	tp, err := jk.Thumbprint(crypto.SHA256)
	if err != nil {
		return Key{}, fmt.Errorf("%w: thumbprint: %v", ErrMalformed, err)
	}
	k.Thumbprint = base64.RawURLEncoding.EncodeToString(tp)
	return k, nil
}

func ecKey(pub *ecdsa.PublicKey) (Key, error) {
	if pub.Curve != elliptic.P256() {
		return Key{}, fmt.Errorf("%w: EC curve %s not accepted (P-256 only)", ErrMalformed, pub.Curve.Params().Name)
	}
	var x, y [32]byte
	pub.X.FillBytes(x[:])
	pub.Y.FillBytes(y[:])
	// RFC 7638 §3.2: the required members in lexicographic order, no spaces.
	jwk := `{"crv":"P-256","kty":"EC","x":"` + b64(x[:]) + `","y":"` + b64(y[:]) + `"}`
	return Key{Alg: ES256, JWK: []byte(jwk), pub: pub}, nil
}

func rsaKey(pub *rsa.PublicKey) (Key, error) {
	bits := pub.N.BitLen()
	if bits < minRSABits || bits > maxRSABits {
		return Key{}, fmt.Errorf("%w: RSA key of %d bits not accepted (%d to %d)", ErrMalformed, bits, minRSABits, maxRSABits)
	}
	if pub.E < 3 || pub.E%2 == 0 {
		return Key{}, fmt.Errorf("%w: RSA exponent %d not accepted", ErrMalformed, pub.E)
	}
	e := big.NewInt(int64(pub.E)).Bytes()
	jwk := `{"e":"` + b64(e) + `","kty":"RSA","n":"` + b64(pub.N.Bytes()) + `"}`
	return Key{Alg: RS256, JWK: []byte(jwk), pub: pub}, nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
