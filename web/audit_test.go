package web_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

// auditRows returns the audit table's event rows.
func auditRows(t *testing.T, p page) []*node {
	t.Helper()
	return mustID(t, p, "audit-table").find(func(n *node) bool { return n.Tag == "tr" && n.Attr["data-event-id"] != "" })
}

// cell returns the row's cell with the data-label.
func cell(t *testing.T, row *node, label string) *node {
	t.Helper()
	c := row.find(func(n *node) bool { return n.Tag == "td" && n.Attr["data-label"] == label })
	if len(c) != 1 {
		t.Fatalf("%d %q cells in a row", len(c), label)
	}
	return c[0]
}

// asRoot is a browser signed in as the administrator.
func asRoot(h *harness) *browser {
	b := h.browser()
	b.signIn("root", rootPW)
	return b
}

func links(n *node) []*node { return n.find(func(x *node) bool { return x.Tag == "a" }) }

// TestAuditEventLabels: every event vigil writes has a plain, sentence-case
// name in the filter and in the table; the stored name is the option's
// value and stays beside the plain one.
func TestAuditEventLabels(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	for _, name := range vigil.EventNames() {
		h.Engine.Audit(ctx, auth.Actor{Username: "system"}, vigil.Event{Username: "alice", Category: vigil.CategoryAccount, Event: name})
	}
	b := asRoot(h)
	p := b.get("/auth/admin/audit?username=alice")
	expectStatus(t, "audit", p, 200)

	options := map[string]string{}
	for _, o := range mustID(t, p, "audit-event").find(func(n *node) bool { return n.Tag == "option" }) {
		options[o.Attr["value"]] = o.Text()
	}
	if options[""] != "Any event" {
		t.Errorf("the first choice is %q", options[""])
	}
	plain := func(what, name, label string) {
		t.Helper()
		r := []rune(label)
		switch {
		case label == "" || label == name:
			t.Errorf("%s: %s has no plain name", what, name)
		case strings.ContainsAny(label, "_") || !unicode.IsUpper(r[0]):
			t.Errorf("%s: %s is named %q, not in sentence case", what, name, label)
		}
	}
	for _, name := range vigil.EventNames() {
		plain("filter", name, options[name])
	}
	if len(options) != len(vigil.EventNames())+1 {
		t.Errorf("the filter offers %d choices for %d events", len(options), len(vigil.EventNames()))
	}
	seen := map[string]bool{}
	for _, row := range auditRows(t, p) {
		name := row.Attr["data-event"]
		seen[name] = true
		ev := cell(t, row, "Event")
		labels := ev.find(func(n *node) bool { return n.Attr["class"] == "event-label" })
		if len(labels) != 1 {
			t.Fatalf("%s: no plain name in the row: %q", name, ev.Text())
		}
		plain("table", name, labels[0].Text())
		if labels[0].Text() != options[name] {
			t.Errorf("%s: %q in the table, %q in the filter", name, labels[0].Text(), options[name])
		}
		if !strings.Contains(ev.Text(), name) {
			t.Errorf("%s: the stored name is not shown: %q", name, ev.Text())
		}
	}
	if len(seen) != len(vigil.EventNames()) {
		t.Errorf("the table shows %d of %d events", len(seen), len(vigil.EventNames()))
	}
}

// TestAuditUserLinks: a user with an account links to their admin page,
// disabled or not; a name without one (typed at a failed sign-in, or of a
// removed account) is plain text marked as such; so is an actor like
// "system".
func TestAuditUserLinks(t *testing.T) {
	h := newHarness(t)
	anon := h.browser()
	if p := anon.post("/auth/login", url.Values{"username": {"mallory"}, "password": {"not the password at all"}}); p.Status == 303 {
		t.Fatal("mallory signed in")
	}
	h.Engine.Audit(context.Background(), auth.Actor{Username: "system"}, vigil.Event{Username: "gone-user", Category: vigil.CategoryAdmin, Event: vigil.EventUserDisabled})
	b := asRoot(h)
	expectStatus(t, "disable bob", b.post("/auth/admin/users/bob/disable", url.Values{"csrf_token": {b.csrf()}}), 303)

	p := b.get("/auth/admin/audit")
	expectStatus(t, "audit", p, 200)
	byUser := map[string]*node{}
	for _, row := range auditRows(t, p) {
		name := strings.Fields(cell(t, row, "User").Text())[0]
		if _, ok := byUser[name]; !ok { // the newest
			byUser[name] = row
		}
	}
	for _, name := range []string{"mallory", "gone-user"} {
		row := byUser[name]
		if row == nil {
			t.Fatalf("no event about %s: %v", name, byUser)
		}
		u := cell(t, row, "User")
		if len(links(u)) != 0 || !strings.Contains(u.Text(), "no account") {
			t.Errorf("%s: %q with %d links", name, u.Text(), len(links(u)))
		}
	}
	for _, name := range []string{"root", "bob"} {
		row := byUser[name]
		if row == nil {
			t.Fatalf("no event about %s", name)
		}
		l := links(cell(t, row, "User"))
		if len(l) != 1 || l[0].Attr["href"] != "/auth/admin/users/"+name || l[0].Text() != name {
			t.Errorf("%s: links %v", name, l)
		}
	}
	// bob's disabling was done by root, who links; system does not.
	if l := links(cell(t, byUser["bob"], "By")); len(l) != 1 || l[0].Attr["href"] != "/auth/admin/users/root" {
		t.Errorf("root as the actor: %q", cell(t, byUser["bob"], "By").Text())
	}
	if by := cell(t, byUser["gone-user"], "By"); len(links(by)) != 0 || by.Text() != "system" {
		t.Errorf("system as the actor: %q", by.Text())
	}
}

// TestAuditFilterForm: every field has its label; the time filter says
// UTC when the script does not run, the range read is shown as machine
// times the script makes local; a bad time is refused without claiming
// a zone.
func TestAuditFilterForm(t *testing.T) {
	h := newHarness(t)
	b := asRoot(h)
	p := b.get("/auth/admin/audit?since=2h&until=2026-11-28")
	expectStatus(t, "audit", p, 200)
	form := mustID(t, p, "audit-filter-form")
	if form.Attr["method"] != "get" {
		t.Errorf("method %q", form.Attr["method"])
	}
	for _, f := range []struct{ id, name, value string }{{"audit-username", "username", ""}, {"audit-event", "event", ""},
		{"audit-since", "since", "2h"}, {"audit-until", "until", "2026-11-28"}} {
		n := mustID(t, p, f.id)
		if n.Attr["name"] != f.name || (f.value != "" && n.Attr["value"] != f.value) {
			t.Errorf("%s: name %q value %q", f.id, n.Attr["name"], n.Attr["value"])
		}
		if l := form.find(func(x *node) bool { return x.Tag == "label" && x.Attr["for"] == f.id }); len(l) != 1 {
			t.Errorf("%s has no label", f.id)
		}
	}
	if hint := mustID(t, p, "audit-time-hint").Text(); !strings.Contains(hint, "UTC") {
		t.Errorf("the no-script hint: %q", hint)
	}
	times := mustID(t, p, "audit-range").find(func(n *node) bool { return n.Tag == "time" })
	if len(times) != 2 {
		t.Fatalf("the range shows %d times: %q", len(times), mustID(t, p, "audit-range").Text())
	}
	from := h.Clock.Now().Add(-2 * time.Hour).UTC()
	want := []string{from.Format(time.RFC3339), "2026-11-29T00:00:00Z"}
	for i, tm := range times {
		if _, local := tm.Attr["data-local"]; !local || tm.Attr["datetime"] != want[i] || !strings.HasSuffix(tm.Text(), "UTC") {
			t.Errorf("range time %d: %v %q", i, tm.Attr, tm.Text())
		}
	}
	for _, row := range auditRows(t, b.get("/auth/admin/audit")) {
		tm := cell(t, row, "Time").find(func(n *node) bool { return n.Tag == "time" })
		if _, local := tm[0].Attr["data-local"]; len(tm) != 1 || !local {
			t.Errorf("an event's time is not marked for local display")
		}
	}
	p = b.get("/auth/admin/audit?until=noon")
	if e := mustID(t, p, "audit-error").Text(); !strings.Contains(e, "Until") || strings.Contains(e, "UTC") {
		t.Errorf("bad until: %q", e)
	}
	if mustID(t, p, "audit-until").Attr["value"] != "noon" {
		t.Error("the bad value is not kept")
	}
}

// TestAuditSeq: each row shows the event's place in the audit chain
// ("No. 42" above its time), the number the store gave it, newest first;
// a filtered page shows the numbers the events have in the whole chain.
func TestAuditSeq(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	for _, u := range []string{"alice", "bob", "alice"} {
		h.Engine.Audit(ctx, auth.Actor{Username: "system"}, vigil.Event{Username: u, Category: vigil.CategoryAccount, Event: vigil.EventUserEnabled})
	}
	want, err := h.Engine.Events(ctx, vigil.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	number := func(row *node) string {
		t.Helper()
		seq := cell(t, row, "Time").find(func(n *node) bool { return n.Attr["class"] == "seq" })
		if len(seq) != 1 {
			t.Fatalf("no number in the time cell of %q", row.Text())
		}
		return seq[0].Text()
	}
	b := asRoot(h)
	rows := auditRows(t, b.get("/auth/admin/audit"))
	// The page's own sign-in comes after the events read above.
	rows = rows[len(rows)-len(want):]
	for i, row := range rows {
		w := strconv.FormatInt(want[i].Seq, 10)
		if got := number(row); got != "No. "+w || want[i].Seq == 0 || row.Attr["data-seq"] != w {
			t.Errorf("row %d: %q (data-seq %q), want No. %s", i, got, row.Attr["data-seq"], w)
		}
	}
	bob := want[1] // the second of the three, newest first
	rows = auditRows(t, b.get("/auth/admin/audit?username=bob&event=user_enabled"))
	if len(rows) != 1 || bob.Username != "bob" || number(rows[0]) != "No. "+strconv.FormatInt(bob.Seq, 10) {
		t.Fatalf("bob's one event: %d rows; want one numbered %d, its place in the whole chain", len(rows), bob.Seq)
	}
}
