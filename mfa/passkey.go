package mfa

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/vigilauth/vigil"
)

// Passkeys (W3C WebAuthn Level 3) through github.com/go-webauthn/webauthn:
// the relying party's options, the user entity, and the conversion of
// credentials between the library and vigil.WebAuthnCredential. Every
// check of an answer (challenge, origin, RP ID hash, flags, signature,
// counter) is the library's; what to do with the outcome is the engine's.

// PasskeyHandleKey is the name of the server key (vigil.KeyStore) that
// user handles are derived from (PasskeyUserHandle).
const PasskeyHandleKey = "webauthn-user"

// PasskeyUserHandle returns the WebAuthn user handle of the user with id
// userID: HMAC-SHA256 under key (the server key PasskeyHandleKey) of the
// id. It is stable, 32 bytes, and says nothing about the user to whoever
// reads it off an authenticator (WebAuthn §14.6.1: the user handle is
// not the username or any other identifying information).
func PasskeyUserHandle(key []byte, userID int64) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(binary.BigEndian.AppendUint64(nil, uint64(userID)))
	return m.Sum(nil)
}

// PasskeyUser is a vigil user as a WebAuthn user entity (webauthn.User).
type PasskeyUser struct {
	Handle      []byte // PasskeyUserHandle
	Name        string // the username: what an authenticator shows to pick an account
	DisplayName string // default: Name
	Credentials []vigil.WebAuthnCredential
}

var _ webauthn.User = (*PasskeyUser)(nil)

// WebAuthnID returns the user handle.
func (u *PasskeyUser) WebAuthnID() []byte { return u.Handle }

// WebAuthnName returns the username.
func (u *PasskeyUser) WebAuthnName() string { return u.Name }

// WebAuthnDisplayName returns the display name, or the username.
func (u *PasskeyUser) WebAuthnDisplayName() string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Name
}

// WebAuthnCredentials returns the user's credentials as the library's.
func (u *PasskeyUser) WebAuthnCredentials() []webauthn.Credential {
	out := make([]webauthn.Credential, 0, len(u.Credentials))
	for _, c := range u.Credentials {
		out = append(out, toLibrary(c))
	}
	return out
}

// toLibrary converts a stored credential into the library's record.
func toLibrary(c vigil.WebAuthnCredential) webauthn.Credential {
	transports := make([]protocol.AuthenticatorTransport, 0, len(c.Transports))
	for _, t := range c.Transports {
		transports = append(transports, protocol.AuthenticatorTransport(t))
	}
	return webauthn.Credential{
		ID: c.ID, PublicKey: c.PublicKey, AttestationType: c.AttestationType, Transport: transports,
		Flags:         webauthn.CredentialFlags{UserPresent: true, BackupEligible: c.BackupEligible, BackupState: c.BackupState},
		Authenticator: webauthn.Authenticator{AAGUID: c.AAGUID, SignCount: c.SignCount},
	}
}

// fromLibrary converts a credential the library verified at registration
// into a record for userID (Name and CreatedAt are the caller's).
func fromLibrary(userID int64, c *webauthn.Credential) *vigil.WebAuthnCredential {
	transports := make([]string, 0, len(c.Transport))
	for _, t := range c.Transport {
		transports = append(transports, string(t))
	}
	var aaguid []byte
	if len(c.Authenticator.AAGUID) > 0 && slices.ContainsFunc(c.Authenticator.AAGUID, func(b byte) bool { return b != 0 }) {
		aaguid = c.Authenticator.AAGUID
	}
	return &vigil.WebAuthnCredential{
		ID: c.ID, UserID: userID, PublicKey: c.PublicKey, AttestationType: c.AttestationType, AAGUID: aaguid,
		SignCount: c.Authenticator.SignCount, Transports: transports,
		BackupEligible: c.Flags.BackupEligible, BackupState: c.Flags.BackupState,
	}
}

// Passkeys is the relying party: its ID, name and origins.
type Passkeys struct {
	rp *webauthn.WebAuthn
}

// NewPasskeys returns the relying party rpID (a domain: the host of the
// public URL, never an address), named rpName to users, whose pages are
// served from origins (scheme://host[:port] each).
//
// Errors: a description of what is wrong with the settings.
func NewPasskeys(rpID, rpName string, origins []string) (*Passkeys, error) {
	rp, err := webauthn.New(&webauthn.Config{
		RPID: rpID, RPDisplayName: rpName, RPOrigins: origins,
		// Attestation is not verified: vigil keeps no list of authenticator
		// models (WebAuthn §5.4.7 "none"; NIST SP 800-63B-4 allows it at AAL2).
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			// A discoverable credential, so that one passkey also signs in
			// without a password (WebAuthn §6.2.2).
			ResidentKey: protocol.ResidentKeyRequirementRequired, RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification: protocol.VerificationPreferred,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("mfa: passkeys: %w", err)
	}
	return &Passkeys{rp: rp}, nil
}

// RPID returns the relying party's ID.
func (p *Passkeys) RPID() string { return p.rp.Config.RPID }

// Challenge is a ceremony begun: Options for the browser
// (navigator.credentials.create or get, its publicKey member as JSON,
// binary values base64url) and State for the server to keep until the
// answer (the challenge and what the answer is checked against).
type Challenge struct {
	Options json.RawMessage
	State   []byte
}

// ErrPasskeyRefused wraps every refusal of a browser's answer: malformed,
// for another challenge or origin, a bad signature or attestation, an
// unknown credential. The rest of the message says which.
var ErrPasskeyRefused = errors.New("passkey refused")

// refused wraps a library error as ErrPasskeyRefused, with its details.
func refused(err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		detail := pe.Details
		if pe.DevInfo != "" {
			detail += " (" + pe.DevInfo + ")"
		}
		return fmt.Errorf("%w: %s", ErrPasskeyRefused, detail)
	}
	return fmt.Errorf("%w: %w", ErrPasskeyRefused, err)
}

// challenge keeps what the library began.
func challenge(options any, state *webauthn.SessionData) (*Challenge, error) {
	o, err := json.Marshal(options)
	if err != nil {
		return nil, fmt.Errorf("mfa: passkey options: %w", err)
	}
	s, err := json.Marshal(state)
	if err != nil {
		return nil, fmt.Errorf("mfa: passkey state: %w", err)
	}
	return &Challenge{Options: o, State: s}, nil
}

// state reads back what challenge kept.
func state(data []byte) (webauthn.SessionData, error) {
	var s webauthn.SessionData
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("mfa: passkey state: %w", err)
	}
	return s, nil
}

// BeginRegistration begins registering a new passkey for u: a
// discoverable credential, user verification preferred, none of u's
// credentials again (excludeCredentials, WebAuthn §5.4.3).
func (p *Passkeys) BeginRegistration(u *PasskeyUser) (*Challenge, error) {
	exclude := webauthn.Credentials(u.WebAuthnCredentials()).CredentialDescriptors()
	creation, st, err := p.rp.BeginRegistration(u, webauthn.WithExclusions(exclude))
	if err != nil {
		return nil, fmt.Errorf("mfa: begin passkey registration: %w", err)
	}
	return challenge(creation.Response, st)
}

// FinishRegistration checks the browser's answer (a PublicKeyCredential
// as its toJSON gives it) to the registration begun with state for u, and
// returns the new credential for userID (without a name or time).
//
// Errors: ErrPasskeyRefused; an error reading state.
func (p *Passkeys) FinishRegistration(u *PasskeyUser, userID int64, stateJSON, credential []byte) (*vigil.WebAuthnCredential, error) {
	st, err := state(stateJSON)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(credential)
	if err != nil {
		return nil, refused(err)
	}
	c, err := p.rp.CreateCredential(u, st, parsed)
	if err != nil {
		return nil, refused(err)
	}
	return fromLibrary(userID, c), nil
}

// BeginAssertion begins an assertion: by one of u's credentials
// (allowCredentials, user verification preferred: a second factor), or,
// for a nil u, by any discoverable credential of this relying party with
// user verification required (a passwordless sign-in: the passkey alone
// must be two factors, NIST SP 800-63B-4 §2.2.1).
func (p *Passkeys) BeginAssertion(u *PasskeyUser) (*Challenge, error) {
	if u == nil {
		assertion, st, err := p.rp.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
		if err != nil {
			return nil, fmt.Errorf("mfa: begin passkey sign-in: %w", err)
		}
		return challenge(assertion.Response, st)
	}
	assertion, st, err := p.rp.BeginLogin(u)
	if err != nil {
		return nil, fmt.Errorf("mfa: begin passkey assertion: %w", err)
	}
	return challenge(assertion.Response, st)
}

// Assertion is a verified assertion: which credential, and what its
// authenticator data said.
type Assertion struct {
	CredentialID []byte
	// SignCount is the authenticator's signature counter now; Cloned
	// reports that it did not go up from the one stored although one of
	// them is not 0 (WebAuthn §6.1.1: a sign the authenticator may have
	// been cloned).
	SignCount    uint32
	Cloned       bool
	UserVerified bool // UV flag: the authenticator verified the user (PIN, biometrics)
	BackupState  bool // BS flag
}

// FinishAssertion checks the browser's answer to the assertion begun with
// state for u (not nil).
//
// Errors: ErrPasskeyRefused (also for a credential that is not u's); an
// error reading state.
func (p *Passkeys) FinishAssertion(u *PasskeyUser, stateJSON, credential []byte) (*Assertion, error) {
	st, parsed, err := p.parseAssertion(stateJSON, credential)
	if err != nil {
		return nil, err
	}
	c, err := p.rp.ValidateLogin(u, st, parsed)
	if err != nil {
		return nil, refused(err)
	}
	return assertionOf(c, parsed), nil
}

// FinishDiscoverable checks the browser's answer to a passwordless
// assertion begun with state: find returns the user whose credential id
// is and whose user handle is handle, or an error: one wrapping
// ErrPasskeyRefused for an unknown credential or a handle that is not
// its user's, any other for a lookup that could not be made. It returns
// the user find gave.
//
// Errors: ErrPasskeyRefused; find's error that is not a refusal, as it
// is (a store that failed is no wrong passkey); an error reading state.
func (p *Passkeys) FinishDiscoverable(find func(id, handle []byte) (*PasskeyUser, error), stateJSON, credential []byte) (*PasskeyUser, *Assertion, error) {
	st, parsed, err := p.parseAssertion(stateJSON, credential)
	if err != nil {
		return nil, nil, err
	}
	var found *PasskeyUser
	var findErr error
	handler := func(id, handle []byte) (webauthn.User, error) {
		found, findErr = find(id, handle)
		if findErr != nil {
			return nil, findErr
		}
		return found, nil
	}
	_, c, err := p.rp.ValidatePasskeyLogin(handler, st, parsed)
	if findErr != nil && !errors.Is(findErr, ErrPasskeyRefused) {
		return nil, nil, findErr
	}
	if err != nil {
		return nil, nil, refused(err)
	}
	return found, assertionOf(c, parsed), nil
}

func (p *Passkeys) parseAssertion(stateJSON, credential []byte) (webauthn.SessionData, *protocol.ParsedCredentialAssertionData, error) {
	st, err := state(stateJSON)
	if err != nil {
		return st, nil, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(credential)
	if err != nil {
		return st, nil, refused(err)
	}
	return st, parsed, nil
}

// assertionOf reads what the engine needs of a verified assertion.
func assertionOf(c *webauthn.Credential, parsed *protocol.ParsedCredentialAssertionData) *Assertion {
	flags := parsed.Response.AuthenticatorData.Flags
	return &Assertion{
		CredentialID: c.ID, SignCount: parsed.Response.AuthenticatorData.Counter, Cloned: c.Authenticator.CloneWarning,
		UserVerified: flags.HasUserVerified(), BackupState: flags.HasBackupState(),
	}
}
