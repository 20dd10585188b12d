package dbsctest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
)

// Field is one JSON object member, {name, value}; a JWT header or payload
// is a list of them so that the member order is Chromium's (alg, typ, jwk).
type Field [2]any

// Obj marshals fields in order, without spaces, as Chromium's JSON writer.
type Obj []Field

// MarshalJSON writes the members in order.
func (o Obj) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, f := range o {
		if i > 0 {
			b = append(b, ',')
		}
		name, ok := f[0].(string)
		if !ok {
			return nil, fmt.Errorf("dbsctest: member name %v is not a string", f[0])
		}
		k, err := json.Marshal(name)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(f[1])
		if err != nil {
			return nil, err
		}
		b = append(append(append(b, k...), ':'), v...)
	}
	return append(b, '}'), nil
}

// Alg is the JWS algorithm of a signer's key: ES256 for EC P-256, RS256 for
// RSA; empty for anything else.
func Alg(key crypto.Signer) string {
	switch pub := key.Public().(type) {
	case *ecdsa.PublicKey:
		if pub.Curve == elliptic.P256() {
			return "ES256"
		}
	case *rsa.PublicKey:
		return "RS256"
	}
	return ""
}

// PublicJWK is the public key as Chromium writes it in a registration
// header: {"kty":"EC","crv":"P-256","x":…,"y":…} or {"kty":"RSA","n":…,"e":…}.
func PublicJWK(pub crypto.PublicKey) Obj {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		size := (k.Curve.Params().BitSize + 7) / 8
		x, y := make([]byte, size), make([]byte, size)
		k.X.FillBytes(x)
		k.Y.FillBytes(y)
		return Obj{{"kty", "EC"}, {"crv", k.Curve.Params().Name}, {"x", b64(x)}, {"y", b64(y)}}
	case *rsa.PublicKey:
		return Obj{{"kty", "RSA"}, {"n", b64(k.N.Bytes())}, {"e", b64(big.NewInt(int64(k.E)).Bytes())}}
	}
	return nil
}

// SignJWT signs header.payload with key as a compact JWS, the way Chromium
// does: SHA-256, and for ECDSA the DER signature converted to raw r||s (32
// bytes each for P-256); RSA signs PKCS#1 v1.5. The header is written as
// given, so a test can put any alg in it.
func SignJWT(key crypto.Signer, header, payload any) (string, error) {
	h, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	p, err := json.Marshal(payload)
	if err != nil {
		return "", err
	}
	input := b64(h) + "." + b64(p)
	digest := sha256.Sum256([]byte(input))
	var sig []byte
	switch pub := key.Public().(type) {
	case *ecdsa.PublicKey:
		der, err := key.Sign(rand.Reader, digest[:], crypto.SHA256)
		if err != nil {
			return "", err
		}
		if sig, err = rawECDSA(der, (pub.Curve.Params().BitSize+7)/8); err != nil {
			return "", err
		}
	case *rsa.PublicKey:
		if sig, err = key.Sign(rand.Reader, digest[:], crypto.SHA256); err != nil {
			return "", err
		}
	default:
		return "", fmt.Errorf("dbsctest: cannot sign with a %T", pub)
	}
	return input + "." + b64(sig), nil
}

// RegistrationProof is the JWT Chromium sends to the registration endpoint:
// header {alg, typ "dbsc+jwt", jwk}, payload {jti[, authorization]}.
func RegistrationProof(key crypto.Signer, challenge, authorization string) (string, error) {
	pl := Obj{{"jti", challenge}}
	if authorization != "" {
		pl = append(pl, Field{"authorization", authorization})
	}
	return SignJWT(key, Obj{{"alg", Alg(key)}, {"typ", "dbsc+jwt"}, {"jwk", PublicJWK(key.Public())}}, pl)
}

// RefreshProof is the JWT Chromium sends on refresh: header {alg, typ}, no
// jwk; payload {jti}.
func RefreshProof(key crypto.Signer, challenge string) (string, error) {
	return SignJWT(key, Obj{{"alg", Alg(key)}, {"typ", "dbsc+jwt"}}, Obj{{"jti", challenge}})
}

func rawECDSA(der []byte, size int) ([]byte, error) {
	var rs struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &rs)
	if err != nil || len(rest) != 0 || rs.R == nil || rs.S == nil {
		return nil, errors.New("dbsctest: ECDSA signature is not DER")
	}
	out := make([]byte, 2*size)
	rs.R.FillBytes(out[:size])
	rs.S.FillBytes(out[size:])
	return out, nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
