package auditlog

import (
	"bufio"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/vigilauth/vigil"
)

// maxLine bounds one line of an export: an event's fields hold about
// 2 KiB, six times that escaped.
const maxLine = 1 << 20

// VerifyFile checks an export written by Export, JSON Lines or CSV (told
// apart by the first byte), in constant memory: each event's hash, its
// link to the one before (the first event's link is taken as given: the
// export starts there), no seq missing, and each checkpoint against the
// event before it and (with keys) its signature. A line that is not part
// of an export is a Problem; the error is a read error.
func VerifyFile(r io.Reader, keys Keyring) (*Report, error) {
	rep := &Report{File: true}
	w := newWalker(keys, rep)
	br := bufio.NewReaderSize(r, 64<<10)
	first, err := br.Peek(1)
	if err != nil && !errors.Is(err, io.EOF) {
		return rep, err
	}
	var src lineSource
	if len(first) > 0 && first[0] == '{' {
		sc := bufio.NewScanner(br)
		sc.Buffer(make([]byte, 64<<10), maxLine)
		src = &jsonSource{sc: sc}
	} else {
		cr := csv.NewReader(br)
		cr.FieldsPerRecord = len(csvHeader)
		cr.ReuseRecord = true
		src = &csvSource{r: cr}
	}
	for {
		rec, cp, err := src.next()
		if errors.Is(err, io.EOF) {
			return rep, nil
		}
		var bad *Problem
		if errors.As(err, &bad) {
			rep.Problem = bad
			return rep, nil
		}
		if err != nil {
			return rep, err
		}
		if rec != nil {
			rep.Problem = w.event(rec)
		} else {
			rep.Problem = w.checkpoint(cp)
		}
		if rep.Problem != nil {
			return rep, nil
		}
	}
}

// lineSource reads an export's lines: an event or a checkpoint each; a
// *Problem for a line that is neither; io.EOF at the end.
type lineSource interface {
	next() (*Record, *Checkpoint, error)
}

// fileLine is one line of either kind, as both formats carry it: an
// event's fields, and a checkpoint's key and signature.
type fileLine struct {
	eventLine
	KeyID     string `json:"key_id"`
	Signature string `json:"signature"`
}

// parse turns l, read at line n, into an event or a checkpoint.
func (l *fileLine) parse(n int) (*Record, *Checkpoint, error) {
	bad := func(format string, args ...any) error {
		return problem(l.Seq, "line %d is not part of an export: %s", n, fmt.Sprintf(format, args...))
	}
	if l.Seq <= 0 {
		return nil, nil, bad("no seq")
	}
	hash, err := ParseHash(l.Hash)
	if err != nil {
		return nil, nil, bad("%v", err)
	}
	var t time.Time
	if l.Time != nil && *l.Time != "" {
		if t, err = time.Parse(time.RFC3339Nano, *l.Time); err != nil {
			return nil, nil, bad("time %q: want RFC 3339", *l.Time)
		}
	}
	switch l.Type {
	case "event":
		prev, err := ParseHash(l.Prev)
		if err != nil {
			return nil, nil, bad("prev: %v", err)
		}
		return &Record{Seq: l.Seq, Prev: prev, Hash: hash, Event: vigil.Event{Time: t, Username: l.Username,
			Actor: l.Actor, Category: l.Category, Event: l.Event, Detail: l.Detail, IP: l.IP,
			UserAgent: l.UserAgent, SessionID: l.SessionID}}, nil, nil
	case "checkpoint":
		c := &Checkpoint{Seq: l.Seq, Hash: hash, Time: t, KeyID: l.KeyID}
		if l.Signature != "" {
			if c.Signature, err = base64.StdEncoding.DecodeString(l.Signature); err != nil {
				return nil, nil, bad("signature: not base64")
			}
		}
		if (c.KeyID == "") != (c.Signature == nil) {
			return nil, nil, bad("a key_id without a signature, or a signature without one")
		}
		return nil, c, nil
	}
	return nil, nil, bad("type %q: want event or checkpoint", l.Type)
}

type jsonSource struct {
	sc *bufio.Scanner
	n  int
}

func (s *jsonSource) next() (*Record, *Checkpoint, error) {
	for s.sc.Scan() {
		s.n++
		if len(s.sc.Bytes()) == 0 {
			continue
		}
		var l fileLine
		if err := json.Unmarshal(s.sc.Bytes(), &l); err != nil {
			return nil, nil, problem(0, "line %d is not part of an export: %v", s.n, err)
		}
		return l.parse(s.n)
	}
	if err := s.sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, nil, problem(0, "line %d is not part of an export: over %d bytes", s.n+1, maxLine)
		}
		return nil, nil, err
	}
	return nil, nil, io.EOF
}

type csvSource struct {
	r      *csv.Reader
	headed bool
}

func (s *csvSource) next() (*Record, *Checkpoint, error) {
	row, err := s.r.Read()
	var perr *csv.ParseError
	switch {
	case errors.Is(err, io.EOF):
		return nil, nil, io.EOF
	case errors.As(err, &perr):
		return nil, nil, problem(0, "line %d is not part of an export: %v", perr.StartLine, perr.Err)
	case err != nil:
		return nil, nil, err
	}
	if !s.headed {
		if !slices.Equal(row, csvHeader) {
			return nil, nil, problem(0, "line 1 is not the header of an export (%v)", csvHeader)
		}
		s.headed = true
		return s.next()
	}
	line, _ := s.r.FieldPos(0)
	for i := range row {
		row[i] = fromSpreadsheet(row[i])
	}
	seq, err := strconv.ParseInt(row[1], 10, 64)
	if err != nil {
		return nil, nil, problem(0, "line %d is not part of an export: seq %q", line, row[1])
	}
	l := fileLine{eventLine: eventLine{Type: row[0], Seq: seq, Prev: row[2], Hash: row[3], Time: &row[4],
		Username: row[5], Actor: row[6], Category: row[7], Event: row[8], Detail: row[9], IP: row[10],
		UserAgent: row[11], SessionID: row[12]}, KeyID: row[13], Signature: row[14]}
	return l.parse(line)
}
