package vigil

import "time"

// Event is one audit record (SPEC §4). It never holds a token, a password
// or a hash.
type Event struct {
	ID int64
	// Seq is the event's place in the audit chain (package auditlog): 1
	// for the first event ever appended, then one more for each, with no
	// gaps, in the order the database committed them from every instance.
	// AuditLog.AppendEvent sets it and Events returns it; 0 for an event
	// written outside the chain (by hand, or before it existed). A reader
	// that sees seq n and then n+2 knows an event is missing between.
	Seq       int64
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
	// Second factors (multi-factor sign-in).
	EventMFAChallenged          = "mfa_challenged"               // a right password leads to a second step
	EventMFAFailed              = "mfa_failed"                   // a wrong, reused or used-up second-factor code
	EventStepUp                 = "mfa_step_up"                  // a session was raised to AAL2 by a second factor
	EventMFAEnrolled            = "mfa_enrolled"                 // a second factor was added
	EventMFARemoved             = "mfa_removed"                  // a second factor was removed by its user
	EventMFARenamed             = "mfa_renamed"                  // a passkey was given another name by its user
	EventRecoveryCodesGenerated = "mfa_recovery_codes_generated" // a new recovery set replaced the old one
	EventRecoveryCodeUsed       = "mfa_recovery_code_used"       // a recovery code stood in for a second factor
	EventMFAReset               = "mfa_reset"                    // an administrator removed every factor of a user
	// Webhooks.
	EventWebhookRetried = "webhook_retried" // an administrator made a given-up webhook delivery due again
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
		EventMFAChallenged, EventMFAFailed, EventStepUp, EventMFAEnrolled, EventMFARemoved,
		EventMFARenamed, EventRecoveryCodesGenerated, EventRecoveryCodeUsed, EventMFAReset,
		EventWebhookRetried,
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
