package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// The files vigil user import reads: JSON Lines or CSV with a header, in
// UTF-8, one user a line (SPEC §6).

// importColumns are the fields of a user in an import file.
var importColumns = []string{"username", "role", "clinician_id", "email", "display_name", "password_hash"}

// maxImportLine bounds one line of an import file, in bytes, its line
// ending not counted: ample for the longest valid user (a 1,024-byte
// hash, a 254-byte email, 128 characters of name), small enough that a
// file without line breaks cannot fill the memory.
const maxImportLine = 16 << 10

// importRecord is one line of an import file that holds a user: its
// number (counted from 1, blank lines and the header included), its
// fields by column (missing ones empty), and what kept it from being
// read, if anything.
type importRecord struct {
	line     int
	fields   map[string]string
	problems []string
}

// recordReader reads the records of an import file one at a time. next
// returns io.EOF after the last; any other error is the file's (it cannot
// be read, or it is not a file of its format at all) and ends the import.
type recordReader interface {
	next() (importRecord, error)
}

// fileError is a problem with the file as a whole: a usage error (exit 2),
// nothing is imported.
func fileError(format string, args ...any) error {
	return usagef("user import: "+format, args...)
}

// lineReader splits a file into lines, LF or CRLF, bounded by
// maxImportLine; a UTF-8 byte order mark at its start is dropped.
type lineReader struct {
	r *bufio.Reader
	n int
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, maxImportLine+len("\r\n"))}
}

// next returns the next line without its line ending and its number, or
// io.EOF after the last. A line over maxImportLine comes back with
// tooLong set and no text, the rest of it read and dropped.
func (l *lineReader) next() (line []byte, num int, tooLong bool, err error) {
	if l.n == 0 {
		if head, _ := l.r.Peek(3); bytes.HasPrefix(head, []byte("\xff\xfe")) || bytes.HasPrefix(head, []byte("\xfe\xff")) {
			return nil, 0, false, fileError("the file is UTF-16; save it as UTF-8 (iconv -f UTF-16 -t UTF-8)")
		} else if bytes.Equal(head, []byte("\xef\xbb\xbf")) {
			l.r.Discard(3)
		}
	}
	for {
		chunk, err := l.r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			tooLong = true
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, 0, false, fileError("read: %v", err)
		}
		if len(chunk) == 0 && err != nil && !tooLong {
			return nil, 0, false, io.EOF
		}
		l.n++
		chunk = bytes.TrimSuffix(bytes.TrimSuffix(chunk, []byte("\n")), []byte("\r"))
		if tooLong || len(chunk) > maxImportLine {
			return nil, l.n, true, nil
		}
		return chunk, l.n, false, nil
	}
}

// nextText returns the next line that is not blank, or a record holding
// why the line cannot be read (too long, not UTF-8) with ok false.
func (l *lineReader) nextText() (line []byte, rec importRecord, ok bool, err error) {
	for {
		line, num, tooLong, err := l.next()
		if err != nil {
			return nil, importRecord{}, false, err
		}
		rec := importRecord{line: num}
		switch {
		case tooLong:
			rec.problems = []string{fmt.Sprintf("the line is longer than %d bytes", maxImportLine)}
			return nil, rec, false, nil
		case len(bytes.TrimSpace(line)) == 0:
			continue
		case !utf8.Valid(line):
			rec.problems = []string{"the line is not valid UTF-8 (the file must be UTF-8)"}
			return nil, rec, false, nil
		}
		return line, rec, true, nil
	}
}

// jsonlRecords reads JSON Lines: one object a line whose fields are
// importColumns, each a string or null (empty), at most once.
type jsonlRecords struct{ lines *lineReader }

func (j *jsonlRecords) next() (importRecord, error) {
	line, rec, ok, err := j.lines.nextText()
	if err != nil || !ok {
		return rec, err
	}
	rec.fields, rec.problems = parseJSONLine(line)
	return rec, nil
}

// parseJSONLine reads one JSON object of string fields, naming each
// field that is unknown, repeated or not a string.
func parseJSONLine(line []byte) (map[string]string, []string) {
	dec := json.NewDecoder(bytes.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, []string{"not a JSON object"}
	}
	fields := map[string]string{}
	var problems []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, []string{"not valid JSON: " + jsonProblem(err)}
		}
		key := tok.(string) // object keys are strings, or Token fails
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, []string{"not valid JSON: " + jsonProblem(err)}
		}
		var val *string
		switch {
		case !slices.Contains(importColumns, key):
			problems = append(problems, fmt.Sprintf("unknown field %s (want %s)", quoteName(key), strings.Join(importColumns, ", ")))
		case seen(fields, key):
			problems = append(problems, fmt.Sprintf("field %s appears twice", key))
		case json.Unmarshal(raw, &val) != nil:
			problems = append(problems, fmt.Sprintf("field %s must be a string", key))
		default:
			fields[key] = ""
			if val != nil {
				fields[key] = *val
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, []string{"not valid JSON: " + jsonProblem(err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, []string{"more than one JSON value on the line"}
	}
	return fields, problems
}

func seen(fields map[string]string, key string) bool {
	_, ok := fields[key]
	return ok
}

// jsonProblem is the decoder's complaint without its package prefix.
func jsonProblem(err error) string {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "the object is not closed"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// quoteName quotes a name from the file for a message: cut to 40
// characters (the message is escaped where it is printed).
func quoteName(s string) string { return `"` + clip(s, 40) + `"` }

// csvRecords reads CSV (RFC 4180) with a header naming its columns, a
// subset of importColumns with at least username and role, in any order.
// A record is one line: no value may hold a line break (none of the
// fields allows one).
type csvRecords struct {
	lines   *lineReader
	columns []string
}

func newCSVRecords(lines *lineReader) (*csvRecords, error) {
	c := &csvRecords{lines: lines}
	line, rec, ok, err := lines.nextText()
	if errors.Is(err, io.EOF) {
		return nil, fileError("the file is empty: want a header line (%s)", strings.Join(importColumns, ","))
	}
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fileError("the header, line %d: %s", rec.line, rec.problems[0])
	}
	names, err := csvLine(line)
	if err != nil {
		return nil, fileError("the header, line %d: %v", rec.line, err)
	}
	var unknown, twice []string
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		switch {
		case !slices.Contains(importColumns, n):
			unknown = append(unknown, quoteName(n))
		case slices.Contains(c.columns, n):
			twice = append(twice, n)
		}
		c.columns = append(c.columns, n)
	}
	switch {
	case len(unknown) > 0:
		return nil, fileError("the header, line %d: unknown column %s (want %s)", rec.line, strings.Join(unknown, ", "), strings.Join(importColumns, ", "))
	case len(twice) > 0:
		return nil, fileError("the header, line %d: column %s appears twice", rec.line, strings.Join(twice, ", "))
	case !slices.Contains(c.columns, "username") || !slices.Contains(c.columns, "role"):
		return nil, fileError("the header, line %d: want at least the columns username and role (of %s)", rec.line, strings.Join(importColumns, ", "))
	}
	return c, nil
}

func (c *csvRecords) next() (importRecord, error) {
	line, rec, ok, err := c.lines.nextText()
	if err != nil || !ok {
		return rec, err
	}
	values, err := csvLine(line)
	switch {
	case err != nil:
		rec.problems = []string{err.Error()}
	case len(values) != len(c.columns):
		rec.problems = []string{fmt.Sprintf("%d values, want %d (one for each column of the header)", len(values), len(c.columns))}
	default:
		rec.fields = make(map[string]string, len(values))
		for i, v := range values {
			rec.fields[c.columns[i]] = v
		}
	}
	return rec, nil
}

// csvLine parses one line of CSV.
func csvLine(line []byte) ([]string, error) {
	r := csv.NewReader(bytes.NewReader(line))
	r.FieldsPerRecord = -1
	values, err := r.Read()
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, fmt.Errorf("not valid CSV: %v (at byte %d)", pe.Err, pe.Column)
	}
	return values, err
}
