package httpapi_test

import (
	"testing"
	"time"
)

// TestAdminAuditSeq: every event of GET /api/admin/audit carries its
// place in the audit chain as "seq", newest first, so that a reader can
// tell a gap from a filter.
func TestAdminAuditSeq(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := loggedIn(h, "root", rootPW)
	for range 3 {
		h.Clock.Advance(time.Second)
		h.client().Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": bobPW})
	}
	r := must(t, "audit", admin.Do("GET", "/api/admin/audit", nil), 200)
	evs, _ := r.Body["events"].([]any)
	if len(evs) < 4 {
		t.Fatalf("events: %s", r.Raw)
	}
	var last float64
	for i, e := range evs {
		seq, ok := e.(map[string]any)["seq"].(float64)
		if !ok || seq < 1 || (i > 0 && seq != last-1) {
			t.Fatalf("event %d has seq %v after %v: want every event's seq, one less each, newest first: %s", i, e.(map[string]any)["seq"], last, r.Raw)
		}
		last = seq
	}
	r = must(t, "audit of alice", admin.Do("GET", "/api/admin/audit?username=alice&limit=1", nil), 200)
	if evs, _ := r.Body["events"].([]any); len(evs) != 1 || evs[0].(map[string]any)["seq"].(float64) < 2 {
		t.Errorf("a filtered event keeps its seq in the chain: %s", r.Raw)
	}
}
