package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// BaseURL returns VIGIL_TEST_POSTGRES, skipping the test when it is unset
// (CI always sets it).
func BaseURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("VIGIL_TEST_POSTGRES")
	if u == "" {
		t.Skip("VIGIL_TEST_POSTGRES is not set")
	}
	return u
}

// Admin connects to the test server as given, outside any test schema. A
// set but unreachable server fails the test.
func Admin(t testing.TB, ctx context.Context) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, BaseURL(t))
	if err != nil {
		t.Fatalf("connecting to VIGIL_TEST_POSTGRES: %v", err)
	}
	return conn
}

// Schema creates an empty schema of the test's own on the shared test
// server, dropped with everything in it when the test ends, and returns its
// name and a URL whose search_path is that schema, so that runs in parallel
// never see each other's rows.
func Schema(t testing.TB) (string, string) {
	t.Helper()
	return NamedSchema(t, "vigil_t_"+RandomHex(8))
}

// NamedSchema is Schema with the schema's name.
func NamedSchema(t testing.TB, schema string) (string, string) {
	t.Helper()
	ctx := context.Background()
	conn := Admin(t, ctx)
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatalf("creating schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn := Admin(t, ctx)
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	return schema, WithParam(t, BaseURL(t), "search_path", schema)
}

// WithParam adds a setting to a postgres:// URL or a keyword/value string.
func WithParam(t testing.TB, base, key, value string) string {
	t.Helper()
	if !strings.HasPrefix(base, "postgres://") && !strings.HasPrefix(base, "postgresql://") {
		return base + " " + key + "=" + value
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("VIGIL_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// RandomHex returns n random bytes in hex.
func RandomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
