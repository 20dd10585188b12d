package postgres

import (
	"strconv"
	"strings"
	"testing"

	"github.com/vigilauth/vigil/storetest"
)

// dollars numbers a statement's ? parameters $1, $2...
func dollars(query string) string {
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// TestChainTampering: changes made to the schema with SQL, behind vigil's
// back, are each found with the seq they concern.
func TestChainTampering(t *testing.T) {
	storetest.ChainTampering(t, func(t *testing.T) (storetest.ChainStore, storetest.Exec) {
		s := openEmpty(t)
		return s, func(t *testing.T, query string, args ...any) {
			t.Helper()
			if _, err := s.pool.Exec(t.Context(), dollars(query), args...); err != nil {
				t.Fatalf("%s: %v", query, err)
			}
		}
	})
}

// TestTwoStoresOneChain: two instances on one schema, appending at once,
// make one chain without a gap: the head row's lock orders them.
func TestTwoStoresOneChain(t *testing.T) {
	_, url := freshSchema(t)
	storetest.TwoStoresOneChain(t, open(t, url), open(t, url))
}

// TestChainMigration: a schema from before migration 0008 gets its events
// chained in id order when it is opened; the chain verifies, and the next
// event follows them.
func TestChainMigration(t *testing.T) {
	ctx := t.Context()
	_, url := freshSchema(t)
	s := open(t, url)
	for _, q := range []string{
		`DROP TABLE audit_chain`,
		`DROP TABLE audit_checkpoints`,
		`ALTER TABLE audit_events DROP COLUMN seq, DROP COLUMN prev_hash, DROP COLUMN hash`,
		`DELETE FROM schema_migrations WHERE version = 8`,
		`INSERT INTO audit_events (time, username, actor, category, event, detail, ip, user_agent, session_id)
			VALUES ('2023-11-14T22:13:20.000001Z', 'alice', 'alice', 'authentication', 'login_succeeded', '', '192.0.2.1', 'curl', 'S1')`,
		`INSERT INTO audit_events (time, username, actor, category, event) VALUES (NULL, 'bob', 'cli', 'admin', 'user_created')`,
		`INSERT INTO audit_events (time, username, actor, category, event, detail)
			VALUES ('2023-07-22T04:26:40Z', 'carol', 'system', 'session', 'session_expired_lifetime', 'ünïcode')`,
		// More than one batch of the migration's.
		`INSERT INTO audit_events (time, username, event)
			SELECT to_timestamp(1700000000 + i / 1000.0), 'user' || i, 'logout' FROM generate_series(1, 2500) i`,
	} {
		if _, err := s.pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s.Close()
	storetest.ChainedByMigration(t, open(t, url), 2503)
}
