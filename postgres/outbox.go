package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

var _ vigil.WebhookOutbox = (*Store)(nil)

// outboxSQL is vigil.WebhookOutbox's statements in PostgreSQL's dialect.
// A claimer locks the rows it takes with SKIP LOCKED, so that concurrent
// claimers, on any instance, pass each other's rows by instead of waiting
// for them or taking them twice (PostgreSQL docs, SELECT: "The Locking
// Clause", queue-like tables).
// An unfanned message is "NOT fanned_out", the predicate of the partial
// index webhook_messages_unfanned (migration 0012).
var outboxSQL = sqlstore.NewOutboxQueries(dialect{}, "FOR UPDATE SKIP LOCKED", "NOT fanned_out")

// fanOutBatch is how many messages one claim fans out at most.
const fanOutBatch = 100

// writeWebhook adds m to the outbox within tx.
func writeWebhook(ctx context.Context, tx pgx.Tx, m vigil.WebhookMessage) error {
	_, err := tx.Exec(ctx, outboxSQL.Insert, sqlstore.MessageArgs(dialect{}, m)...)
	return err
}

// writeUserWebhook adds a message of type typ about the user to the
// outbox within tx, reading the username there.
func writeUserWebhook(ctx context.Context, tx pgx.Tx, typ string, at time.Time, data sqlstore.UserData) error {
	if err := tx.QueryRow(ctx, outboxSQL.Username, data.UserID).Scan(&data.Username); err != nil {
		return err
	}
	return writeWebhook(ctx, tx, sqlstore.UserMessage(typ, at, data))
}

// writeMFAWebhook adds the vigil.WebhookMFAChanged message of change to
// the outbox within tx.
func writeMFAWebhook(ctx context.Context, tx pgx.Tx, userID int64, change string, at time.Time) error {
	return writeUserWebhook(ctx, tx, vigil.WebhookMFAChanged, at, sqlstore.UserData{UserID: userID, Change: change})
}

// ClaimWebhooks fans out and leases due deliveries in one transaction.
// Both steps lock the rows they take with SKIP LOCKED, and recheck under
// the lock that the row is still unfanned, or pending and unleased (READ
// COMMITTED re-evaluates the WHERE on the latest version of a locked
// row), so two claimers never take one row.
func (s *Store) ClaimWebhooks(ctx context.Context, endpoints []string, now time.Time, lease time.Duration, limit int) ([]vigil.WebhookDelivery, error) {
	var claimed []vigil.WebhookDelivery
	err := s.inTx(ctx, "claim webhooks", func(ctx context.Context, tx pgx.Tx) error {
		if err := fanOut(ctx, tx, endpoints); err != nil {
			return err
		}
		if limit <= 0 || len(endpoints) == 0 {
			return nil
		}
		rows, err := tx.Query(ctx, outboxSQL.Claim(len(endpoints)), sqlstore.ClaimArgs(dialect{}, endpoints, now, lease, limit)...)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil || len(ids) == 0 {
			return err
		}
		rows, err = tx.Query(ctx, outboxSQL.Claimed(len(ids)), sqlstore.IDArgs(ids)...)
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
func fanOut(ctx context.Context, tx pgx.Tx, endpoints []string) error {
	rows, err := tx.Query(ctx, outboxSQL.Unfanned, fanOutBatch)
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
	if err != nil || len(msgs) == 0 {
		return err
	}
	var b pgx.Batch
	for _, m := range msgs {
		for _, e := range endpoints {
			b.Queue(outboxSQL.Fan, m.id, e, m.at)
		}
		b.Queue(outboxSQL.MarkFanned, m.id)
	}
	return tx.SendBatch(ctx, &b).Close()
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
	var list []vigil.WebhookDelivery
	err := s.run(ctx, "dead webhooks", func(ctx context.Context) (err error) {
		list, err = queryAll(ctx, s.pool, outboxSQL.Dead, max(limit, 0), scan.Delivery)
		return err
	})
	return list, err
}

// CountWebhooks counts pending and dead deliveries.
func (s *Store) CountWebhooks(ctx context.Context) (vigil.WebhookCounts, error) {
	var c vigil.WebhookCounts
	err := s.run(ctx, "count webhooks", func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, outboxSQL.Count).Scan(&c.Pending, &c.Dead)
	})
	return c, err
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
