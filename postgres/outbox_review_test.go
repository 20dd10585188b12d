package postgres

import (
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil/internal/sqlstore"
)

// explain returns PostgreSQL's plan of query with args when sequential
// scans are avoided wherever an index can serve: a "Seq Scan" left in it
// means no index can.
func explain(t *testing.T, s *Store, query string, args ...any) string {
	t.Helper()
	ctx := t.Context()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.Query(ctx, "EXPLAIN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// TestWorkerQueriesUseTheOutboxIndexes: the statements a worker runs every
// second on every instance, the fan-out's and the claim's, can read the
// partial indexes of migration 0012, whatever the outbox's size.
func TestWorkerQueriesUseTheOutboxIndexes(t *testing.T) {
	s := openEmpty(t)
	endpoints := []string{"https://a.example/hook", "https://b.example/hook"}
	for _, c := range []struct {
		name, query, index string
		args               []any
	}{
		{"Unfanned", outboxSQL.Unfanned, "webhook_messages_unfanned", []any{100}},
		{"Claim", outboxSQL.Claim(2), "webhook_deliveries_due",
			sqlstore.ClaimArgs(dialect{}, endpoints, time.Now(), time.Minute, 16)},
	} {
		p := explain(t, s, c.query, c.args...)
		if strings.Contains(p, "Seq Scan") || !strings.Contains(p, c.index) {
			t.Errorf("%s does not read %s:\n%s", c.name, c.index, p)
		}
	}
}
