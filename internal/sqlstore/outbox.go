package sqlstore

import (
	"strings"
	"time"

	"github.com/vigilauth/vigil"
)

// What the stores say alike of vigil.WebhookOutbox (migration 0012): the
// statements in a dialect, the data of the messages the stores write, and
// the scanning of deliveries.

// OutboxQueries are vigil.WebhookOutbox's statements in one dialect. Each
// names its parameters in the order of the comment beside it.
type OutboxQueries struct {
	Insert   string // (id, type, createdAt, data)
	Username string // userID → username
	// Unfanned returns the messages not yet fanned out, oldest first, and
	// locks them where the store can (so that two instances fan out each
	// once). (limit) → id, created_at
	Unfanned   string
	Fan        string // (messageID, endpoint, since): one pending delivery, due at since
	MarkFanned string // (messageID)
	Delivered  string // (id, at, status, error)
	Retry      string // (id, at, status, error, next)
	Kill       string // (id, at, status, error)
	Dead       string // (limit) → DeliveryColumns
	Count      string // → pending, dead (each by the index on state)
	Revive     string // (id, now)
	// DeleteDeliveries and DeleteMessages are DeleteWebhooksBefore's two
	// steps. (before, limit) A pending delivery goes when its retry
	// window began before `before` (its Since), not its message: a dead
	// letter an administrator revived has a new window, though its
	// message may be older than the retention.
	DeleteDeliveries, DeleteMessages string

	dialect  Dialect
	lock     string
	unfanned string
}

// DeliveryColumns is a delivery's columns with its message's, in the order
// Scan.Delivery reads them, from webhook_deliveries d joined with
// webhook_messages m.
const DeliveryColumns = `d.id, d.endpoint, d.since, d.attempts, d.next_at, d.last_at, d.last_status, d.last_error,
	m.id, m.type, m.created_at, m.data`

// deliveryFrom is the join DeliveryColumns reads.
const deliveryFrom = ` FROM webhook_deliveries d JOIN webhook_messages m ON m.id = d.message_id`

// NewOutboxQueries returns the statements in dialect d. lock ends the
// selects whose rows a claimer takes ("FOR UPDATE SKIP LOCKED" in
// PostgreSQL, so that concurrent claimers pass each other's rows by; ""
// in SQLite, whose writers run one at a time). unfanned is the condition
// on webhook_messages of a message not yet fanned out, written as the
// store's partial index webhook_messages_unfanned is ("NOT fanned_out" in
// PostgreSQL, "fanned_out = 0" in SQLite, which uses a partial index only
// for the very term of its WHERE: SQLite docs, "Partial Indexes" §2.1),
// so that an idle worker's poll reads the index, not every message.
func NewOutboxQueries(d Dialect, lock, unfanned string) OutboxQueries {
	p := d.Param
	settle := `UPDATE webhook_deliveries SET attempts = attempts + 1, last_at = ` + p(2) +
		`, last_status = ` + p(3) + `, last_error = ` + p(4) + `, lease_until = NULL`
	pending := ` WHERE id = ` + p(1) + ` AND state = 'pending'`
	return OutboxQueries{
		Insert:   insert(d, `webhook_messages (id, type, created_at, data)`, 4),
		Username: `SELECT username FROM users WHERE id = ` + p(1),
		Unfanned: `SELECT id, created_at FROM webhook_messages WHERE ` + unfanned + ` ORDER BY seq LIMIT ` + p(1) + ` ` + lock,
		Fan: `INSERT INTO webhook_deliveries (message_id, endpoint, since, next_at) VALUES (` +
			p(1) + `, ` + p(2) + `, ` + p(3) + `, ` + p(3) + `) ON CONFLICT (message_id, endpoint) DO NOTHING`,
		MarkFanned: `UPDATE webhook_messages SET fanned_out = TRUE WHERE id = ` + p(1),
		Delivered:  settle + `, state = 'delivered'` + pending,
		Retry:      settle + `, next_at = ` + p(5) + pending,
		Kill:       settle + `, state = 'dead'` + pending,
		Dead: `SELECT ` + DeliveryColumns + deliveryFrom + ` WHERE d.state = 'dead'
			ORDER BY d.last_at DESC, d.id DESC LIMIT ` + p(1),
		Count: `SELECT (SELECT count(*) FROM webhook_deliveries WHERE state = 'pending'),
			(SELECT count(*) FROM webhook_deliveries WHERE state = 'dead')`,
		Revive: `UPDATE webhook_deliveries SET state = 'pending', since = ` + p(2) + `, next_at = ` + p(2) +
			`, attempts = 0, lease_until = NULL WHERE id = ` + p(1) + ` AND state = 'dead'`,
		DeleteDeliveries: `DELETE FROM webhook_deliveries WHERE id IN (SELECT d.id FROM webhook_deliveries d
			WHERE (d.state <> 'pending' AND d.last_at < ` + p(1) + `) OR (d.state = 'pending' AND d.since < ` + p(1) + `)
			LIMIT ` + p(2) + `)`,
		DeleteMessages: `DELETE FROM webhook_messages WHERE seq IN (SELECT seq FROM webhook_messages m
			WHERE m.created_at < ` + p(1) + ` AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.message_id = m.id)
			LIMIT ` + p(2) + `)`,
		dialect:  d,
		lock:     lock,
		unfanned: unfanned,
	}
}

// Claim returns the statement that leases due deliveries to n endpoints
// and returns their ids. (now, leaseUntil, limit, endpoint 1 ... n)
func (q OutboxQueries) Claim(n int) string {
	p := q.dialect.Param
	return `UPDATE webhook_deliveries SET lease_until = ` + p(2) + ` WHERE id IN (SELECT id FROM webhook_deliveries
		WHERE state = 'pending' AND next_at <= ` + p(1) + ` AND (lease_until IS NULL OR lease_until <= ` + p(1) + `)
		AND endpoint IN (` + params(q.dialect, 4, n) + `) ORDER BY next_at, id LIMIT ` + p(3) + ` ` + q.lock + `)
		AND state = 'pending' AND (lease_until IS NULL OR lease_until <= ` + p(1) + `) RETURNING id`
}

// Due returns the statement that tells whether a claim at now for n
// endpoints would find anything to do: a message to fan out, or a due
// delivery to one of the endpoints (not one left for an endpoint no
// longer configured, which no claim takes). (now, endpoint 1 ... n) → bool
func (q OutboxQueries) Due(n int) string {
	due := `SELECT EXISTS (SELECT 1 FROM webhook_messages WHERE ` + q.unfanned + `)`
	if n == 0 {
		return due
	}
	p := q.dialect.Param
	return due + ` OR EXISTS (SELECT 1 FROM webhook_deliveries WHERE state = 'pending' AND next_at <= ` + p(1) + `
		AND (lease_until IS NULL OR lease_until <= ` + p(1) + `) AND endpoint IN (` + params(q.dialect, 2, n) + `))`
}

// DueArgs returns Due's parameters.
func DueArgs(d Dialect, endpoints []string, now time.Time) []any {
	if len(endpoints) == 0 {
		return nil
	}
	args := []any{d.Time(now)}
	for _, e := range endpoints {
		args = append(args, e)
	}
	return args
}

// Claimed returns the statement that reads n deliveries, by id, with
// their messages, earliest due first. (id 1 ... n) → DeliveryColumns
func (q OutboxQueries) Claimed(n int) string {
	return `SELECT ` + DeliveryColumns + deliveryFrom + ` WHERE d.id IN (` + params(q.dialect, 1, n) + `)
		ORDER BY d.next_at, d.id`
}

// ClaimArgs returns Claim's parameters.
func ClaimArgs(d Dialect, endpoints []string, now time.Time, lease time.Duration, limit int) []any {
	args := []any{d.Time(now), d.Time(now.Add(lease)), limit}
	for _, e := range endpoints {
		args = append(args, e)
	}
	return args
}

// params returns n placeholders from the from-th, comma-separated.
func params(d Dialect, from, n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = d.Param(from + i)
	}
	return strings.Join(ps, ", ")
}

// IDArgs returns ids as parameters.
func IDArgs(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

// MessageArgs returns Insert's parameters for m.
func MessageArgs(d Dialect, m vigil.WebhookMessage) []any {
	return []any{m.ID, m.Type, d.Time(m.Time), string(m.Data)}
}

// AttemptArgs returns the parameters of Delivered, Kill and (before next)
// Retry for attempt a on delivery id.
func AttemptArgs(d Dialect, id int64, a vigil.WebhookAttempt) []any {
	return []any{id, d.Time(a.At), a.Status, a.Error}
}

// UserData is the data of the messages about one user (see the types in
// package vigil): the fields a type does not use are left out.
type UserData struct {
	UserID     int64    `json:"user_id"`
	Username   string   `json:"username"`
	SessionIDs []string `json:"session_ids,omitempty"`
	Reason     string   `json:"reason,omitempty"`
	Change     string   `json:"change,omitempty"`
}

// DisabledType is the message type of setting a user's disabled flag to
// d: vigil.WebhookUserDisabled or vigil.WebhookUserEnabled.
func DisabledType(d bool) string {
	if d {
		return vigil.WebhookUserDisabled
	}
	return vigil.WebhookUserEnabled
}

// LockData is the data of a vigil.WebhookLoginLocked message.
type LockData struct {
	Username    string    `json:"username"`
	LockedUntil time.Time `json:"locked_until"`
}

// UserMessage returns a message of type typ at at about a user.
func UserMessage(typ string, at time.Time, data UserData) vigil.WebhookMessage {
	m, _ := vigil.NewWebhookMessage(typ, at, data) // UserData always marshals
	return m
}

// LockMessage returns the vigil.WebhookLoginLocked message for throttle
// key key if its update from old to st started or extended a lock: a
// "user:" key whose LockedUntil moved later. ok is false otherwise.
func LockMessage(key string, old, st vigil.ThrottleState, at time.Time) (m vigil.WebhookMessage, ok bool) {
	username, isUser := strings.CutPrefix(key, "user:")
	until := StoredTime(st.LockedUntil) // as stored, so that an unchanged lock compares equal
	if !isUser || !until.After(StoredTime(old.LockedUntil)) {
		return vigil.WebhookMessage{}, false
	}
	m, _ = vigil.NewWebhookMessage(vigil.WebhookLoginLocked, at, LockData{username, until})
	return m, true
}

// Delivery reads DeliveryColumns.
func (s Scan) Delivery(row Row) (vigil.WebhookDelivery, error) {
	var w vigil.WebhookDelivery
	var data string
	d := s.Dialect
	err := row.Scan(&w.ID, &w.Endpoint, d.TimeDest(&w.Since), &w.Attempts, d.TimeDest(&w.NextAt),
		d.TimeDest(&w.LastAt), &w.LastStatus, &w.LastError,
		&w.Message.ID, &w.Message.Type, d.TimeDest(&w.Message.Time), &data)
	w.Message.Data = []byte(data)
	return w, err
}
