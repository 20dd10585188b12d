package auditlog

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Format is an export's file format.
type Format string

// The export formats (SPEC §6: vigil audit export --format jsonl|csv).
const (
	// JSONL is one JSON object a line: each event with its seq, prev and
	// hash, each checkpoint after the event it names. VerifyFile checks it
	// exactly.
	JSONL Format = "jsonl"
	// CSV is the same rows for a spreadsheet, every cell that a
	// spreadsheet could take for a formula prefixed with "'".
	CSV Format = "csv"
)

// ParseFormat returns the format named s.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case JSONL, CSV:
		return f, nil
	}
	return "", fmt.Errorf("unknown export format %q: want jsonl or csv", s)
}

// timeLayout is how exports write times: UTC, always six digits of
// fraction, so that the microseconds the hash covers are all there.
const timeLayout = "2006-01-02T15:04:05.000000Z07:00"

// ExportStats says what an export wrote.
type ExportStats struct {
	First, Last, Events int64 // the events' first and last seq, and how many
	Checkpoints         int
}

// Export writes to w, in format f, the run of the chain from the first
// event at or after since to the last one before until (zero times: no
// bound), with the checkpoints that name its events, each after its event.
// The run is contiguous in seq, so that it can be verified: clocks of
// several instances may disagree a little, so an event near either end may
// be a little outside the times asked. It reads one snapshot, a page at a
// time: memory stays the same whatever the number of events.
func Export(ctx context.Context, s Store, w io.Writer, f Format, since, until time.Time) (ExportStats, error) {
	var st ExportStats
	bw := bufio.NewWriterSize(w, 64<<10)
	out := newExportWriter(bw, f)
	err := s.ReadAudit(ctx, func(r Reader) error {
		lo, hi, err := r.SeqRange(ctx, since, until)
		if err != nil || lo == 0 || hi < lo {
			return err
		}
		events := newPager(func(after int64) ([]Record, error) { return r.Records(ctx, after, pageSize) },
			func(r *Record) int64 { return r.Seq })
		events.after = lo - 1
		cps := newCheckpoints(ctx, r, lo-1)
		return exportRun(out, events, cps, hi, &st)
	})
	if err == nil {
		err = out.flush()
	}
	if err == nil {
		err = bw.Flush()
	}
	return st, err
}

// exportRun writes the events of events up to seq hi, each followed by
// its checkpoints.
func exportRun(out exportWriter, events *pager[Record], cps *pager[Checkpoint], hi int64, st *ExportStats) error {
	for {
		rec, err := events.peek()
		if err != nil || rec == nil || rec.Seq > hi {
			return err
		}
		events.pop()
		if err := out.event(rec); err != nil {
			return err
		}
		if st.Events == 0 {
			st.First = rec.Seq
		}
		st.Events++
		st.Last = rec.Seq
		for {
			c, err := cps.peek()
			if err != nil || c == nil || c.Seq > rec.Seq {
				if err != nil {
					return err
				}
				break
			}
			cps.pop()
			if err := out.checkpoint(c); err != nil {
				return err
			}
			st.Checkpoints++
		}
	}
}

// exportWriter writes one format.
type exportWriter interface {
	event(*Record) error
	checkpoint(*Checkpoint) error
	flush() error
}

func newExportWriter(w io.Writer, f Format) exportWriter {
	if f == CSV {
		c := csv.NewWriter(w)
		return &csvWriter{w: c}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return jsonWriter{enc}
}

// eventLine is an event's line in JSONL.
type eventLine struct {
	Type      string  `json:"type"` // "event"
	Seq       int64   `json:"seq"`
	Prev      string  `json:"prev"`
	Hash      string  `json:"hash"`
	Time      *string `json:"time"`
	Username  string  `json:"username"`
	Actor     string  `json:"actor"`
	Category  string  `json:"category"`
	Event     string  `json:"event"`
	Detail    string  `json:"detail"`
	IP        string  `json:"ip"`
	UserAgent string  `json:"user_agent"`
	SessionID string  `json:"session_id"`
}

// checkpointLine is a checkpoint's line in JSONL.
type checkpointLine struct {
	Type      string `json:"type"` // "checkpoint"
	Seq       int64  `json:"seq"`
	Hash      string `json:"hash"`
	Time      string `json:"time"`
	KeyID     string `json:"key_id"`
	Signature string `json:"signature"` // base64; "" when unsigned
}

type jsonWriter struct{ enc *json.Encoder }

func (j jsonWriter) event(r *Record) error {
	e := &r.Event
	return j.enc.Encode(eventLine{Type: "event", Seq: r.Seq, Prev: r.Prev.String(), Hash: r.Hash.String(),
		Time: timeText(e.Time), Username: e.Username, Actor: e.Actor, Category: e.Category, Event: e.Event,
		Detail: e.Detail, IP: e.IP, UserAgent: e.UserAgent, SessionID: e.SessionID})
}

func (j jsonWriter) checkpoint(c *Checkpoint) error {
	return j.enc.Encode(checkpointLine{Type: "checkpoint", Seq: c.Seq, Hash: c.Hash.String(),
		Time: timeString(c.Time), KeyID: c.KeyID, Signature: base64.StdEncoding.EncodeToString(c.Signature)})
}

func (jsonWriter) flush() error { return nil }

// timeText formats t for an export; nil for the zero time.
func timeText(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := timeString(t)
	return &s
}

// timeString formats t for an export; "" for the zero time.
func timeString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

// csvHeader names the CSV columns; a row is an event or a checkpoint, by
// its type, and leaves the other's columns empty.
var csvHeader = []string{"type", "seq", "prev", "hash", "time", "username", "actor", "category", "event",
	"detail", "ip", "user_agent", "session_id", "key_id", "signature"}

type csvWriter struct {
	w      *csv.Writer
	headed bool
}

func (c *csvWriter) row(cells []string) error {
	if !c.headed {
		c.headed = true
		if err := c.w.Write(csvHeader); err != nil {
			return err
		}
	}
	for i, s := range cells {
		cells[i] = SpreadsheetSafe(s)
	}
	return c.w.Write(cells)
}

func (c *csvWriter) event(r *Record) error {
	e := &r.Event
	return c.row([]string{"event", strconv.FormatInt(r.Seq, 10), r.Prev.String(), r.Hash.String(), timeString(e.Time),
		e.Username, e.Actor, e.Category, e.Event, e.Detail, e.IP, e.UserAgent, e.SessionID, "", ""})
}

func (c *csvWriter) checkpoint(cp *Checkpoint) error {
	return c.row([]string{"checkpoint", strconv.FormatInt(cp.Seq, 10), "", cp.Hash.String(), timeString(cp.Time),
		"", "", "", "", "", "", "", "", cp.KeyID, base64.StdEncoding.EncodeToString(cp.Signature)})
}

func (c *csvWriter) flush() error {
	if !c.headed {
		c.headed = true
		c.w.Write(csvHeader)
	}
	c.w.Flush()
	return c.w.Error()
}

// SpreadsheetSafe returns s as a CSV cell a spreadsheet shows as text: a
// cell starting with = + - @, a tab or a carriage return would be taken
// for a formula (CSV injection, OWASP), so it gets a leading "'"; so does
// one that starts with "'" already, so that unescaping (dropping one
// leading "'") gives every value back exactly.
func SpreadsheetSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r'", rune(s[0])) {
		return "'" + s
	}
	return s
}

// fromSpreadsheet undoes SpreadsheetSafe.
func fromSpreadsheet(s string) string { return strings.TrimPrefix(s, "'") }
