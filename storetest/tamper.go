package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auditlog"
)

// ChainStore is what ChainTampering needs of a store.
type ChainStore interface {
	vigil.AuditLog
	auditlog.Store
}

// Exec runs one SQL statement on a store's database behind the store's
// back, its parameters written ? (the backend numbers them as its driver
// wants); the test fails if the database refuses it.
type Exec func(t *testing.T, query string, args ...any)

// ChainTampering is someone with write access to the database changing
// the audit log behind vigil's back, with the SQL an attacker would run:
// each change is found by auditlog.Verify, which names the seq of the
// first event (or checkpoint) concerned, and neither the Checkpointer
// signs over it nor Retention deletes it. open returns a fresh, empty
// store and how to run SQL on its database.
func ChainTampering(t *testing.T, open func(t *testing.T) (ChainStore, Exec)) {
	for _, tc := range []struct {
		name  string
		sql   []string
		seq   int64
		words string // in the problem's text
	}{
		{"EditAField", []string{`UPDATE audit_events SET detail = 'nothing happened' WHERE seq = 7`}, 7, "altered"},
		{"EditTheTime", []string{`UPDATE audit_events SET time = NULL WHERE seq = 13`}, 13, "altered"},
		{"DeleteARow", []string{`DELETE FROM audit_events WHERE seq = 7`}, 7, "missing"},
		{"DeleteRows", []string{`DELETE FROM audit_events WHERE seq IN (7, 8, 9)`}, 7, "7 to 9 are missing"},
		{"SwapTwoRowsContents", swapRows(7, 8, "username, actor, category, event, detail, ip, user_agent, session_id"), 7, "altered"},
		{"SwapTwoRowsWhole", swapRows(7, 8, "time, username, actor, category, event, detail, ip, user_agent, session_id, prev_hash, hash"), 7, "does not follow"},
		{"MoveARow", []string{`UPDATE audit_events SET seq = 1000 WHERE seq = 12`}, 12, "missing"},
		{"EditAfterTheNewestCheckpoint", []string{`UPDATE audit_events SET username = 'bob' WHERE seq = 22`}, 22, "altered"},
		{"TruncateTheTailAfterACheckpoint", []string{`DELETE FROM audit_events WHERE seq > 20`}, 21, "missing from the end"},
		{"TruncateTheTailAndTheHead", []string{`DELETE FROM audit_events WHERE seq > 15`,
			`UPDATE audit_chain SET seq = 15, hash = (SELECT hash FROM audit_events WHERE seq = 15)`}, 20, "missing"},
		{"DeleteTheFirstRows", []string{`DELETE FROM audit_events WHERE seq <= 3`}, 1, "1 to 3 are missing"},
		{"PretendRetention", []string{`DELETE FROM audit_events WHERE seq <= 5`, `UPDATE audit_chain SET pruned_through = 5`}, 5, "anchor"},
		{"InsertARow", []string{`INSERT INTO audit_events (time, username, actor, category, event) VALUES (NULL, 'mallory', 'admin', 'admin', 'user_created')`}, 0, "no place in the chain"},
		{"ForgeASignature", []string{`UPDATE audit_checkpoints SET signature = (SELECT signature FROM audit_checkpoints WHERE seq = 10) WHERE seq = 20`}, 20, "does not verify"},
		{"StripASignature", []string{`UPDATE audit_checkpoints SET key_id = '', signature = NULL WHERE seq = 20`}, 20, "unsigned, after signed"},
		{"MoveACheckpoint", []string{`UPDATE audit_checkpoints SET seq = 11 WHERE seq = 10`}, 11, "not the one the checkpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, exec := open(t)
			key, ring := tampered(t, s)
			for _, q := range tc.sql {
				exec(t, q)
			}
			rep, err := auditlog.Verify(t.Context(), s, ring)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if rep.Intact() || rep.Problem.Seq != tc.seq || !strings.Contains(rep.Problem.What, tc.words) {
				t.Fatalf("after %q: Verify = %q; want a problem at seq %d saying %q", tc.sql, rep.Lines(), tc.seq, tc.words)
			}
			refusesToSignOrPrune(t, s, key, ring, tc.seq)
		})
	}
	t.Run("RehashedToTheHead", func(t *testing.T) {
		// An attacker who recomputes every hash from the edit to the head
		// is caught by the signed checkpoint after the edit.
		s, exec := open(t)
		_, ring := tampered(t, s)
		rehash(t, s, exec, 12)
		rep, err := auditlog.Verify(t.Context(), s, ring)
		if err != nil || rep.Intact() || rep.Problem.Seq != 20 || !strings.Contains(rep.Problem.What, "not the one the checkpoint") {
			t.Fatalf("after rehashing from seq 12: Verify = %q, %v; want the checkpoint at seq 20 to refuse it", rep.Lines(), err)
		}
	})
}

// swapRows returns the statements that swap columns between the events at
// seqs a and b, through a copy parked at seq 0.
func swapRows(a, b int64, columns string) []string {
	from := func(seq int64) string {
		var set []string
		for _, c := range strings.Split(columns, ", ") {
			set = append(set, fmt.Sprintf("%s = (SELECT %s FROM audit_events WHERE seq = %d)", c, c, seq))
		}
		return strings.Join(set, ", ")
	}
	return []string{
		fmt.Sprintf(`INSERT INTO audit_events (%s, seq) SELECT %s, 0 FROM audit_events WHERE seq = %d`, columns, columns, a),
		fmt.Sprintf(`UPDATE audit_events SET %s WHERE seq = %d`, from(b), a),
		fmt.Sprintf(`UPDATE audit_events SET %s WHERE seq = %d`, from(0), b),
		`DELETE FROM audit_events WHERE seq = 0`,
	}
}

// tampered fills s with 25 events and signed checkpoints at 10 and 20.
func tampered(t *testing.T, s ChainStore) (*auditlog.PrivateKey, auditlog.Keyring) {
	t.Helper()
	ctx := t.Context()
	key, ring := testKey(t)
	for i := range 25 {
		e := &vigil.Event{Time: at(time.Duration(i) * time.Second), Username: fmt.Sprintf("user%d", i%4), Actor: "cli",
			Category: vigil.CategoryAuthentication, Event: vigil.EventLoginSucceeded, Detail: fmt.Sprint(i), IP: "192.0.2.1"}
		if err := s.AppendEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		if i == 9 || i == 19 {
			cp := &auditlog.Checkpointer{Store: s, Key: key, Every: 10, Now: func() time.Time { return at(time.Duration(i) * time.Minute) }}
			if n, err := cp.Once(ctx); n != 1 || err != nil {
				t.Fatalf("Once = %d, %v", n, err)
			}
		}
	}
	if rep, err := auditlog.Verify(ctx, s, ring); err != nil || !rep.Intact() {
		t.Fatalf("before tampering: %v, %v", rep.Lines(), err)
	}
	return key, ring
}

// refusesToSignOrPrune: a checkpointer due to sign the newest events
// signs nothing over a change after the newest checkpoint (seq 20), and
// retention never deletes the evidence of a change before it.
func refusesToSignOrPrune(t *testing.T, s auditlog.Store, key *auditlog.PrivateKey, ring auditlog.Keyring, seq int64) {
	t.Helper()
	ctx := t.Context()
	later := func() time.Time { return at(24 * time.Hour) }
	cp := &auditlog.Checkpointer{Store: s, Key: key, Every: 1000, MaxAge: time.Second, Now: later}
	if n, err := cp.Once(ctx); seq > 20 && n != 0 {
		t.Errorf("Checkpointer over a change at seq %d: wrote %d, %v; want none", seq, n, err)
	}
	if seq < 1 || seq > 20 {
		return
	}
	r := &auditlog.Retention{Store: s, Keep: time.Hour, Keys: ring, Now: later}
	n, err := r.Prune(ctx, 1000)
	if !auditlog.IsBroken(err) {
		t.Errorf("Retention over a change at seq %d: deleted %d, %v; want a BrokenError", seq, n, err)
	}
	if rep, err := auditlog.Verify(ctx, s, ring); err != nil || rep.Intact() {
		t.Errorf("after Retention deleted %d: Verify = %q, %v; the change at seq %d is no longer seen", n, rep.Lines(), err, seq)
	}
}

// rehash changes the event at seq from and recomputes its hash and every
// later one's, as an attacker who knows the encoding would, moving the
// head along.
func rehash(t *testing.T, s auditlog.Store, exec Exec, from int64) {
	t.Helper()
	ctx := context.Background()
	var recs []auditlog.Record
	var head auditlog.Head
	err := s.ReadAudit(ctx, func(r auditlog.Reader) error {
		var err error
		if head, err = r.Head(ctx); err != nil {
			return err
		}
		recs, err = r.Records(ctx, from-2, 1000)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	link := auditlog.Head{Seq: recs[0].Seq, Hash: recs[0].Hash}
	for _, r := range recs[1:] {
		if r.Seq == from {
			r.Detail = "nothing happened"
		}
		n := auditlog.Next(link, r.Event)
		exec(t, `UPDATE audit_events SET detail = ?, prev_hash = ?, hash = ? WHERE seq = ?`, n.Detail, n.Prev[:], n.Hash[:], n.Seq)
		link = auditlog.Head{Seq: n.Seq, Hash: n.Hash}
	}
	if link.Seq != head.Seq {
		t.Fatalf("rehashed to seq %d, head at %d", link.Seq, head.Seq)
	}
	exec(t, `UPDATE audit_chain SET hash = ?`, link.Hash[:])
}
