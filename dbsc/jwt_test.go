package dbsc_test

import (
	"crypto"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/vigilauth/vigil/dbsc"
	"github.com/vigilauth/vigil/dbsc/dbsctest"
)

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func registerKey(t testing.TB, key crypto.Signer) dbsc.Key {
	t.Helper()
	tok, err := dbsctest.RegistrationProof(key, "c0", "")
	if err != nil {
		t.Fatal(err)
	}
	p, err := dbsc.VerifyRegistration(tok)
	if err != nil {
		t.Fatal(err)
	}
	return p.Key
}

func TestVerifyRegistrationES256(t *testing.T) {
	key := ecKey(t)
	tok, err := dbsctest.RegistrationProof(key, "the-challenge", "")
	if err != nil {
		t.Fatal(err)
	}
	// Chromium's shape: raw r||s, 64 bytes.
	parts := strings.Split(tok, ".")
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		t.Fatalf("signature of %d bytes (%v), want raw 64", len(sig), err)
	}
	p, err := dbsc.VerifyRegistration(tok)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := dbsc.ParseKey(jwkJSON(t, dbsctest.PublicJWK(key.Public())))
	if p.Challenge != "the-challenge" || !p.Key.Equal(want) || p.Key.Alg != dbsc.ES256 || p.Audience != "" {
		t.Fatalf("proof %+v", p)
	}
	// The draft's sf-string form of the header value reads the same.
	if q, err := dbsc.VerifyRegistration(`"` + tok + `"`); err != nil || q.Challenge != p.Challenge {
		t.Fatalf("quoted proof: %+v, %v", q, err)
	}
	if q, err := dbsc.VerifyRefresh(` "`+tok+`"`, p.Key); err != nil || q.Challenge != p.Challenge {
		t.Fatalf("quoted refresh proof: %+v, %v", q, err)
	}
}

func TestVerifyRegistrationRS256WithClaims(t *testing.T) {
	key := rsaKey(t, 2048)
	tok, err := dbsctest.SignJWT(key,
		dbsctest.Obj{{"alg", "RS256"}, {"typ", "dbsc+jwt"}, {"jwk", dbsctest.PublicJWK(key.Public())}},
		dbsctest.Obj{{"jti", "c"}, {"aud", "https://a.test/reg"}, {"authorization", "code"}, {"iat", 1700000000}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := dbsc.VerifyRegistration(tok)
	if err != nil {
		t.Fatal(err)
	}
	if p.Key.Alg != dbsc.RS256 || p.Challenge != "c" || p.Audience != "https://a.test/reg" || p.Authorization != "code" {
		t.Fatalf("proof %+v", p)
	}
}

func TestVerifyRefresh(t *testing.T) {
	for name, key := range map[string]crypto.Signer{"ES256": ecKey(t), "RS256": rsaKey(t, 2048)} {
		t.Run(name, func(t *testing.T) {
			k := registerKey(t, key)
			tok, err := dbsctest.RefreshProof(key, "c2")
			if err != nil {
				t.Fatal(err)
			}
			p, err := dbsc.VerifyRefresh(tok, k)
			if err != nil || p.Challenge != "c2" || !p.Key.Equal(k) {
				t.Fatalf("VerifyRefresh = %+v, %v", p, err)
			}
			// A refresh proof that repeats the same key in its header is fine.
			withJWK, _ := dbsctest.RegistrationProof(key, "c3", "")
			if p, err := dbsc.VerifyRefresh(withJWK, k); err != nil || p.Challenge != "c3" {
				t.Fatalf("refresh with its own jwk: %+v, %v", p, err)
			}
		})
	}
}

// TestAnotherKey: a proof signed by a key other than the one it names or the
// one registered does not verify.
func TestAnotherKey(t *testing.T) {
	key, thief := ecKey(t), ecKey(t)
	k := registerKey(t, key)

	// Registration: the header names key, the signature is thief's.
	forged, _ := dbsctest.SignJWT(thief,
		dbsctest.Obj{{"alg", "ES256"}, {"typ", "dbsc+jwt"}, {"jwk", dbsctest.PublicJWK(key.Public())}},
		dbsctest.Obj{{"jti", "c"}})
	if _, err := dbsc.VerifyRegistration(forged); !errors.Is(err, dbsc.ErrSignature) {
		t.Fatalf("registration signed by another key: %v", err)
	}
	// Refresh signed by another key, no jwk: ErrSignature.
	tok, _ := dbsctest.RefreshProof(thief, "c")
	if _, err := dbsc.VerifyRefresh(tok, k); !errors.Is(err, dbsc.ErrSignature) {
		t.Fatalf("refresh signed by another key: %v", err)
	}
	// Refresh naming the other key in its header: ErrSignature too.
	tok, _ = dbsctest.RegistrationProof(thief, "c", "")
	if _, err := dbsc.VerifyRefresh(tok, k); !errors.Is(err, dbsc.ErrSignature) {
		t.Fatalf("refresh with another jwk: %v", err)
	}
	// Another RSA key against an RSA registration.
	rk := registerKey(t, rsaKey(t, 2048))
	tok, _ = dbsctest.RefreshProof(rsaKey(t, 3072), "c")
	if _, err := dbsc.VerifyRefresh(tok, rk); !errors.Is(err, dbsc.ErrSignature) {
		t.Fatalf("RSA refresh signed by another key: %v", err)
	}
	// A tampered payload under a valid signature.
	good, _ := dbsctest.RefreshProof(key, "c")
	parts := strings.Split(good, ".")
	parts[1] = b64([]byte(`{"jti":"d"}`))
	if _, err := dbsc.VerifyRefresh(strings.Join(parts, "."), k); !errors.Is(err, dbsc.ErrSignature) {
		t.Fatalf("tampered payload: %v", err)
	}
}

// TestAlgConfusion: the algorithm is the key's, whatever the header says.
func TestAlgConfusion(t *testing.T) {
	ec := ecKey(t)
	rs := rsaKey(t, 2048)
	ek := registerKey(t, ec)
	rk := registerKey(t, rs)

	hs256 := func(secret []byte, header dbsctest.Obj) string {
		h, _ := json.Marshal(header)
		input := b64(h) + "." + b64([]byte(`{"jti":"c"}`))
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(input))
		return input + "." + b64(m.Sum(nil))
	}
	none := func(header dbsctest.Obj) string {
		h, _ := json.Marshal(header)
		return b64(h) + "." + b64([]byte(`{"jti":"c"}`)) + "."
	}
	rsOnEC, _ := dbsctest.SignJWT(rs, dbsctest.Obj{{"alg", "RS256"}, {"typ", "dbsc+jwt"}}, dbsctest.Obj{{"jti", "c"}})
	esOnRSA, _ := dbsctest.SignJWT(ec, dbsctest.Obj{{"alg", "ES256"}, {"typ", "dbsc+jwt"}}, dbsctest.Obj{{"jti", "c"}})
	es384, _ := dbsctest.SignJWT(ec, dbsctest.Obj{{"alg", "ES384"}, {"typ", "dbsc+jwt"}}, dbsctest.Obj{{"jti", "c"}})
	ps256, _ := dbsctest.SignJWT(rs, dbsctest.Obj{{"alg", "PS256"}, {"typ", "dbsc+jwt"}}, dbsctest.Obj{{"jti", "c"}})

	refresh := map[string]struct {
		tok string
		key dbsc.Key
	}{
		"RS256 header on an EC key":          {rsOnEC, ek},
		"ES256 header on an RSA key":         {esOnRSA, rk},
		"ES384 header on an EC key":          {es384, ek},
		"PS256 header on an RSA key":         {ps256, rk},
		"HS256 keyed with the JWK":           {hs256(ek.JWK, dbsctest.Obj{{"alg", "HS256"}, {"typ", "dbsc+jwt"}}), ek},
		"HS256 keyed with the thumbprint":    {hs256([]byte(ek.Thumbprint), dbsctest.Obj{{"alg", "HS256"}, {"typ", "dbsc+jwt"}}), ek},
		"HS256 on an RSA key keyed with JWK": {hs256(rk.JWK, dbsctest.Obj{{"alg", "HS256"}, {"typ", "dbsc+jwt"}}), rk},
		"none":                               {none(dbsctest.Obj{{"alg", "none"}, {"typ", "dbsc+jwt"}}), ek},
		"no alg":                             {none(dbsctest.Obj{{"typ", "dbsc+jwt"}}), ek},
	}
	for name, c := range refresh {
		if p, err := dbsc.VerifyRefresh(c.tok, c.key); !errors.Is(err, dbsc.ErrMalformed) {
			t.Errorf("refresh, %s: %+v, %v; want ErrMalformed", name, p, err)
		}
	}

	ecJWK := dbsctest.PublicJWK(ec.Public())
	rsOnECJWK, _ := dbsctest.SignJWT(rs, dbsctest.Obj{{"alg", "RS256"}, {"typ", "dbsc+jwt"}, {"jwk", ecJWK}}, dbsctest.Obj{{"jti", "c"}})
	registration := map[string]string{
		"RS256 header with an EC jwk": rsOnECJWK,
		"HS256 with an EC jwk":        hs256(ek.JWK, dbsctest.Obj{{"alg", "HS256"}, {"typ", "dbsc+jwt"}, {"jwk", ecJWK}}),
		"HS256 with an oct jwk":       hs256([]byte("secret"), dbsctest.Obj{{"alg", "HS256"}, {"typ", "dbsc+jwt"}, {"jwk", dbsctest.Obj{{"kty", "oct"}, {"k", b64([]byte("secret"))}}}}),
		"none with an EC jwk":         none(dbsctest.Obj{{"alg", "none"}, {"typ", "dbsc+jwt"}, {"jwk", ecJWK}}),
		"none without a jwk":          none(dbsctest.Obj{{"alg", "none"}, {"typ", "dbsc+jwt"}}),
	}
	for name, tok := range registration {
		if p, err := dbsc.VerifyRegistration(tok); !errors.Is(err, dbsc.ErrMalformed) {
			t.Errorf("registration, %s: %+v, %v; want ErrMalformed", name, p, err)
		}
	}
}

func TestVerifyMalformed(t *testing.T) {
	key := ecKey(t)
	k := registerKey(t, key)
	jwk := dbsctest.PublicJWK(key.Public())
	sign := func(h, p any) string {
		tok, err := dbsctest.SignJWT(key, h, p)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	hdr := func(extra ...dbsctest.Field) dbsctest.Obj {
		return append(dbsctest.Obj{{"alg", "ES256"}, {"typ", "dbsc+jwt"}, {"jwk", jwk}}, extra...)
	}
	good := sign(hdr(), dbsctest.Obj{{"jti", "c"}})
	parts := strings.Split(good, ".")
	d := make([]byte, 32)
	key.D.FillBytes(d)
	privJWK := append(append(dbsctest.Obj{}, jwk...), dbsctest.Field{"d", b64(d)})

	cases := map[string]string{
		"no jti":                  sign(hdr(), dbsctest.Obj{{"aud", "x"}}),
		"empty jti":               sign(hdr(), dbsctest.Obj{{"jti", ""}}),
		"jti not a string":        sign(hdr(), dbsctest.Obj{{"jti", 7}}),
		"payload not an object":   sign(hdr(), []string{"jti"}),
		"typ jwt (old builds)":    sign(dbsctest.Obj{{"alg", "ES256"}, {"typ", "jwt"}, {"jwk", jwk}}, dbsctest.Obj{{"jti", "c"}}),
		"no typ":                  sign(dbsctest.Obj{{"alg", "ES256"}, {"jwk", jwk}}, dbsctest.Obj{{"jti", "c"}}),
		"no jwk":                  sign(dbsctest.Obj{{"alg", "ES256"}, {"typ", "dbsc+jwt"}}, dbsctest.Obj{{"jti", "c"}}),
		"private jwk":             sign(dbsctest.Obj{{"alg", "ES256"}, {"typ", "dbsc+jwt"}, {"jwk", privJWK}}, dbsctest.Obj{{"jti", "c"}}),
		"crit":                    sign(hdr(dbsctest.Field{"crit", []string{"b64"}}, dbsctest.Field{"b64", false}), dbsctest.Obj{{"jti", "c"}}),
		"jku":                     sign(hdr(dbsctest.Field{"jku", "https://evil.test/keys"}), dbsctest.Obj{{"jti", "c"}}),
		"two parts":               parts[0] + "." + parts[1],
		"four parts":              good + ".x",
		"padding":                 parts[0] + "=." + parts[1] + "." + parts[2],
		"whitespace":              parts[0] + ". " + parts[1] + "." + parts[2],
		"JSON serialization":      `{"payload":"` + parts[1] + `","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`,
		"empty":                   "",
		"lone quote":              `"`,
		"half quoted":             `"` + good,
		"header not JSON":         b64([]byte("nope")) + "." + parts[1] + "." + parts[2],
		"header not base64":       "!!!." + parts[1] + "." + parts[2],
		"over 8 KiB":              sign(hdr(), dbsctest.Obj{{"jti", strings.Repeat("a", dbsc.MaxTokenLen)}}),
		"jti over the claim size": sign(hdr(), dbsctest.Obj{{"jti", strings.Repeat("a", 2000)}}),
		"payload not base64":      parts[0] + ".%%." + parts[2],
	}
	for name, tok := range cases {
		if p, err := dbsc.VerifyRegistration(tok); !errors.Is(err, dbsc.ErrMalformed) {
			t.Errorf("registration, %s: %+v, %v; want ErrMalformed", name, p, err)
		}
		if name == "no jwk" {
			continue // a refresh proof has none
		}
		if p, err := dbsc.VerifyRefresh(tok, k); !errors.Is(err, dbsc.ErrMalformed) {
			t.Errorf("refresh, %s: %+v, %v; want ErrMalformed", name, p, err)
		}
	}
	if _, err := dbsc.VerifyRefresh(good, dbsc.Key{}); !errors.Is(err, dbsc.ErrMalformed) {
		t.Errorf("refresh against no key: %v", err)
	}
}

// TestDERSignatureRefused: a JWS carries raw r||s; an ASN.1 DER ECDSA
// signature (what crypto.Signer returns) does not verify.
func TestDERSignatureRefused(t *testing.T) {
	key := ecKey(t)
	k := registerKey(t, key)
	h, _ := json.Marshal(dbsctest.Obj{{"alg", "ES256"}, {"typ", "dbsc+jwt"}})
	input := b64(h) + "." + b64([]byte(`{"jti":"c"}`))
	digest := sha256.Sum256([]byte(input))
	der, err := key.Sign(nil, digest[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dbsc.VerifyRefresh(input+"."+b64(der), k); !errors.Is(err, dbsc.ErrSignature) {
		t.Fatalf("DER signature: %v", err)
	}
}
