package postgres

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/pgtest"
	"github.com/vigilauth/vigil/internal/sqlstore"
	"github.com/vigilauth/vigil/internal/testkit/storekit"
	"github.com/vigilauth/vigil/storetest"
)

func baseURL(t testing.TB) string { return pgtest.BaseURL(t) }

func admin(t testing.TB, ctx context.Context) *pgx.Conn { return pgtest.Admin(t, ctx) }

func freshSchema(t testing.TB) (string, string) { return pgtest.Schema(t) }

func namedSchema(t testing.TB, schema string) (string, string) {
	return pgtest.NamedSchema(t, schema)
}

func withParam(t testing.TB, base, key, value string) string {
	return pgtest.WithParam(t, base, key, value)
}

func randomHex(n int) string { return pgtest.RandomHex(n) }

// open opens a store on url and closes it when the test ends.
func open(t testing.TB, url string) *Store {
	t.Helper()
	s, err := Open(context.Background(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openEmpty opens a store on a fresh schema.
func openEmpty(t testing.TB) *Store {
	t.Helper()
	_, url := freshSchema(t)
	return open(t, url)
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) vigil.Store {
		_, url := freshSchema(t)
		s, err := Open(context.Background(), url)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s // storetest closes it
	})
}

var t0 = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)

// TestConcurrentOpensMigrateOnce starts three instances at once on a fresh
// schema: each opens, and every migration is applied once (0001 has no IF
// NOT EXISTS, so a second application would fail an Open), in that schema.
func TestConcurrentOpensMigrateOnce(t *testing.T) {
	schema, url := freshSchema(t)
	stores := make([]*Store, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = Open(context.Background(), url) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d of 3: %v", i+1, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	ms, err := embeddedMigrations()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var applied int
	if err := stores[0].pool.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != len(ms) {
		t.Errorf("schema_migrations has %d rows, want %d (one per migration)", applied, len(ms))
	}
	for _, s := range stores {
		if err := s.Migrate(ctx); err != nil {
			t.Errorf("Migrate on a migrated schema: %v", err)
		}
	}
	var tables []string
	rows, err := stores[0].pool.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = $1 ORDER BY table_name`, schema)
	if err != nil {
		t.Fatal(err)
	}
	tables, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"audit_chain", "audit_checkpoints", "audit_events", "pending_signins", "recovery_codes", "reset_tokens", "revocations", "schema_migrations", "server_keys",
		"sessions", "throttle", "totp_factors", "users", "webauthn_ceremonies", "webauthn_credentials", "webhook_deliveries", "webhook_messages"}
	if !slices.Equal(tables, want) {
		t.Errorf("tables in schema %s = %v, want %v", schema, tables, want)
	}
}

// TestSearchPathWithoutSchema: a URL whose search_path names no existing
// schema is refused with a clear error, not migrated somewhere else.
func TestSearchPathWithoutSchema(t *testing.T) {
	url := withParam(t, baseURL(t), "search_path", "vigil_t_missing_"+randomHex(4))
	s, err := Open(context.Background(), url)
	if err == nil {
		s.Close()
		t.Fatal("Open with a search_path of no existing schema succeeded")
	}
	if !errors.Is(err, errNoSchema) {
		t.Errorf("Open = %v, want %v", err, errNoSchema)
	}
}

// TestNoRawTokenStored checks SPEC §2: a leaked database yields no usable
// token. The sessions table holds the token's SHA-256, and the token
// itself in no encoding.
func TestNoRawTokenStored(t *testing.T) {
	ctx := context.Background()
	s := openEmpty(t)
	tok := vigil.NewToken()
	storekit.NewSession(t, s, "alice", tok, t0)
	h := tok.Hash()

	var stored []byte
	var row string
	if err := s.pool.QueryRow(ctx, `SELECT token_hash, t::text FROM sessions t`).Scan(&stored, &row); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stored, h[:]) {
		t.Fatalf("token_hash column = %x, want the 32-byte SHA-256 %x", stored, h)
	}
	if !strings.Contains(row, hex.EncodeToString(h[:])) {
		t.Fatalf("row %q does not show the hash: the scan below would prove nothing", row)
	}
	for name, secret := range map[string]string{
		"hex":           hex.EncodeToString(tok[:]),
		"base64url":     tok.String(),
		"base64":        base64.StdEncoding.EncodeToString(tok[:]),
		"base64 (trim)": base64.RawStdEncoding.EncodeToString(tok[:]),
		"raw bytes":     string(tok[:]),
	} {
		if strings.Contains(row, secret) {
			t.Errorf("the sessions table holds the token as %s", name)
		}
	}
}

func TestTwoStoresUpdateOneThrottleKey(t *testing.T) {
	_, url := freshSchema(t)
	a, b := open(t, url), open(t, url)
	storetest.TwoStoresOneThrottleKey(t, a, b)
}

// TestTwoStoresOneServerKey: instances on one schema sign with one key.
func TestTwoStoresOneServerKey(t *testing.T) {
	_, url := freshSchema(t)
	a, b := open(t, url), open(t, url)
	storetest.TwoStoresOneServerKey(t, a, b)
}

// TestRevocationLogFollowedWhileWritten is what a caching instance does:
// it follows the log with RevocationsSince(last) while other instances
// append to it concurrently. It must see every entry: an entry that became
// visible after the follower had moved past its seq would be lost to it.
func TestRevocationLogFollowedWhileWritten(t *testing.T) {
	ctx := context.Background()
	s := openEmpty(t)
	var sessions []*vigil.Session
	for i := range 240 {
		sessions = append(sessions, storekit.NewSession(t, s, fmt.Sprintf("user%d", i%8), vigil.NewToken(), t0))
	}
	seen := map[int64]bool{}
	var last int64
	follow := func() {
		revs, err := s.RevocationsSince(ctx, last, 1000)
		if err != nil {
			t.Errorf("RevocationsSince: %v", err)
			return
		}
		for _, r := range revs {
			seen[r.Seq] = true
			last = r.Seq
		}
	}
	var writers sync.WaitGroup
	for w := range 8 {
		writers.Go(func() {
			for i := w; i < len(sessions); i += 8 {
				if i%3 == 0 {
					err := s.RotateSession(ctx, sessions[i].ID, vigil.NewToken().Hash(), t0)
					if err != nil {
						t.Errorf("RotateSession: %v", err)
					}
				}
				if _, err := s.EndSession(ctx, sessions[i].ID, vigil.ReasonLogout, t0); err != nil {
					t.Errorf("EndSession: %v", err)
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { writers.Wait(); close(done) }()
	for following := true; following; {
		select {
		case <-done:
			following = false
		default:
		}
		follow()
	}
	follow()
	all, err := s.RevocationsSince(ctx, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 320 {
		t.Errorf("log has %d entries, want 320 (240 ends, 80 rotations)", len(all))
	}
	for _, r := range all {
		if !seen[r.Seq] {
			t.Errorf("the follower never saw entry %d: it became visible after a later one", r.Seq)
		}
	}
}

func TestEventLimits(t *testing.T) {
	ctx := context.Background()
	s := openEmpty(t)
	// Appended in one statement: this tests Events, not AppendEvent.
	_, err := s.pool.Exec(ctx, `INSERT INTO audit_events (time, event)
		SELECT $2::timestamptz + i * interval '1 microsecond', 'login_failed' FROM generate_series(1, $1) AS i`,
		sqlstore.MaxEventLimit+1, t0)
	if err != nil {
		t.Fatal(err)
	}
	storekit.EventLimits(t, s)
}

func TestChannelNameFitsAnIdentifier(t *testing.T) {
	long := strings.Repeat("s", 63)
	for _, schema := range []string{"public", "vigil_t_0123456789abcdef", long, long[:62] + "t"} {
		name := channelName(schema)
		if len(name) > 63 {
			t.Errorf("channelName(%q) = %q: %d bytes, over the 63 of an identifier", schema, name, len(name))
		}
	}
	if channelName(long) == channelName(long[:62]+"t") {
		t.Errorf("two long schema names share the channel %q", channelName(long))
	}
}
