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
}

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
)

// Reasons returns every reason above, in their order (docs/events.md says
// when each happens). A new reason goes both into the constants and here.
func Reasons() []Reason {
	return []Reason{
		ReasonInactivity, ReasonLifetime, ReasonLogout, ReasonPasswordChanged,
		ReasonPasswordReset, ReasonRevoked, ReasonUserDisabled, ReasonSessionLimit,
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
