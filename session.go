package vigil

import "time"

// Session is a server-side session. The store keeps only TokenHash, the
// SHA-256 of the secret token the client holds, so a leaked database yields
// no usable token (Lucia's hashed session secrets; OWASP ASVS 5.0 7.2.3).
// ID is the public identifier used for listing and revoking; it is random
// and unrelated to the token.
type Session struct {
	ID           string
	TokenHash    TokenHash
	UserID       int64
	CreatedAt    time.Time // login; the absolute lifetime counts from here
	LastActivity time.Time // recorded coarsely, see auth
	ReauthAt     time.Time // when the password was last entered in this session
	IP           string
	UserAgent    string
	EndedAt      time.Time // zero while the session is live
	EndReason    Reason    // why it ended; empty while live
	Binding      Binding   // its device binding (DBSC), if any
	// AAL is the authentication assurance level its sign-in reached (1 or
	// 2, see assurance.go), raised to 2 by a step-up; Factors are the
	// factors its sign-in and step-ups used. A session stored before
	// vigil recorded assurance reads as AAL1 by password.
	AAL     int
	Factors FactorSet
}

// Binding is a session's device binding (Device Bound Session Credentials,
// W3C WebAppSec draft): the public key of a key pair the browser holds
// (in a TPM where it has one), and the short-lived bound cookie that only
// a proof signed with that key renews. Once a session is bound, every
// request of it needs the bound cookie too, so a session cookie copied to
// another machine stops working when the copied bound cookie lapses.
//
// The store keeps a binding with its session: the key, when it was bound,
// the SHA-256 of the current bound cookie's value and the time it lapses
// (by the server's clock, whatever the cookie's Expires says), and the one
// outstanding challenge a proof must sign (its SHA-256 and expiry).
// Challenges are single use: binding and refreshing consume them.
type Binding struct {
	Key              string    // the public key as a JWK (JSON); "" while unbound
	Thumbprint       string    // the key's RFC 7638 SHA-256 thumbprint, base64url
	BoundAt          time.Time // when the session was bound; zero while unbound
	CookieHash       TokenHash // SHA-256 of the current bound cookie's value
	CookieLapse      time.Time // when the current bound cookie stops being accepted
	Challenge        TokenHash // SHA-256 of the outstanding challenge; zero for none
	ChallengeExpires time.Time // when the outstanding challenge expires
}

// Bound reports whether the session is bound to a device key.
func (s *Session) Bound() bool { return !s.Binding.BoundAt.IsZero() }

// Live reports whether the session has not been ended (it may still be past
// its expiry; the policy decides that).
func (s *Session) Live() bool { return s.EndedAt.IsZero() }

// Reason says why a session ended.
type Reason string

// Reasons a session ends. The expiry reasons are answered with
// SESSION_EXPIRED, the others with SESSION_REVOKED.
const (
	ReasonInactivity      Reason = "inactivity"
	ReasonLifetime        Reason = "lifetime"
	ReasonLogout          Reason = "logout"
	ReasonPasswordChanged Reason = "password_changed"
	ReasonPasswordReset   Reason = "password_reset"
	ReasonRevoked         Reason = "revoked"
	ReasonUserDisabled    Reason = "user_disabled"
	ReasonSessionLimit    Reason = "session_limit"
	// ReasonDeviceBindingFailed: a proof for a bound session's refresh was
	// signed by another key than the session's, so someone other than the
	// bound browser holds the session cookie.
	ReasonDeviceBindingFailed Reason = "device_binding_failed"
	// ReasonDeviceBindingMissing: a session of a role that must be bound
	// (--device-binding-required) was not bound within the grace period.
	ReasonDeviceBindingMissing Reason = "device_binding_missing"
)

// Reasons returns every reason above, in their order (docs/events.md says
// when each happens). A new reason goes both into the constants and here.
func Reasons() []Reason {
	return []Reason{
		ReasonInactivity, ReasonLifetime, ReasonLogout, ReasonPasswordChanged,
		ReasonPasswordReset, ReasonRevoked, ReasonUserDisabled, ReasonSessionLimit,
		ReasonDeviceBindingFailed, ReasonDeviceBindingMissing,
	}
}

// Expiry reports whether r is an expiry (not a revocation).
func (r Reason) Expiry() bool { return r == ReasonInactivity || r == ReasonLifetime }

// Revocation is one entry of the revocation log: a session, or every session
// of a user, ended or changed. Instances that cache sessions follow the log
// to drop what it names.
type Revocation struct {
	Seq       int64
	SessionID string // set when one session is named
	UserID    int64  // set when every session of a user is named
}
