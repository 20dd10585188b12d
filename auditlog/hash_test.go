package auditlog_test

import (
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auditlog"
)

// The test vector of docs/events.md ("The audit chain"), computed there by
// an independent implementation in a few lines of Python.
var (
	vectorTime = time.Date(2026, 3, 14, 9, 26, 53, 589793999, time.UTC) // the nanoseconds are dropped
	vector1    = "a735c6d97672b527ae1836098accb73926d34d652b2f43c0401ce0384725e739"
	vector2    = "185ec37dba940540cce6f4ecc98045383033c563d1ea477797137d7f508d085d"
)

func TestHashVector(t *testing.T) {
	r1 := auditlog.Next(auditlog.Head{}, vigil.Event{ID: 99, Time: vectorTime.In(time.FixedZone("x", 3600)),
		Username: "alice", Actor: "admin", Category: "admin", Event: "user_disabled", Detail: "by request",
		IP: "198.51.100.4", UserAgent: "curl/8", SessionID: "S1"})
	if r1.Seq != 1 || r1.Prev != (auditlog.Hash{}) || r1.Hash.String() != vector1 {
		t.Errorf("first event: seq %d, prev %s, hash %s; want seq 1 after zeros, hash %s", r1.Seq, r1.Prev, r1.Hash, vector1)
	}
	r2 := auditlog.Next(auditlog.Head{Seq: r1.Seq, Hash: r1.Hash}, vigil.Event{Username: "bob", Event: "login_failed"})
	if r2.Seq != 2 || r2.Prev != r1.Hash || r2.Hash.String() != vector2 {
		t.Errorf("second event: seq %d, prev %s, hash %s; want seq 2, hash %s", r2.Seq, r2.Prev, r2.Hash, vector2)
	}
	c := auditlog.Checkpoint{Seq: 2, Hash: r2.Hash, Time: vectorTime}
	want := "vigil-audit-checkpoint/v1\n2\n" + vector2 + "\n1773480413589793\n"
	if got := string(c.Message()); got != want {
		t.Errorf("checkpoint message = %q, want %q", got, want)
	}
}

// TestCanonicalSeparatesFields: moving bytes from one field to the next
// changes the hash (each field carries its length), as does any field,
// the seq, the link and the time; the row id does not count.
func TestCanonicalSeparatesFields(t *testing.T) {
	base := auditlog.Record{Seq: 5, Event: vigil.Event{ID: 1, Time: vectorTime, Username: "ab", Actor: "c", Detail: "d"}}
	seen := map[auditlog.Hash]string{base.Sum(): "base"}
	for name, change := range map[string]func(r *auditlog.Record){
		"shifted":  func(r *auditlog.Record) { r.Username, r.Actor = "a", "bc" },
		"seq":      func(r *auditlog.Record) { r.Seq = 6 },
		"prev":     func(r *auditlog.Record) { r.Prev[31] = 1 },
		"time":     func(r *auditlog.Record) { r.Time = r.Time.Add(time.Microsecond) },
		"no time":  func(r *auditlog.Record) { r.Time = time.Time{} },
		"category": func(r *auditlog.Record) { r.Category = "x" },
		"event":    func(r *auditlog.Record) { r.Event.Event = "x" },
		"detail":   func(r *auditlog.Record) { r.Detail = "e" },
		"ip":       func(r *auditlog.Record) { r.IP = "x" },
		"agent":    func(r *auditlog.Record) { r.UserAgent = "x" },
		"session":  func(r *auditlog.Record) { r.SessionID = "x" },
	} {
		r := base
		change(&r)
		if other, dup := seen[r.Sum()]; dup {
			t.Errorf("%s hashes as %s", name, other)
		}
		seen[r.Sum()] = name
	}
	r := base
	r.ID = 2
	if r.Sum() != base.Sum() {
		t.Error("the row id changes the hash")
	}
}

func TestParseHash(t *testing.T) {
	h, err := auditlog.ParseHash(vector1)
	if err != nil || h.String() != vector1 {
		t.Errorf("ParseHash(%s) = %s, %v", vector1, h, err)
	}
	for _, bad := range []string{"", vector1[:62], vector1 + "00", "zz" + vector1[2:]} {
		if _, err := auditlog.ParseHash(bad); err == nil {
			t.Errorf("ParseHash(%q) accepted it", bad)
		}
	}
}
