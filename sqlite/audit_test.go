package sqlite

import (
	"testing"

	"github.com/vigilauth/vigil/auditlog"
	"github.com/vigilauth/vigil/storetest"
)

// TestChainTampering: changes made to the file with SQL, behind vigil's
// back, are each found with the seq they concern.
func TestChainTampering(t *testing.T) {
	storetest.ChainTampering(t, func(t *testing.T) (storetest.ChainStore, storetest.Exec) {
		s := open(t, dbPath(t))
		return s, func(t *testing.T, query string, args ...any) {
			t.Helper()
			if _, err := s.write.ExecContext(t.Context(), query, args...); err != nil {
				t.Fatalf("%s: %v", query, err)
			}
		}
	})
}

// TestTwoStoresOneChain: the server and the CLI appending to one file
// make one chain.
func TestTwoStoresOneChain(t *testing.T) {
	path := dbPath(t)
	storetest.TwoStoresOneChain(t, open(t, path), open(t, path))
}

// TestChainMigration: a database from before migration 0008 gets its
// events chained in id order when it is opened; the chain verifies, and
// the next event follows them.
func TestChainMigration(t *testing.T) {
	ctx := t.Context()
	path := dbPath(t)
	s := open(t, path)
	// Back to the schema before 0008, holding events written with it (one
	// without a time, one out of time order).
	for _, q := range []string{
		`DROP TABLE audit_chain`,
		`DROP TABLE audit_checkpoints`,
		`DROP INDEX audit_events_seq`,
		`ALTER TABLE audit_events DROP COLUMN seq`,
		`ALTER TABLE audit_events DROP COLUMN prev_hash`,
		`ALTER TABLE audit_events DROP COLUMN hash`,
		`DELETE FROM schema_migrations WHERE version = 8`,
		`INSERT INTO audit_events (time, username, actor, category, event, detail, ip, user_agent, session_id)
			VALUES (1700000000000001, 'alice', 'alice', 'authentication', 'login_succeeded', '', '192.0.2.1', 'curl', 'S1')`,
		`INSERT INTO audit_events (time, username, actor, category, event) VALUES (NULL, 'bob', 'cli', 'admin', 'user_created')`,
		`INSERT INTO audit_events (time, username, actor, category, event, detail)
			VALUES (1690000000000000, 'carol', 'system', 'session', 'session_expired_lifetime', 'ünïcode')`,
		// More than one batch of the migration's.
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500)
			INSERT INTO audit_events (time, username, event) SELECT 1700000000000000 + i, 'user' || i, 'logout' FROM n`,
	} {
		if _, err := s.write.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	storetest.ChainedByMigration(t, open(t, path), 2503)
}

var _ auditlog.Store = (*Store)(nil)
