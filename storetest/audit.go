package storetest

import (
	"fmt"
	"time"

	"github.com/vigilauth/vigil"
)

var auditTests = append([]test{
	{"AppendSetsIDAndRoundTrips", testAppendEvent},
	{"Filters", testEventFilters},
	{"NewestFirstLimitAndPaging", testEventPaging},
	{"SeqSetAndReturned", testEventSeq},
}, chainTests...)

// event appends an event about username at when.
func (f *fixture) event(username, name string, when time.Time) *vigil.Event {
	f.Helper()
	e := &vigil.Event{Time: when, Username: username, Actor: username,
		Category: vigil.CategoryAuthentication, Event: name}
	f.ok(f.s.AppendEvent(f.ctx, e), "AppendEvent")
	return e
}

// checkEvents runs Events(filter) and checks the result against want, in
// order.
func (f *fixture) checkEvents(filter vigil.EventFilter, want ...*vigil.Event) {
	f.Helper()
	got, err := f.s.Events(f.ctx, filter)
	f.ok(err, "Events")
	what := fmt.Sprintf("Events(%+v)", filter)
	if len(got) != len(want) {
		f.Fatalf("%s returned %d events, want %d", what, len(got), len(want))
	}
	for i := range want {
		f.checkEvent(what, &got[i], want[i])
	}
}

// checkEvent compares every field of an event the store returned.
func (f *fixture) checkEvent(what string, got, want *vigil.Event) {
	f.Helper()
	g, w := *got, *want
	g.Time, w.Time = time.Time{}, time.Time{}
	if g != w {
		f.Errorf("%s: got %+v, want %+v", what, *got, *want)
	}
	sameTime(f, what+".Time", got.Time, want.Time)
}

func testAppendEvent(f *fixture) {
	e1 := &vigil.Event{Time: t0.In(elsewhere), Username: "alice", Actor: "admin",
		Category: vigil.CategoryAdmin, Event: vigil.EventUserDisabled, Detail: "by request",
		IP: "198.51.100.4", UserAgent: "curl/8", SessionID: vigil.NewID()}
	f.ok(f.s.AppendEvent(f.ctx, e1), "AppendEvent")
	e2 := f.event("bob", vigil.EventLoginFailed, at(time.Second))
	if e1.ID == 0 || e2.ID <= e1.ID {
		f.Fatalf("ids = %d, %d; want increasing non-zero ids", e1.ID, e2.ID)
	}
	f.checkEvents(vigil.EventFilter{}, e2, e1)
}

func testEventFilters(f *fixture) {
	failedA := f.event("alice", vigil.EventLoginFailed, t0)
	failedB := f.event("bob", vigil.EventLoginFailed, at(time.Minute))
	okA := f.event("alice", vigil.EventLoginSucceeded, at(2*time.Minute))
	outA := f.event("alice", vigil.EventLogout, at(3*time.Minute))
	f.checkEvents(vigil.EventFilter{Username: "alice"}, outA, okA, failedA)
	f.checkEvents(vigil.EventFilter{Username: "carol"})
	f.checkEvents(vigil.EventFilter{Event: vigil.EventLoginFailed}, failedB, failedA)
	f.checkEvents(vigil.EventFilter{Username: "alice", Event: vigil.EventLoginFailed}, failedA)
	f.checkEvents(vigil.EventFilter{Since: at(90 * time.Second)}, outA, okA)
	f.checkEvents(vigil.EventFilter{Until: at(90 * time.Second)}, failedB, failedA)
	f.checkEvents(vigil.EventFilter{Since: at(30 * time.Second), Until: at(150 * time.Second)}, okA, failedB)
	f.checkEvents(vigil.EventFilter{Username: "alice", Since: at(30 * time.Second), Limit: 1}, outA)
}

func testEventPaging(f *fixture) {
	var es []*vigil.Event
	for i := range 10 {
		es = append(es, f.event(fmt.Sprintf("user%d", i%2), vigil.EventLoginSucceeded, at(time.Duration(i)*time.Minute)))
	}
	f.checkEvents(vigil.EventFilter{Limit: 3}, es[9], es[8], es[7])
	f.checkEvents(vigil.EventFilter{Limit: 3, BeforeID: es[7].ID}, es[6], es[5], es[4])
	f.checkEvents(vigil.EventFilter{Limit: 3, BeforeID: es[1].ID}, es[0])
	f.checkEvents(vigil.EventFilter{Limit: 3, BeforeID: es[0].ID})
	f.checkEvents(vigil.EventFilter{Username: "user1", Limit: 2, BeforeID: es[7].ID}, es[5], es[3])
	got, err := f.s.Events(f.ctx, vigil.EventFilter{})
	f.ok(err, "Events with the default limit")
	if len(got) == 0 || got[0].ID != es[9].ID {
		f.Errorf("Events with the default limit = %d events, want the newest first", len(got))
	}
}

// testEventSeq: AppendEvent sets each event's place in the chain, one more
// for each append, alone or in an import; Events returns it with the
// event, filtered and paged; and it is the Seq of the chain's record.
func testEventSeq(f *fixture) {
	a := f.event("alice", vigil.EventLoginFailed, t0)
	b := f.event("bob", vigil.EventLoginSucceeded, at(time.Second))
	users := []vigil.User{{Username: "carol", Role: vigil.RolePatient, CreatedAt: t0}}
	imported := []vigil.Event{{Time: at(2 * time.Second), Username: "carol", Actor: "cli", Event: vigil.EventUserCreated}}
	f.ok(f.s.ImportUsers(f.ctx, users, imported), "ImportUsers")
	c := f.event("alice", vigil.EventLogout, at(3*time.Second))
	seqs := []int64{a.Seq, b.Seq, imported[0].Seq, c.Seq}
	for i, s := range seqs {
		if s != int64(i+1) {
			f.Fatalf("seqs after 4 appends = %v, want [1 2 3 4]", seqs)
		}
	}
	got, err := f.s.Events(f.ctx, vigil.EventFilter{})
	f.ok(err, "Events")
	if len(got) != 4 {
		f.Fatalf("Events returned %d events, want 4", len(got))
	}
	for i, e := range got {
		if want := int64(4 - i); e.Seq != want {
			f.Errorf("Events[%d] (%s) has seq %d, want %d: newest first, each with its seq", i, e.Event, e.Seq, want)
		}
	}
	f.checkEvents(vigil.EventFilter{Username: "alice", Limit: 1, BeforeID: c.ID}, a)
	_, recs, _ := f.records()
	for i, r := range recs {
		if r.Seq != seqs[i] || r.Event.Seq != r.Seq {
			f.Errorf("record %d: seq %d, its event's %d; want %d", i, r.Seq, r.Event.Seq, seqs[i])
		}
	}
}
