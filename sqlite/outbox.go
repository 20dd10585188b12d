package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

var _ vigil.WebhookOutbox = (*Store)(nil)

// outboxSQL is vigil.WebhookOutbox's statements in SQLite's dialect. No
// row locks: the write connection runs one transaction at a time. An
// unfanned message is "fanned_out = 0", the term of the partial index
// webhook_messages_unfanned (migration 0012).
var outboxSQL = sqlstore.NewOutboxQueries(dialect{}, "", "fanned_out = 0")

// fanOutBatch is how many messages one claim fans out at most.
const fanOutBatch = 100

// writeWebhook adds m to the outbox within tx.
func writeWebhook(ctx context.Context, tx *sql.Tx, m vigil.WebhookMessage) error {
	_, err := tx.ExecContext(ctx, outboxSQL.Insert, sqlstore.MessageArgs(dialect{}, m)...)
	return err
}

// writeUserWebhook adds a message of type typ about the user to the
// outbox within tx, reading the username there.
func writeUserWebhook(ctx context.Context, tx *sql.Tx, typ string, at time.Time, data sqlstore.UserData) error {
	if err := tx.QueryRowContext(ctx, outboxSQL.Username, data.UserID).Scan(&data.Username); err != nil {
		return err
	}
	return writeWebhook(ctx, tx, sqlstore.UserMessage(typ, at, data))
}

// ClaimWebhooks fans out and leases due deliveries in one write
// transaction: SQLite runs one at a time, so no two claimers see the same
// delivery unleased. A read first tells whether there is anything to do,
// so that an idle worker's polls never take the write lock from requests.
func (s *Store) ClaimWebhooks(ctx context.Context, endpoints []string, now time.Time, lease time.Duration, limit int) ([]vigil.WebhookDelivery, error) {
	var due bool
	if err := s.read.QueryRowContext(ctx, outboxSQL.Due(len(endpoints)), sqlstore.DueArgs(dialect{}, endpoints, now)...).Scan(&due); err != nil || !due {
		return nil, wrap(ctx, "claim webhooks", err)
	}
	var claimed []vigil.WebhookDelivery
	err := s.inTx(ctx, "claim webhooks", func(tx *sql.Tx) error {
		if err := fanOut(ctx, tx, endpoints); err != nil {
			return err
		}
		if limit <= 0 || len(endpoints) == 0 {
			return nil
		}
		rows, err := tx.QueryContext(ctx, outboxSQL.Claim(len(endpoints)), sqlstore.ClaimArgs(dialect{}, endpoints, now, lease, limit)...)
		if err != nil {
			return err
		}
		ids, err := collect(rows, scanInt64)
		if err != nil || len(ids) == 0 {
			return err
		}
		rows, err = tx.QueryContext(ctx, outboxSQL.Claimed(len(ids)), sqlstore.IDArgs(ids)...)
		if err != nil {
			return err
		}
		claimed, err = collect(rows, scan.Delivery)
		return err
	})
	return claimed, err
}

// fanOut makes one delivery per endpoint of each message not yet fanned
// out (up to fanOutBatch), due at the message's time.
func fanOut(ctx context.Context, tx *sql.Tx, endpoints []string) error {
	rows, err := tx.QueryContext(ctx, outboxSQL.Unfanned, fanOutBatch)
	if err != nil {
		return err
	}
	type unfanned struct {
		id string
		at time.Time
	}
	msgs, err := collect(rows, func(r sqlstore.Row) (m unfanned, err error) {
		return m, r.Scan(&m.id, timeCol{&m.at})
	})
	if err != nil {
		return err
	}
	for _, m := range msgs {
		for _, e := range endpoints {
			if _, err := tx.ExecContext(ctx, outboxSQL.Fan, m.id, e, dbTime(m.at)); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, outboxSQL.MarkFanned, m.id); err != nil {
			return err
		}
	}
	return nil
}

// scanInt64 reads one INTEGER column.
func scanInt64(row sqlstore.Row) (int64, error) {
	var v int64
	err := row.Scan(&v)
	return v, err
}

// WebhookDelivered marks a pending delivery delivered. ErrNotFound if it
// is not pending.
func (s *Store) WebhookDelivered(ctx context.Context, id int64, a vigil.WebhookAttempt) error {
	return s.updateUser(ctx, "webhook delivered", outboxSQL.Delivered, sqlstore.AttemptArgs(dialect{}, id, a)...)
}

// RetryWebhook records a failed attempt and when to try again.
// ErrNotFound if the delivery is not pending.
func (s *Store) RetryWebhook(ctx context.Context, id int64, a vigil.WebhookAttempt, next time.Time) error {
	args := append(sqlstore.AttemptArgs(dialect{}, id, a), dbTime(next))
	return s.updateUser(ctx, "retry webhook", outboxSQL.Retry, args...)
}

// KillWebhook records a failed attempt and gives the delivery up.
// ErrNotFound if it is not pending.
func (s *Store) KillWebhook(ctx context.Context, id int64, a vigil.WebhookAttempt) error {
	return s.updateUser(ctx, "kill webhook", outboxSQL.Kill, sqlstore.AttemptArgs(dialect{}, id, a)...)
}

// DeadWebhooks returns up to limit dead deliveries, the latest first.
func (s *Store) DeadWebhooks(ctx context.Context, limit int) ([]vigil.WebhookDelivery, error) {
	list, err := queryAll(ctx, s.read, outboxSQL.Dead, max(limit, 0), scan.Delivery)
	return list, wrap(ctx, "dead webhooks", err)
}

// CountWebhooks counts pending and dead deliveries.
func (s *Store) CountWebhooks(ctx context.Context) (vigil.WebhookCounts, error) {
	var c vigil.WebhookCounts
	err := s.read.QueryRowContext(ctx, outboxSQL.Count).Scan(&c.Pending, &c.Dead)
	return c, wrap(ctx, "count webhooks", err)
}

// ReviveWebhook makes a dead delivery pending again, due at now.
// ErrNotFound if it is not dead.
func (s *Store) ReviveWebhook(ctx context.Context, id int64, now time.Time) error {
	return s.updateUser(ctx, "revive webhook", outboxSQL.Revive, id, dbTime(now))
}

// DeleteWebhooksBefore deletes finished and abandoned deliveries, then
// messages left with none, up to limit rows in all.
func (s *Store) DeleteWebhooksBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	n, err := s.deleteLimited(ctx, "delete old webhook deliveries", outboxSQL.DeleteDeliveries, before, limit)
	if err != nil {
		return n, err
	}
	m, err := s.deleteLimited(ctx, "delete old webhook messages", outboxSQL.DeleteMessages, before, limit-n)
	return n + m, err
}
