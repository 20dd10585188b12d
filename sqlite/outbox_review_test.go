package sqlite

import (
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

// plan returns SQLite's query plan of query with args, one line a step.
func plan(t *testing.T, s *Store, query string, args ...any) string {
	t.Helper()
	rows, err := s.read.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	return strings.Join(lines, "\n")
}

// TestIdlePollReadsIndexes: the statements an idle worker runs every
// second read the partial indexes, never every message of the last seven
// days (SQLite uses a partial index only for the very term of its WHERE).
func TestIdlePollReadsIndexes(t *testing.T) {
	s := open(t, dbPath(t))
	now := time.Now()
	for name, q := range map[string]string{
		"Due":      outboxSQL.Due(2),
		"Unfanned": outboxSQL.Unfanned,
	} {
		args := sqlstore.DueArgs(dialect{}, []string{"https://a.example/", "https://b.example/"}, now)
		if name == "Unfanned" {
			args = []any{100}
		}
		p := plan(t, s, q, args...)
		for _, step := range strings.Split(p, "\n") {
			if step == "SCAN webhook_messages" || step == "SCAN webhook_deliveries" {
				t.Errorf("%s reads a whole table:\n%s", name, p)
			}
		}
	}
}

// TestNothingDueForAnEndpointNoLongerConfigured: a pending delivery left
// for an endpoint taken out of --webhook-url is nothing to do for a
// worker without it, whose poll then takes no write lock; for a worker
// with it, it is due.
func TestNothingDueForAnEndpointNoLongerConfigured(t *testing.T) {
	s := open(t, dbPath(t))
	ctx := t.Context()
	u := &vigil.User{Username: "alice", Role: vigil.RolePatient, CreatedAt: time.Now()}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPassword(ctx, u.ID, "$argon2id$x", time.Now()); err != nil {
		t.Fatal(err)
	}
	old, current := []string{"https://old.example/hook"}, []string{"https://new.example/hook"}
	// The message went to the old endpoint only (fanned out with it);
	// the old endpoint's delivery is pending, due, unleased.
	if _, err := s.ClaimWebhooks(ctx, old, time.Now(), time.Minute, 0); err != nil {
		t.Fatal(err)
	}
	due := func(endpoints []string) bool {
		var d bool
		if err := s.read.QueryRowContext(ctx, outboxSQL.Due(len(endpoints)), sqlstore.DueArgs(dialect{}, endpoints, time.Now())...).Scan(&d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	if due(current) || due(nil) {
		t.Error("a delivery to an endpoint no longer configured is due for a worker without it")
	}
	if !due(old) {
		t.Error("a due delivery is not due for a worker with its endpoint")
	}
}
