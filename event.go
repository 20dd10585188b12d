package vigil

import "time"

// Event is one audit record (SPEC §4). It never holds a token, a password
// or a hash.
type Event struct {
	ID        int64
	Time      time.Time
	Username  string // whom it is about
	Actor     string // who did it: the username, an admin, "cli" or "system"
	Category  string
	Event     string
	Detail    string
	IP        string
	UserAgent string
	SessionID string // public session id
}

// Audit event names (SPEC §4).
const (
	EventLoginSucceeded           = "login_succeeded"
	EventLoginFailed              = "login_failed"
	EventLoginThrottled           = "login_throttled"
	EventLogout                   = "logout"
	EventSessionExpiredInactivity = "session_expired_inactivity"
	EventSessionExpiredLifetime   = "session_expired_lifetime"
	EventSessionRevoked           = "session_revoked"
	EventSessionsRevokedOthers    = "sessions_revoked_others"
	EventPasswordChanged          = "password_changed_all_sessions_invalidated"
	EventInvalidCurrentPassword   = "invalid_current_password"
	EventPasswordResetIssued      = "password_reset_issued"
	EventPasswordResetCompleted   = "password_reset_completed"
	EventCSRFRejected             = "csrf_rejected"
	EventAccessForbidden          = "access_forbidden"
	EventUserCreated              = "user_created"
	EventUserDisabled             = "user_disabled"
	EventUserEnabled              = "user_enabled"
	EventReauthenticated          = "reauthenticated"
	EventReauthFailed             = "reauthentication_failed"
	EventPasswordRehashed         = "password_rehashed"
	// Device-bound sessions (DBSC).
	EventDeviceBound            = "device_bound"             // a session was bound to a device key
	EventDeviceBindingRefreshed = "device_binding_refreshed" // a bound cookie was renewed with a proof
	EventDeviceBindingFailed    = "device_binding_failed"    // a registration or refresh was refused
)

// EventNames returns every audit event name above, in their order: what
// vigil may write to the audit log (docs/events.md describes each). A
// new name goes both into the constants and here.
func EventNames() []string {
	return []string{
		EventLoginSucceeded, EventLoginFailed, EventLoginThrottled, EventLogout,
		EventSessionExpiredInactivity, EventSessionExpiredLifetime, EventSessionRevoked,
		EventSessionsRevokedOthers, EventPasswordChanged, EventInvalidCurrentPassword,
		EventPasswordResetIssued, EventPasswordResetCompleted, EventCSRFRejected,
		EventAccessForbidden, EventUserCreated, EventUserDisabled, EventUserEnabled,
		EventReauthenticated, EventReauthFailed, EventPasswordRehashed,
		EventDeviceBound, EventDeviceBindingRefreshed, EventDeviceBindingFailed,
	}
}

// Audit categories.
const (
	CategoryAuthentication = "authentication"
	CategorySession        = "session"
	CategoryAccount        = "account"
	CategoryAccess         = "access"
	CategoryAdmin          = "admin"
)

// EventFilter selects audit events. Zero fields select everything; Limit 0
// means the store's default. BeforeID pages backwards (events with smaller
// ids).
type EventFilter struct {
	Username string
	Event    string
	Since    time.Time
	Until    time.Time
	BeforeID int64
	Limit    int
}
