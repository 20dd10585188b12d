package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auditlog"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

var _ auditlog.Store = (*Store)(nil)

// AppendEvent stores e, chained after the newest event (package auditlog),
// and sets e.ID and e.Seq. Ids grow with every append. The chain's sequence numbers
// have no gaps and follow the order of commits, from every instance: the
// transaction locks the chain's head row (FOR UPDATE) before it reads it,
// and a rollback leaves the head as it was. Appends made at once in this
// process share a transaction (sqlstore.AppendBatcher), so they do not
// queue behind each other's commits.
func (s *Store) AppendEvent(ctx context.Context, e *vigil.Event) error {
	return s.audit.Append(ctx, e, func(ctx context.Context, events []vigil.Event) error {
		return s.inTx(ctx, "append event", func(ctx context.Context, tx pgx.Tx) error {
			return chain(tx).AppendAll(ctx, events)
		})
	})
}

// Events returns the events f selects, each with its Seq, newest (highest
// id) first: Since is inclusive, Until exclusive, BeforeID selects ids
// below it. Limit 0 means 100 (sqlstore.DefaultEventLimit); a limit over
// 1000 (sqlstore.MaxEventLimit) is lowered to it.
func (s *Store) Events(ctx context.Context, f vigil.EventFilter) ([]vigil.Event, error) {
	query, args := sqlstore.EventsQuery(dialect{}, f)
	var list []vigil.Event
	err := s.run(ctx, "events", func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		list, err = collect(rows, scan.ListedEvent)
		return err
	})
	return list, err
}

// ReadAudit runs fn in a REPEATABLE READ, READ ONLY transaction: one
// snapshot, however long fn reads. It is not bounded by the store's call
// timeout (a verify or an export of millions of events takes a while);
// each statement still is, and the transaction may sit idle between them
// (a reader writing to a slow pipe) as long as ctx allows.
func (s *Store) ReadAudit(ctx context.Context, fn func(auditlog.Reader) error) error {
	const op = "read audit chain"
	if s.closed.Load() {
		return wrap(ctx, op, errClosed)
	}
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	err := pgx.BeginTxFunc(ctx, s.pool, opts, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL idle_in_transaction_session_timeout = 0`); err != nil {
			return err
		}
		return fn(chain(tx))
	})
	return wrap(ctx, op, err)
}

// WriteAudit runs fn in a transaction that first locks the chain's head
// row, as AppendEvent does: appends and other WriteAudit calls, from any
// instance, wait until it ends.
func (s *Store) WriteAudit(ctx context.Context, fn func(auditlog.Writer) error) error {
	return s.inTx(ctx, "write audit chain", func(ctx context.Context, tx pgx.Tx) error {
		c := chain(tx)
		if _, err := tx.Exec(ctx, `SELECT FROM audit_chain WHERE id = 1 FOR UPDATE`); err != nil {
			return err
		}
		return fn(c)
	})
}

// chain is the audit chain in tx, its head row locked by Append.
func chain(tx pgx.Tx) sqlstore.Chain {
	return sqlstore.Chain{D: dialect{}, Q: txQuerier{tx}, Lock: " FOR UPDATE", Bytes: "bytea"}
}

// afterMigration runs what a migration needs beyond its SQL, in its
// transaction: 0008 chains the events already in the log.
func afterMigration(ctx context.Context, tx pgx.Tx, version int) error {
	if version != 8 {
		return nil
	}
	_, err := chain(tx).ChainUnchained(ctx)
	return err
}

// txQuerier runs a Chain's statements in a transaction.
type txQuerier struct{ tx pgx.Tx }

func (q txQuerier) Query(ctx context.Context, query string, args ...any) (sqlstore.ClosingRows, error) {
	return q.tx.Query(ctx, query, args...)
}

func (q txQuerier) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return q.tx.QueryRow(ctx, query, args...)
}

func (q txQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := q.tx.Exec(ctx, query, args...)
	return tag.RowsAffected(), err
}
