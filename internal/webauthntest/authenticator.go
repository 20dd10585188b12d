// Package webauthntest is a software WebAuthn authenticator and client
// for tests: it answers the options a relying party sends
// (navigator.credentials.create and get, their publicKey member as JSON)
// with what a browser's PublicKeyCredential.toJSON() gives, made with an
// ES256 key of its own, a "none" attestation, the flags and the signature
// counter the test chooses. It checks nothing a real authenticator would
// refuse to do, so a test can also make answers a relying party must
// refuse.
package webauthntest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// Authenticator flags (WebAuthn §6.1 authenticator data).
const (
	flagUP = 0x01 // user present
	flagUV = 0x04 // user verified
	flagBE = 0x08 // backup eligible
	flagBS = 0x10 // backed up
	flagAT = 0x40 // attested credential data included
)

// Authenticator is a software authenticator with its client: it keeps
// the credentials it created, and answers as a browser at Origin would.
// Its fields may be changed between calls; it is not safe for concurrent
// use.
type Authenticator struct {
	// Origin is the origin the client data names (the page's origin).
	Origin string
	// UV, BE and BS are the flags the answers carry (UP always).
	UV, BE, BS bool
	// Credentials are the credentials created, oldest first.
	Credentials []*Credential
}

// Credential is one credential the authenticator holds.
type Credential struct {
	ID         []byte
	RPID       string
	UserHandle []byte
	Key        *ecdsa.PrivateKey
	// Counter is the signature counter last reported; each assertion
	// reports one more, unless NoCounter (then always 0). Setting it
	// back makes the next assertion look cloned.
	Counter   uint32
	NoCounter bool
}

// New returns an authenticator answering for pages at origin, verifying
// the user, its credentials synced passkeys (UV, BE and BS set).
func New(origin string) *Authenticator {
	return &Authenticator{Origin: origin, UV: true, BE: true, BS: true}
}

// b64 is base64url without padding, as WebAuthn's JSON has it.
var b64 = base64.RawURLEncoding

type descriptor struct {
	ID string `json:"id"`
}

type creationOptions struct {
	RP struct {
		ID string `json:"id"`
	} `json:"rp"`
	User struct {
		ID string `json:"id"`
	} `json:"user"`
	Challenge string       `json:"challenge"`
	Exclude   []descriptor `json:"excludeCredentials"`
}

type requestOptions struct {
	Challenge string       `json:"challenge"`
	RPID      string       `json:"rpId"`
	Allow     []descriptor `json:"allowCredentials"`
}

// Create answers creation options (the publicKey member, JSON) with a new
// credential, and returns the answer (PublicKeyCredential JSON) and the
// credential. It refuses, as a real one does, when it holds a credential
// the options exclude.
func (a *Authenticator) Create(options []byte) ([]byte, *Credential, error) {
	var o creationOptions
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, nil, fmt.Errorf("webauthntest: creation options: %w", err)
	}
	for _, d := range o.Exclude {
		if a.find(d.ID) != nil {
			return nil, nil, errors.New("webauthntest: InvalidStateError: a credential of the exclude list is present")
		}
	}
	handle, err := b64.DecodeString(o.User.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("webauthntest: user.id: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	c := &Credential{ID: make([]byte, 32), RPID: o.RP.ID, UserHandle: handle, Key: key}
	rand.Read(c.ID)
	cose, err := coseKey(&key.PublicKey)
	if err != nil {
		return nil, nil, err
	}
	auth := a.authData(c.RPID, flagAT, 0)
	auth = append(auth, make([]byte, 16)...) // AAGUID: none
	auth = binary.BigEndian.AppendUint16(auth, uint16(len(c.ID)))
	auth = append(append(auth, c.ID...), cose...)
	att, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": auth})
	if err != nil {
		return nil, nil, err
	}
	spki, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, nil, err
	}
	a.Credentials = append(a.Credentials, c)
	answer, err := json.Marshal(map[string]any{
		"id": b64.EncodeToString(c.ID), "rawId": b64.EncodeToString(c.ID), "type": "public-key",
		"authenticatorAttachment": "platform", "clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(a.clientData("webauthn.create", o.Challenge)),
			"attestationObject": b64.EncodeToString(att),
			"authenticatorData": b64.EncodeToString(auth),
			"publicKey":         b64.EncodeToString(spki), "publicKeyAlgorithm": -7,
			"transports": []string{"internal", "hybrid"},
		},
	})
	return answer, c, err
}

// Get answers request options (the publicKey member, JSON) with an
// assertion by the first credential it holds that the options allow (any
// of the RP ID's when they list none).
func (a *Authenticator) Get(options []byte) ([]byte, error) {
	var o requestOptions
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, fmt.Errorf("webauthntest: request options: %w", err)
	}
	for _, c := range a.Credentials {
		if c.RPID != o.RPID {
			continue
		}
		if len(o.Allow) == 0 {
			return a.Assert(c, options)
		}
		for _, d := range o.Allow {
			if d.ID == b64.EncodeToString(c.ID) {
				return a.Assert(c, options)
			}
		}
	}
	return nil, errors.New("webauthntest: NotAllowedError: no credential for these options")
}

// Assert answers request options with an assertion by c, whatever the
// options allow.
func (a *Authenticator) Assert(c *Credential, options []byte) ([]byte, error) {
	var o requestOptions
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, fmt.Errorf("webauthntest: request options: %w", err)
	}
	if !c.NoCounter {
		c.Counter++
	}
	auth := a.authData(c.RPID, 0, c.Counter)
	client := a.clientData("webauthn.get", o.Challenge)
	sum := sha256.Sum256(client)
	digest := sha256.Sum256(append(bytes.Clone(auth), sum[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, c.Key, digest[:])
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(c.ID), "rawId": b64.EncodeToString(c.ID), "type": "public-key",
		"authenticatorAttachment": "platform", "clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(client),
			"authenticatorData": b64.EncodeToString(auth),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString(c.UserHandle),
		},
	})
}

// find returns the credential whose id is the base64url id, or nil.
func (a *Authenticator) find(id string) *Credential {
	for _, c := range a.Credentials {
		if b64.EncodeToString(c.ID) == id {
			return c
		}
	}
	return nil
}

// authData is the authenticator data's fixed part: the RP ID's hash, the
// flags (extra added to UP and the chosen ones) and the counter.
func (a *Authenticator) authData(rpID string, extra byte, counter uint32) []byte {
	h := sha256.Sum256([]byte(rpID))
	flags := flagUP | extra
	if a.UV {
		flags |= flagUV
	}
	if a.BE {
		flags |= flagBE
	}
	if a.BS {
		flags |= flagBS
	}
	out := append(h[:], flags)
	return binary.BigEndian.AppendUint32(out, counter)
}

// clientData is the client data JSON of a ceremony of typ for challenge
// (base64url, as the options carry it).
func (a *Authenticator) clientData(typ, challenge string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": a.Origin, "crossOrigin": false})
	return b
}

// coseKey is k as a COSE_Key (RFC 9053: EC2, ES256, P-256).
func coseKey(k *ecdsa.PublicKey) ([]byte, error) {
	raw, err := k.Bytes() // 0x04 || X || Y
	if err != nil {
		return nil, err
	}
	mode, err := cbor.CTAP2EncOptions().EncMode()
	if err != nil {
		return nil, err
	}
	return mode.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: raw[1:33], -3: raw[33:65]})
}
