package sqlite

import (
	"context"
	"database/sql"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auditlog"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

var _ auditlog.Store = (*Store)(nil)

// AppendEvent stores e, chained after the newest event (package auditlog),
// and sets e.ID and e.Seq. Ids grow with every append; so do the chain's sequence
// numbers, with no gaps: appends take SQLite's one write lock. Appends
// made at once share a transaction (sqlstore.AppendBatcher).
func (s *Store) AppendEvent(ctx context.Context, e *vigil.Event) error {
	return s.audit.Append(ctx, e, func(ctx context.Context, events []vigil.Event) error {
		return s.inTx(ctx, "append event", func(tx *sql.Tx) error {
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
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrap(ctx, "events", err)
	}
	list, err := collect(rows, scan.ListedEvent)
	return list, wrap(ctx, "events", err)
}

// ReadAudit runs fn in a read transaction: one snapshot of the file (WAL
// mode), which writers do not wait for.
func (s *Store) ReadAudit(ctx context.Context, fn func(auditlog.Reader) error) error {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return wrap(ctx, "read audit chain", err)
	}
	defer tx.Rollback()
	return wrap(ctx, "read audit chain", fn(chain(tx)))
}

// WriteAudit runs fn in a write transaction, which holds SQLite's write
// lock: no event is appended meanwhile.
func (s *Store) WriteAudit(ctx context.Context, fn func(auditlog.Writer) error) error {
	return s.inTx(ctx, "write audit chain", func(tx *sql.Tx) error { return fn(chain(tx)) })
}

// chain is the audit chain in tx.
func chain(tx *sql.Tx) sqlstore.Chain { return sqlstore.Chain{D: dialect{}, Q: txQuerier{tx}} }

// afterMigration runs what a migration needs beyond its SQL, in its
// transaction: 0008 chains the events already in the log.
func afterMigration(tx *sql.Tx, version int) error {
	if version != 8 {
		return nil
	}
	_, err := chain(tx).ChainUnchained(context.Background())
	return err
}

// txQuerier runs a Chain's statements in a transaction.
type txQuerier struct{ tx *sql.Tx }

func (q txQuerier) Query(ctx context.Context, query string, args ...any) (sqlstore.ClosingRows, error) {
	rows, err := q.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return closingRows{rows}, nil
}

func (q txQuerier) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return q.tx.QueryRowContext(ctx, query, args...)
}

func (q txQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := q.tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// closingRows are *sql.Rows closed without an error to return.
type closingRows struct{ *sql.Rows }

func (r closingRows) Close() { r.Rows.Close() }
