package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auditlog"
)

// Querier runs statements in one transaction of a store: its *sql.Tx or
// pgx.Tx, adapted.
type Querier interface {
	// Query runs a query; the caller closes the rows.
	Query(ctx context.Context, query string, args ...any) (ClosingRows, error)
	// QueryRow runs a query that returns one row.
	QueryRow(ctx context.Context, query string, args ...any) Row
	// Exec runs a statement and returns how many rows it changed.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
}

// ClosingRows are Rows the reader must close.
type ClosingRows interface {
	Rows
	Close()
}

// Chain is the audit chain (package auditlog) in one transaction of a
// SQL store: the same statements in both stores, in their dialect. It is
// an auditlog.Writer; its Append is AppendEvent's body.
type Chain struct {
	D Dialect
	Q Querier
	// Lock is what the store adds to the head's SELECT to hold the row
	// until the transaction ends (" FOR UPDATE" in PostgreSQL); SQLite's
	// write transaction holds the whole database already.
	Lock string
	// Bytes is the SQL type of a byte string for migration 0008 to update
	// a batch of rows in one statement ("bytea" in PostgreSQL); "" updates
	// them one by one (SQLite).
	Bytes string
}

var _ auditlog.Writer = Chain{}

// RecordColumns are the columns of a chained event, in the order
// Chain.scanRecord reads them.
const RecordColumns = EventColumns + `, seq, prev_hash, hash`

// checkpointColumns are the columns of a checkpoint, in the order
// scanCheckpoint reads them.
const checkpointColumns = `seq, hash, time, key_id, signature`

// Head returns the head row.
func (c Chain) Head(ctx context.Context) (auditlog.Head, error) {
	return c.head(ctx, "")
}

// head reads the head row with suffix after the SELECT.
func (c Chain) head(ctx context.Context, suffix string) (auditlog.Head, error) {
	var h auditlog.Head
	err := c.Q.QueryRow(ctx, `SELECT seq, hash, pruned_through FROM audit_chain WHERE id = 1`+suffix).
		Scan(&h.Seq, c.D.HashDest((*vigil.TokenHash)(&h.Hash)), &h.PrunedThrough)
	return h, err
}

// Append chains e after the head, stores it, sets e.ID and e.Seq and
// moves the head to it. The head row stays locked (c.Lock) until the transaction ends,
// so appends from every instance form one chain, in the database's order.
func (c Chain) Append(ctx context.Context, e *vigil.Event) error {
	one := []vigil.Event{*e}
	err := c.AppendAll(ctx, one)
	e.ID, e.Seq = one[0].ID, one[0].Seq
	return err
}

// appendChunk is how many events one INSERT of AppendAll carries: 12
// parameters each, well under both databases' limits on parameters.
const appendChunk = 500

// AppendAll chains events after the head, in their order, stores them,
// sets their IDs and Seqs and moves the head past them: what Append does for one,
// in a few statements however many there are (a user import's events).
func (c Chain) AppendAll(ctx context.Context, events []vigil.Event) error {
	if len(events) == 0 {
		return nil
	}
	h, err := c.head(ctx, c.Lock)
	if err != nil {
		return err
	}
	first := h.Seq + 1
	for start := 0; start < len(events); start += appendChunk {
		chunk := events[start:min(start+appendChunk, len(events))]
		var rows []string
		var args []any
		for i := range chunk {
			r := auditlog.Next(h, chunk[i])
			h.Seq, h.Hash = r.Seq, r.Hash
			ev := &r.Event
			n := len(args)
			args = append(args, c.D.Time(ev.Time), ev.Username, ev.Actor, ev.Category, ev.Event, ev.Detail, ev.IP,
				ev.UserAgent, ev.SessionID, r.Seq, r.Prev[:], r.Hash[:])
			ps := make([]string, len(args)-n)
			for j := range ps {
				ps[j] = c.D.Param(n + j + 1)
			}
			rows = append(rows, "("+strings.Join(ps, ", ")+")")
		}
		q := `INSERT INTO audit_events (time, username, actor, category, event, detail, ip, user_agent,
			session_id, seq, prev_hash, hash) VALUES ` + strings.Join(rows, ", ") + ` RETURNING id, seq`
		if err := c.setIDs(ctx, events, first, q, args); err != nil {
			return err
		}
	}
	return c.setHead(ctx, h.Seq, h.Hash)
}

// setIDs runs an INSERT ... RETURNING id, seq and sets the ID and Seq of
// the event at index seq-first of events.
func (c Chain) setIDs(ctx context.Context, events []vigil.Event, first int64, q string, args []any) error {
	rows, err := c.Q.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, seq int64
		if err := rows.Scan(&id, &seq); err != nil {
			return err
		}
		events[seq-first].ID, events[seq-first].Seq = id, seq
	}
	return rows.Err()
}

// setHead moves the head to seq and hash.
func (c Chain) setHead(ctx context.Context, seq int64, hash auditlog.Hash) error {
	_, err := c.Q.Exec(ctx, `UPDATE audit_chain SET seq = `+c.D.Param(1)+`, hash = `+c.D.Param(2)+` WHERE id = 1`, seq, hash[:])
	return err
}

// Records returns up to limit events with seq > after, in seq order.
func (c Chain) Records(ctx context.Context, after int64, limit int) ([]auditlog.Record, error) {
	return queryAll(ctx, c.Q, c.scanRecord, `SELECT `+RecordColumns+` FROM audit_events WHERE seq > `+c.D.Param(1)+
		` ORDER BY seq LIMIT `+c.D.Param(2), after, limit)
}

// Checkpoints returns up to limit checkpoints with seq > after, in seq
// order.
func (c Chain) Checkpoints(ctx context.Context, after int64, limit int) ([]auditlog.Checkpoint, error) {
	return queryAll(ctx, c.Q, c.scanCheckpoint, `SELECT `+checkpointColumns+` FROM audit_checkpoints WHERE seq > `+
		c.D.Param(1)+` ORDER BY seq LIMIT `+c.D.Param(2), after, limit)
}

// LastCheckpoint returns the checkpoint with the highest seq.
func (c Chain) LastCheckpoint(ctx context.Context) (auditlog.Checkpoint, bool, error) {
	list, err := queryAll(ctx, c.Q, c.scanCheckpoint, `SELECT `+checkpointColumns+` FROM audit_checkpoints ORDER BY seq DESC LIMIT 1`)
	if err != nil || len(list) == 0 {
		return auditlog.Checkpoint{}, false, err
	}
	return list[0], true, nil
}

// Unchained counts the events without a seq.
func (c Chain) Unchained(ctx context.Context) (n, firstID int64, err error) {
	err = c.Q.QueryRow(ctx, `SELECT count(*), coalesce(min(id), 0) FROM audit_events WHERE seq IS NULL`).Scan(&n, &firstID)
	return n, firstID, err
}

// SeqRange returns the lowest seq at or after since and the highest
// before until.
func (c Chain) SeqRange(ctx context.Context, since, until time.Time) (lo, hi int64, err error) {
	var args []any
	bound := func(agg, cond string, t time.Time) string {
		q := `(SELECT coalesce(` + agg + `(seq), 0) FROM audit_events WHERE seq IS NOT NULL`
		if !t.IsZero() {
			args = append(args, c.D.Time(t))
			q += ` AND time ` + cond + ` ` + c.D.Param(len(args))
		}
		return q + `)`
	}
	q := `SELECT ` + bound("min", ">=", since) + `, ` + bound("max", "<", until)
	err = c.Q.QueryRow(ctx, q, args...).Scan(&lo, &hi)
	return lo, hi, err
}

// AddCheckpoint stores cp.
func (c Chain) AddCheckpoint(ctx context.Context, cp auditlog.Checkpoint) error {
	_, err := c.Q.Exec(ctx, `INSERT INTO audit_checkpoints (`+checkpointColumns+`) VALUES (`+
		c.params(5)+`)`, cp.Seq, cp.Hash[:], c.D.Time(cp.Time), cp.KeyID, cp.Signature)
	return err
}

// Prune deletes the events through seq through and the checkpoints before
// it, and records where the chain now begins.
func (c Chain) Prune(ctx context.Context, through int64) (int64, error) {
	n, err := c.Q.Exec(ctx, `DELETE FROM audit_events WHERE seq <= `+c.D.Param(1), through)
	if err != nil {
		return 0, err
	}
	if _, err := c.Q.Exec(ctx, `DELETE FROM audit_checkpoints WHERE seq < `+c.D.Param(1), through); err != nil {
		return 0, err
	}
	_, err = c.Q.Exec(ctx, `UPDATE audit_chain SET pruned_through = `+c.D.Param(1)+` WHERE id = 1`, through)
	return n, err
}

// ChainUnchained gives every event without a seq its place after the
// head, in id order, and moves the head: migration 0008 runs it on the
// events of a database from before the chain. It returns how many it
// chained.
func (c Chain) ChainUnchained(ctx context.Context) (int64, error) {
	h, err := c.head(ctx, c.Lock)
	if err != nil {
		return 0, err
	}
	const batch = 1000
	var n, afterID int64
	for {
		es, err := queryAll(ctx, c.Q, Scan{c.D}.Event, `SELECT `+EventColumns+` FROM audit_events WHERE seq IS NULL AND id > `+
			c.D.Param(1)+` ORDER BY id LIMIT `+c.D.Param(2), afterID, batch)
		if err != nil || len(es) == 0 {
			if err == nil {
				err = c.setHead(ctx, h.Seq, h.Hash)
			}
			return n, err
		}
		links := make([]auditlog.Record, len(es))
		for i, e := range es {
			links[i] = auditlog.Next(h, e)
			h.Seq, h.Hash, afterID = links[i].Seq, links[i].Hash, e.ID
		}
		if err := c.link(ctx, links); err != nil {
			return n, err
		}
		n += int64(len(es))
	}
}

// link stores the seq, prev_hash and hash of each record's event (by its
// ID): in one UPDATE when c.Bytes is set (a round trip per row would take
// PostgreSQL minutes for millions), else one UPDATE per row (SQLite's
// planner scans the table for an UPDATE ... FROM, and its statements cost
// no round trip).
func (c Chain) link(ctx context.Context, links []auditlog.Record) error {
	if c.Bytes == "" {
		for _, r := range links {
			if _, err := c.Q.Exec(ctx, `UPDATE audit_events SET seq = `+c.D.Param(1)+`, prev_hash = `+c.D.Param(2)+
				`, hash = `+c.D.Param(3)+` WHERE id = `+c.D.Param(4), r.Seq, r.Prev[:], r.Hash[:], r.ID); err != nil {
				return err
			}
		}
		return nil
	}
	rows := make([]string, len(links))
	args := make([]any, 0, 4*len(links))
	for i, r := range links {
		args = append(args, r.ID, r.Seq, r.Prev[:], r.Hash[:])
		k := len(args)
		rows[i] = fmt.Sprintf("(CAST(%s AS BIGINT), CAST(%s AS BIGINT), CAST(%s AS %s), CAST(%s AS %s))",
			c.D.Param(k-3), c.D.Param(k-2), c.D.Param(k-1), c.Bytes, c.D.Param(k), c.Bytes)
	}
	// VALUES names its columns column1, column2...
	_, err := c.Q.Exec(ctx, `UPDATE audit_events SET seq = v.column2, prev_hash = v.column3, hash = v.column4
		FROM (VALUES `+strings.Join(rows, ", ")+`) AS v WHERE audit_events.id = v.column1`, args...)
	return err
}

// scanRecord reads RecordColumns.
func (c Chain) scanRecord(row Row) (auditlog.Record, error) {
	var r auditlog.Record
	e := &r.Event
	err := row.Scan(&e.ID, c.D.TimeDest(&e.Time), &e.Username, &e.Actor, &e.Category, &e.Event,
		&e.Detail, &e.IP, &e.UserAgent, &e.SessionID, &r.Seq,
		c.D.HashDest((*vigil.TokenHash)(&r.Prev)), c.D.HashDest((*vigil.TokenHash)(&r.Hash)))
	e.Seq = r.Seq
	return r, err
}

// scanCheckpoint reads checkpointColumns.
func (c Chain) scanCheckpoint(row Row) (auditlog.Checkpoint, error) {
	var cp auditlog.Checkpoint
	err := row.Scan(&cp.Seq, c.D.HashDest((*vigil.TokenHash)(&cp.Hash)), c.D.TimeDest(&cp.Time), &cp.KeyID, &cp.Signature)
	if len(cp.Signature) == 0 {
		cp.Signature = nil
	}
	return cp, err
}

// params returns n parameters separated by commas.
func (c Chain) params(n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = c.D.Param(i + 1)
	}
	return strings.Join(ps, ", ")
}

// queryAll runs query on q and scans every row with scan.
func queryAll[T any](ctx context.Context, q Querier, scan func(Row) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return Collect(rows, scan)
}
