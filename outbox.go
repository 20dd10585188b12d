package vigil

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"time"
)

// The types of the webhooks vigil sends (Standard Webhooks: hierarchical,
// full-stop delimited). Each has one shape of Data, stated beside it.
const (
	// WebhookSessionRevoked: sessions ended, by any reason, the expiry
	// reasons (inactivity, lifetime) included. Data: {"user_id",
	// "username", "session_ids" (the ids ended, in no order), "reason"}.
	WebhookSessionRevoked = "session.revoked"
	// WebhookPasswordChanged: a user's password was replaced (changed,
	// reset, set by an administrator). Data: {"user_id", "username"}.
	WebhookPasswordChanged = "user.password_changed"
	// WebhookUserDisabled: a user was disabled. Data: {"user_id", "username"}.
	WebhookUserDisabled = "user.disabled"
	// WebhookUserEnabled: a disabled user was enabled again. Data as
	// WebhookUserDisabled.
	WebhookUserEnabled = "user.enabled"
	// WebhookMFAChanged: a user's second factors changed. Data: {"user_id",
	// "username", "change"}, change one of the MFAChange values.
	WebhookMFAChanged = "user.mfa_changed"
	// WebhookLoginLocked: failed sign-ins locked a username (the start of
	// a lock, or its extension by a failure during the lock's streak).
	// Data: {"username", "locked_until"}; the username as typed,
	// normalized, whether or not an account has it.
	WebhookLoginLocked = "login.failed_locked"
)

// The values of "change" in a WebhookMFAChanged message.
const (
	MFAChangeTOTPAdded        = "totp_added"
	MFAChangeTOTPRemoved      = "totp_removed"
	MFAChangePasskeyAdded     = "passkey_added"
	MFAChangePasskeyRemoved   = "passkey_removed"
	MFAChangeFactorsRemoved   = "factors_removed"
	MFAChangeRecoveryReplaced = "recovery_codes_replaced"
)

// WebhookMessage is one event for other services, kept in the outbox until
// every endpoint has it.
type WebhookMessage struct {
	// ID is "msg_" and 22 random base64url characters: the webhook-id
	// header, the same on every attempt and to every endpoint, which a
	// receiver uses to process each message once.
	ID   string
	Type string          // one of the Webhook... types above
	Time time.Time       // when the change was made: the payload's timestamp
	Data json.RawMessage // the payload's data object
}

// NewWebhookMessage returns a message of type typ made at at, with a new
// ID and data marshalled as its Data. It fails only if data does not
// marshal.
func NewWebhookMessage(typ string, at time.Time, data any) (WebhookMessage, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return WebhookMessage{}, err
	}
	var id [16]byte
	rand.Read(id[:])
	return WebhookMessage{ID: "msg_" + base64.RawURLEncoding.EncodeToString(id[:]), Type: typ, Time: at, Data: b}, nil
}

// WebhookDelivery is one message on its way to one endpoint. Each
// (message, endpoint) pair is delivered, retried and given up on its own.
type WebhookDelivery struct {
	ID       int64 // the delivery's own id, which an administrator retries by
	Message  WebhookMessage
	Endpoint string // the URL, as configured
	// Since is when its retry window began: the message's Time, or when
	// an administrator last revived it.
	Since      time.Time
	Attempts   int       // attempts made since Since
	NextAt     time.Time // when it is due
	LastAt     time.Time // when the last attempt ended; zero before the first
	LastStatus int       // the last attempt's HTTP status; 0 if none came back
	LastError  string    // why the last attempt failed; "" before the first
}

// WebhookAttempt is the outcome of one delivery attempt.
type WebhookAttempt struct {
	At     time.Time // when it ended
	Status int       // the HTTP status; 0 if no response came back
	Error  string    // why it failed; "" when it succeeded
}

// WebhookCounts is how many deliveries wait and how many were given up.
type WebhookCounts struct {
	Pending int64 // not yet delivered and not given up (due or waiting for a retry)
	Dead    int64 // given up: dead letters until revived or deleted
}

// WebhookOutbox keeps the events other services are told about by signed
// webhooks (package webhook delivers them). The stores write a message in
// the same transaction as the change it describes, and only when
// something changed: EndSession and EndUserSessions write one
// WebhookSessionRevoked when they end a session; SetPassword one
// WebhookPasswordChanged; SetDisabled one WebhookUserDisabled or
// WebhookUserEnabled when the flag flips (not when it already had the
// value); ConfirmTOTP, RemoveTOTP, AddWebAuthnCredential,
// RemoveWebAuthnCredential, RemoveFactors (when it removed any) and
// ReplaceRecoveryCodes one WebhookMFAChanged; UpdateThrottle one
// WebhookLoginLocked when a "user:" key's LockedUntil moves later than it
// was (the throttle's lock, package auth). A change that fails or rolls
// back writes none.
//
// Endpoints are configuration, unknown when a message is written: a
// message is fanned out into one delivery per endpoint by the first
// ClaimWebhooks after it, with the endpoints that claimer passes, and is
// then done with fan-out (an endpoint configured later does not get it).
// A delivery moves from pending to delivered or to dead; an administrator
// may revive a dead one. Delivery is at least once: a claimer that dies
// holding a lease leaves the delivery to be claimed again when the lease
// ends.
type WebhookOutbox interface {
	// ClaimWebhooks first fans out every message not yet fanned out into
	// one pending delivery per endpoint in endpoints, due at once (none
	// when endpoints is empty), then leases up to limit pending
	// deliveries to those endpoints that are due at now and not leased
	// past now, earliest due first, until now plus lease, and returns
	// them with their messages. Of concurrent claimers, on any number of
	// instances, each delivery goes to one only until its lease ends.
	// None, with no error, when nothing is due or limit <= 0.
	ClaimWebhooks(ctx context.Context, endpoints []string, now time.Time, lease time.Duration, limit int) ([]WebhookDelivery, error)
	// WebhookDelivered records the successful attempt a on pending
	// delivery id and marks it delivered. ErrNotFound if id is not pending
	// (delivered, dead, deleted or never made); nothing changes then.
	WebhookDelivered(ctx context.Context, id int64, a WebhookAttempt) error
	// RetryWebhook records the failed attempt a on pending delivery id
	// (Attempts grows by one) and makes it due at next, its lease ended.
	// ErrNotFound as WebhookDelivered.
	RetryWebhook(ctx context.Context, id int64, a WebhookAttempt, next time.Time) error
	// KillWebhook records the failed attempt a on pending delivery id and
	// gives it up: a dead letter. ErrNotFound as WebhookDelivered.
	KillWebhook(ctx context.Context, id int64, a WebhookAttempt) error
	// DeadWebhooks returns up to limit dead deliveries, the latest given
	// up first (ties: higher id first); none, with no error, if none.
	DeadWebhooks(ctx context.Context, limit int) ([]WebhookDelivery, error)
	// CountWebhooks counts pending and dead deliveries.
	CountWebhooks(ctx context.Context) (WebhookCounts, error)
	// ReviveWebhook makes dead delivery id pending again, due at now, with
	// a new retry window from now (Since = now, Attempts = 0; the last
	// attempt's outcome is kept). ErrNotFound if id is not dead.
	ReviveWebhook(ctx context.Context, id int64, now time.Time) error
	// DeleteWebhooksBefore deletes up to limit of: deliveries delivered or
	// given up before `before`; pending deliveries whose retry window
	// (Since) began before `before` (left for an endpoint no longer
	// configured); then messages made before `before` with no delivery
	// left, fanned out or not. It returns how many rows
	// it deleted; none when limit <= 0.
	DeleteWebhooksBefore(ctx context.Context, before time.Time, limit int) (int, error)
}
