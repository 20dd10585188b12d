package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auditlog"
)

var chainTests = []test{
	{"ChainLinksEveryAppend", testChainLinks},
	{"ConcurrentAppendsOneChain", testChainConcurrent},
	{"ImportedEventsChained", testChainImport},
	{"CheckpointsEveryNEventsAndAfterMaxAge", testCheckpoints},
	{"CheckpointWrittenOnceUnderConcurrency", testCheckpointsOnce},
	{"CheckpointConflict", testCheckpointConflict},
	{"SeqRange", testSeqRange},
	{"RetentionPrunesWholeSegments", testRetention},
	{"RetentionUnsigned", testRetentionUnsigned},
}

// chain returns the fixture's store as an audit chain store.
func (f *fixture) chain() auditlog.Store {
	f.Helper()
	cs, ok := f.s.(auditlog.Store)
	if !ok {
		f.Fatalf("%T is not an auditlog.Store", f.s)
	}
	return cs
}

// appendN appends n events, the i-th at t0 + i seconds.
func (f *fixture) appendN(n int) {
	f.Helper()
	for i := range n {
		f.event(fmt.Sprintf("user%d", i%3), vigil.EventLoginSucceeded, at(time.Duration(i)*time.Second))
	}
}

// verify runs auditlog.Verify with keys and fails unless the chain is
// intact.
func (f *fixture) verify(keys auditlog.Keyring) *auditlog.Report {
	f.Helper()
	rep, err := auditlog.Verify(f.ctx, f.chain(), keys)
	f.ok(err, "Verify")
	if !rep.Intact() {
		f.Fatalf("Verify: %v", rep.Lines())
	}
	return rep
}

// records reads the whole chain.
func (f *fixture) records() (auditlog.Head, []auditlog.Record, []auditlog.Checkpoint) {
	f.Helper()
	var head auditlog.Head
	var recs []auditlog.Record
	var cps []auditlog.Checkpoint
	err := f.chain().ReadAudit(f.ctx, func(r auditlog.Reader) error {
		var err error
		if head, err = r.Head(f.ctx); err != nil {
			return err
		}
		if recs, err = r.Records(f.ctx, 0, 100000); err != nil {
			return err
		}
		cps, err = r.Checkpoints(f.ctx, 0, 100000)
		return err
	})
	f.ok(err, "ReadAudit")
	return head, recs, cps
}

func testChainLinks(f *fixture) {
	es := []*vigil.Event{
		{Time: t0.In(elsewhere), Username: "alice", Actor: "admin", Category: vigil.CategoryAdmin,
			Event: vigil.EventUserDisabled, Detail: "=cmd|' /C calc'!A0, \"quoted\"\nline", IP: "198.51.100.4",
			UserAgent: "curl/8", SessionID: vigil.NewID()},
		{Username: "bob", Event: vigil.EventLoginFailed}, // no time: hashed as 0
		{Time: at(time.Second), Username: "ünïcode ✓", Actor: "cli", Event: vigil.EventUserCreated},
	}
	for _, e := range es {
		f.ok(f.s.AppendEvent(f.ctx, e), "AppendEvent")
	}
	head, recs, _ := f.records()
	if len(recs) != len(es) {
		f.Fatalf("%d records, want %d", len(recs), len(es))
	}
	var prev auditlog.Hash
	for i, r := range recs {
		if r.Seq != int64(i+1) || r.Prev != prev || r.Hash != r.Sum() || r.ID != es[i].ID {
			f.Errorf("record %d: seq %d, prev %s, hash %s (sum %s), id %d; want seq %d after %s, id %d",
				i, r.Seq, r.Prev, r.Hash, r.Sum(), r.ID, i+1, prev, es[i].ID)
		}
		f.checkEvent(fmt.Sprintf("record %d", i), &r.Event, es[i])
		prev = r.Hash
	}
	if head.Seq != 3 || head.Hash != prev || head.PrunedThrough != 0 {
		f.Errorf("head = %+v, want seq 3 at the last hash", head)
	}
	if rep := f.verify(nil); rep.Events != 3 || rep.First != 1 || rep.Last != 3 {
		f.Errorf("Verify: %+v", rep)
	}
}

func testChainImport(f *fixture) {
	f.appendN(2)
	users := make([]vigil.User, 600)
	events := make([]vigil.Event, len(users))
	for i := range users {
		users[i] = vigil.User{Username: fmt.Sprintf("imported%d", i), Role: vigil.RolePatient, CreatedAt: t0}
		events[i] = vigil.Event{Time: t0, Username: users[i].Username, Actor: "cli", Event: vigil.EventUserCreated}
	}
	f.ok(f.s.ImportUsers(f.ctx, users, events), "ImportUsers")
	f.appendN(1)
	_, recs, _ := f.records()
	for i, e := range events {
		if r := recs[i+2]; r.ID != e.ID || r.Username != e.Username {
			f.Fatalf("seq %d: id %d, %q; want the import's event %d, id %d", r.Seq, r.ID, r.Username, i, e.ID)
		}
	}
	if rep := f.verify(nil); rep.Events != 603 {
		f.Errorf("Verify after an import of 600: %v", rep.Lines())
	}
}

func testChainConcurrent(f *fixture) {
	chainRace(f.T, []vigil.AuditLog{f.s}, f.chain())
}

// TwoStoresOneChain is two stores on one database (two instances, or the
// server and the CLI) appending events at once: one chain, seq 1 to n with
// no gap, that verifies. A backend calls it with a and b opened on the
// same database.
func TwoStoresOneChain(t *testing.T, a, b interface {
	vigil.AuditLog
	auditlog.Store
}) {
	t.Helper()
	chainRace(t, []vigil.AuditLog{a, b}, b)
}

// chainRace appends 8×20 events from 8 goroutines spread over stores,
// then verifies the chain through check.
func chainRace(t *testing.T, stores []vigil.AuditLog, check auditlog.Store) {
	t.Helper()
	ctx := t.Context()
	var wg sync.WaitGroup
	for g := range 8 {
		s := stores[g%len(stores)]
		wg.Go(func() {
			for i := range 20 {
				e := &vigil.Event{Time: at(time.Duration(i) * time.Millisecond), Username: fmt.Sprintf("g%d", g),
					Event: vigil.EventLoginSucceeded, Detail: fmt.Sprint(i)}
				if err := s.AppendEvent(ctx, e); err != nil {
					t.Errorf("AppendEvent: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	rep, err := auditlog.Verify(ctx, check, nil)
	if err != nil || !rep.Intact() || rep.Events != 160 || rep.First != 1 || rep.Last != 160 {
		t.Errorf("after 160 concurrent appends: Verify = %v, %v; %d events, seq %d to %d", err, rep.Lines(), rep.Events, rep.First, rep.Last)
	}
}

// testKey returns a fresh audit key and the keyring of its public key.
func testKey(t testing.TB) (*auditlog.PrivateKey, auditlog.Keyring) {
	t.Helper()
	k, err := auditlog.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k, auditlog.NewKeyring(k.Public())
}

// clock is a settable now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// checkpointSeqs returns the seqs of the stored checkpoints.
func (f *fixture) checkpointSeqs() []int64 {
	f.Helper()
	_, _, cps := f.records()
	var seqs []int64
	for _, c := range cps {
		seqs = append(seqs, c.Seq)
	}
	return seqs
}

func testCheckpoints(f *fixture) {
	key, ring := testKey(f)
	clk := &clock{t: at(time.Minute)}
	cp := &auditlog.Checkpointer{Store: f.chain(), Key: key, Every: 10, MaxAge: 5 * time.Minute, Now: clk.now}
	f.appendN(35) // at t0 .. t0+34s
	n, err := cp.Once(f.ctx)
	if err != nil || n != 3 {
		f.Fatalf("Once after 35 events = %d, %v; want 3 checkpoints", n, err)
	}
	if got := fmt.Sprint(f.checkpointSeqs()); got != "[10 20 30]" {
		f.Errorf("checkpoints at %s, want [10 20 30]", got)
	}
	if n, err := cp.Once(f.ctx); n != 0 || err != nil {
		f.Errorf("Once again = %d, %v; want none due", n, err)
	}
	// Event 31 (t0+30s) waits 5 minutes: a checkpoint at the newest.
	clk.set(at(30*time.Second + 5*time.Minute))
	if n, err := cp.Once(f.ctx); n != 1 || err != nil {
		f.Errorf("Once after MaxAge = %d, %v; want 1", n, err)
	}
	if got := fmt.Sprint(f.checkpointSeqs()); got != "[10 20 30 35]" {
		f.Errorf("checkpoints at %s, want [10 20 30 35]", got)
	}
	clk.set(at(time.Hour))
	if n, err := cp.Once(f.ctx); n != 0 || err != nil {
		f.Errorf("Once with no new event = %d, %v; want none", n, err)
	}
	rep := f.verify(ring)
	if rep.Checkpoints != 4 || rep.Signed != 4 || !rep.SignaturesChecked || rep.NewestSigned.Seq != 35 {
		f.Errorf("Verify: %d checkpoints, %d signed, checked %v; %v", rep.Checkpoints, rep.Signed, rep.SignaturesChecked, rep.Lines())
	}
	// Another key's signatures are not accepted.
	_, other := testKey(f)
	if rep, err := auditlog.Verify(f.ctx, f.chain(), other); err != nil || rep.Intact() || rep.Problem.Seq != 10 {
		f.Errorf("Verify with another key = %v, %v; want a problem at seq 10", rep.Lines(), err)
	}
}

func testCheckpointsOnce(f *fixture) {
	key, ring := testKey(f)
	f.appendN(50)
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			cp := &auditlog.Checkpointer{Store: f.chain(), Key: key, Every: 10, Now: func() time.Time { return at(time.Minute) }}
			if _, err := cp.Once(f.ctx); err != nil {
				f.Errorf("Once: %v", err)
			}
		})
	}
	wg.Wait()
	if got := fmt.Sprint(f.checkpointSeqs()); got != "[10 20 30 40 50]" {
		f.Errorf("after 6 racing checkpointers: checkpoints at %s, want [10 20 30 40 50] once each", got)
	}
	f.verify(ring)
}

func testCheckpointConflict(f *fixture) {
	f.appendN(2)
	c := auditlog.Checkpoint{Seq: 2, Time: t0}
	add := func() error {
		return f.chain().WriteAudit(f.ctx, func(w auditlog.Writer) error { return w.AddCheckpoint(f.ctx, c) })
	}
	f.ok(add(), "AddCheckpoint")
	if err := add(); !errors.Is(err, vigil.ErrConflict) {
		f.Errorf("a second checkpoint at seq 2: %v, want ErrConflict", err)
	}
}

func testSeqRange(f *fixture) {
	f.appendN(10) // seq i+1 at t0+i s
	for _, tc := range []struct {
		since, until time.Time
		lo, hi       int64
	}{
		{time.Time{}, time.Time{}, 1, 10},
		{at(3 * time.Second), time.Time{}, 4, 10},
		{time.Time{}, at(3 * time.Second), 1, 3},
		{at(2 * time.Second), at(5 * time.Second), 3, 5},
		{at(time.Hour), time.Time{}, 0, 10},
		{time.Time{}, t0, 1, 0},
	} {
		var lo, hi int64
		err := f.chain().ReadAudit(f.ctx, func(r auditlog.Reader) error {
			var err error
			lo, hi, err = r.SeqRange(f.ctx, tc.since, tc.until)
			return err
		})
		if err != nil || lo != tc.lo || hi != tc.hi {
			f.Errorf("SeqRange(%v, %v) = %d, %d, %v; want %d, %d", tc.since, tc.until, lo, hi, err, tc.lo, tc.hi)
		}
	}
}

func testRetention(f *fixture) {
	key, ring := testKey(f)
	retention(f, key, ring)
}

func testRetentionUnsigned(f *fixture) {
	retention(f, nil, nil)
}

// retention makes checkpoints at 10 (t0+1h), 20 (t0+2h) and 30 (t0+3h),
// then prunes what is older than t0+2h30m: the segments through 20 go,
// the checkpoint at 20 stays, and the chain still verifies from there.
func retention(f *fixture, key *auditlog.PrivateKey, ring auditlog.Keyring) {
	clk := &clock{}
	cp := &auditlog.Checkpointer{Store: f.chain(), Key: key, Every: 10, Now: clk.now}
	for i := range 3 {
		f.appendN(10)
		clk.set(at(time.Duration(i+1) * time.Hour))
		if n, err := cp.Once(f.ctx); n != 1 || err != nil {
			f.Fatalf("Once = %d, %v", n, err)
		}
	}
	f.appendN(5) // 31..35, after the newest checkpoint
	clk.set(at(2*time.Hour + 30*time.Minute + 24*time.Hour))
	r := &auditlog.Retention{Store: f.chain(), Keep: 24 * time.Hour, Keys: ring, Now: clk.now}
	n, err := r.Prune(f.ctx, 5) // at least 5: the first segment, whole
	if err != nil || n != 10 {
		f.Fatalf("Prune(limit 5) = %d, %v; want the first segment of 10", n, err)
	}
	n, err = r.Prune(f.ctx, 1000)
	if err != nil || n != 10 {
		f.Fatalf("Prune = %d, %v; want the second segment of 10", n, err)
	}
	head, recs, cps := f.records()
	if head.PrunedThrough != 20 || head.Seq != 35 || len(recs) != 15 || recs[0].Seq != 21 || len(cps) != 2 || cps[0].Seq != 20 {
		f.Errorf("after pruning: head %+v, %d records from seq %d, %d checkpoints", head, len(recs), recs[0].Seq, len(cps))
	}
	rep := f.verify(ring)
	if rep.PrunedThrough != 20 || rep.First != 21 || rep.Last != 35 || rep.Anchor == nil {
		f.Errorf("Verify after pruning: %v", rep.Lines())
	}
	// Appending and checkpointing go on from there.
	f.appendN(10)
	clk.set(at(100 * time.Hour))
	if _, err := cp.Once(f.ctx); err != nil {
		f.Fatal(err)
	}
	if rep := f.verify(ring); rep.Last != 45 {
		f.Errorf("Verify after more appends: %v", rep.Lines())
	}
	clk.set(at(2*time.Hour + 30*time.Minute + 24*time.Hour))
	if n, err := r.Prune(f.ctx, 1000); err != nil || n != 0 {
		f.Errorf("Prune with nothing due = %d, %v", n, err)
	}
}

// ChainedByMigration checks a store just opened on a database whose n
// events were written before the chain (migration 0008): they are seq 1
// to n in id order, the chain verifies, and the next event follows them.
func ChainedByMigration(t *testing.T, s ChainStore, n int64) {
	t.Helper()
	ctx := t.Context()
	rep, err := auditlog.Verify(ctx, s, nil)
	if err != nil || !rep.Intact() || rep.Events != n || rep.First != 1 || rep.Last != n {
		t.Fatalf("after migrating: Verify = %q, %v; want %d events", rep.Lines(), err, n)
	}
	var recs []auditlog.Record
	err = s.ReadAudit(ctx, func(r auditlog.Reader) error {
		var err error
		recs, err = r.Records(ctx, 0, int(n))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(recs); i++ {
		if recs[i].ID <= recs[i-1].ID {
			t.Errorf("seq %d has id %d, seq %d id %d: want id order", recs[i-1].Seq, recs[i-1].ID, recs[i].Seq, recs[i].ID)
		}
	}
	e := &vigil.Event{Time: t0, Username: "dave", Event: vigil.EventLoginFailed}
	if err := s.AppendEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	if rep, err := auditlog.Verify(ctx, s, nil); err != nil || !rep.Intact() || rep.Last != n+1 {
		t.Errorf("after the next append: Verify = %q, %v", rep.Lines(), err)
	}
}
