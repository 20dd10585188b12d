package lograte_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vigilauth/vigil/internal/lograte"
	"github.com/vigilauth/vigil/internal/testkit"
)

var errRefused = errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")

// newLog returns a logger limited to one line a kind per second, writing
// JSON to the returned buffer.
func newLog() (*slog.Logger, *lograte.Handler, *testkit.SyncBuffer) {
	var buf testkit.SyncBuffer
	h := lograte.New(slog.NewJSONHandler(&buf, nil), time.Second)
	return slog.New(h), h, &buf
}

// lines returns the records in buf.
func lines(t *testing.T, buf *testkit.SyncBuffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range bytes.Split([]byte(buf.String()), []byte("\n")) {
		if len(l) == 0 {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal(l, &rec); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, rec)
	}
	return out
}

// TestRepeatsBecomeOneLine: the first record of a kind is written at once;
// its repeats within the second that follows are held back and then
// written as one line, the last of them with repeated=N; after a quiet
// second the next record is written at once again.
func TestRepeatsBecomeOneLine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log, _, buf := newLog()
		for i := range 100 {
			log.Error("request failed", "request_id", fmt.Sprint(i), "err", errRefused)
		}
		got := lines(t, buf)
		if len(got) != 1 || got[0]["request_id"] != "0" || got[0]["repeated"] != nil {
			t.Fatalf("right away: %v, want the first record alone", got)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		got = lines(t, buf)
		if len(got) != 2 || got[1]["request_id"] != "99" || got[1]["repeated"] != float64(99) ||
			got[1]["msg"] != "request failed" || got[1]["err"] != errRefused.Error() || got[1]["level"] != "ERROR" {
			t.Fatalf("after the window: %v, want the last record with repeated=99", got)
		}
		time.Sleep(5 * time.Second)
		synctest.Wait()
		if got = lines(t, buf); len(got) != 2 {
			t.Fatalf("quiet windows wrote %v", got[2:])
		}
		log.Error("request failed", "request_id", "100", "err", errRefused)
		if got = lines(t, buf); len(got) != 3 || got[2]["request_id"] != "100" || got[2]["repeated"] != nil {
			t.Fatalf("after a quiet second: %v, want the record at once", got)
		}
	})
}

// TestAFloodWritesOneLineASecond: a record every 7 ms for 5 s is written
// as 6 lines (the first, then one a second), which account for every
// record.
func TestAFloodWritesOneLineASecond(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log, _, buf := newLog()
		records := 0
		for start := time.Now(); time.Since(start) < 5*time.Second; time.Sleep(7 * time.Millisecond) {
			log.Warn("revocation log unreadable", "err", errRefused)
			records++
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		got := lines(t, buf)
		if len(got) != 6 {
			t.Fatalf("%d records in 5 s gave %d lines, want 6: %v", records, len(got), got)
		}
		counted := 0
		for _, l := range got {
			if n, ok := l["repeated"].(float64); ok {
				counted += int(n)
			} else {
				counted++
			}
		}
		if counted != records {
			t.Errorf("the lines account for %d records, want %d", counted, records)
		}
	})
}

// TestKinds: a kind is the level, the message and the error's text; other
// attributes do not make a record another kind. Each kind has its own
// window.
func TestKinds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log, _, buf := newLog()
		other := errors.New("timeout")
		for i := range 3 {
			log.Error("request failed", "err", errRefused, "path", fmt.Sprint("/", i))
			log.Error("request failed", "err", other)
			log.Warn("request failed", "err", errRefused)
			log.Error("sweep failed", "err", errRefused)
			log.Error("request failed", "error", "plain text")
		}
		if got := lines(t, buf); len(got) != 5 {
			t.Fatalf("first of five kinds: %d lines, want 5: %v", len(got), got)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		got := lines(t, buf)
		if len(got) != 10 {
			t.Fatalf("after the window: %d lines, want 10 (a summary per kind): %v", len(got), got)
		}
		for _, l := range got[5:] {
			if l["repeated"] != float64(2) {
				t.Errorf("summary %v, want repeated=2", l)
			}
		}
	})
}

// TestInfoIsNeverLimited: records below Warn all pass.
func TestInfoIsNeverLimited(t *testing.T) {
	log, _, buf := newLog()
	for range 50 {
		log.Info("vigil listening", "err", errRefused)
		log.Debug("hidden by the level")
	}
	if got := lines(t, buf); len(got) != 50 {
		t.Fatalf("%d info lines, want 50", len(got))
	}
}

// TestDerivedLoggersShareTheLimit: loggers made with With (as each part
// of vigil makes its own) count repeats together.
func TestDerivedLoggersShareTheLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log, _, buf := newLog()
		for i := range 10 {
			log.With("part", i).WithGroup("g").Error("request failed", "err", errRefused)
		}
		if got := lines(t, buf); len(got) != 1 {
			t.Fatalf("%d lines from derived loggers, want 1", len(got))
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if got := lines(t, buf); len(got) != 2 || !strings.Contains(buf.String(), `"part":9`) {
			t.Fatalf("summary through the last derived logger: %s", buf.String())
		}
	})
}

// TestFlush: repeats held back are written at once by Flush, as the
// process stops.
func TestFlush(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log, h, buf := newLog()
		for range 4 {
			log.Error("request failed", "err", errRefused)
		}
		h.Flush()
		got := lines(t, buf)
		if len(got) != 2 || got[1]["repeated"] != float64(3) {
			t.Fatalf("after Flush: %v", got)
		}
		time.Sleep(3 * time.Second)
		synctest.Wait()
		if got := lines(t, buf); len(got) != 2 {
			t.Fatalf("the window flushed wrote again: %v", got[2:])
		}
	})
}

// TestManyKindsAreNeverLost: past the kinds it can hold, records pass
// unlimited rather than vanish.
func TestManyKindsAreNeverLost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log, _, buf := newLog()
		for i := range 3000 {
			log.Error("request failed", "err", fmt.Sprint("cause ", i))
		}
		if got := lines(t, buf); len(got) != 3000 {
			t.Fatalf("%d lines for 3000 kinds, want 3000", len(got))
		}
	})
}
