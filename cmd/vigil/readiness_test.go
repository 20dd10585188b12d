package main

import (
	"context"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vigilauth/vigil/internal/pgtest"
	"github.com/vigilauth/vigil/internal/testkit"
)

// TestReadyzFollowsFailingWrites: a store that still answers reads and
// pings but refuses every write (here a PostgreSQL role whose write
// privileges are revoked, as a full disk refuses them) makes /readyz 503
// once a write has failed; the first write that succeeds after the
// privileges are back makes it 200 again.
func TestReadyzFollowsFailingWrites(t *testing.T) {
	ctx := context.Background()
	admin := pgtest.Admin(t, ctx)
	defer admin.Close(ctx)
	role := "vigil_r_" + pgtest.RandomHex(6)
	exec := func(sql string) {
		t.Helper()
		if _, err := admin.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec("CREATE ROLE " + pgx.Identifier{role}.Sanitize() + " LOGIN")
	t.Cleanup(func() {
		conn := pgtest.Admin(t, ctx)
		defer conn.Close(ctx)
		conn.Exec(ctx, "DROP OWNED BY "+pgx.Identifier{role}.Sanitize())
		conn.Exec(ctx, "DROP ROLE "+pgx.Identifier{role}.Sanitize())
	})
	schema, db := pgtest.Schema(t)
	ident := pgx.Identifier{schema}.Sanitize() + " "
	exec("GRANT ALL ON SCHEMA " + ident + "TO " + pgx.Identifier{role}.Sanitize())
	u, err := url.Parse(db)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)

	srv := startServer(t, u.String(), "--dev")
	srv.addUser(t, "alice", "patient", opsPW)
	signedIn := srv.device(t)
	signedIn.Login("alice", opsPW)
	expect(t, "readyz while writes succeed", signedIn.Do("GET", "/readyz", nil), 200)

	exec("REVOKE INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + ident + "FROM " + pgx.Identifier{role}.Sanitize())
	login := func() testkit.Response {
		return srv.device(t).Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": opsPW})
	}
	if r := login(); r.Status < 500 {
		t.Fatalf("login with writes refused: %d %s", r.Status, r.Raw)
	}
	expect(t, "session reads still work", signedIn.Do("GET", "/api/auth/session", nil), 200)
	r := signedIn.Do("GET", "/readyz", nil)
	expect(t, "readyz after a write failed", r, 503, "UNAVAILABLE")
	if r.Str("status") != "unavailable" {
		t.Errorf("readyz after a write failed: %s", r.Raw)
	}

	exec("GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + ident + "TO " + pgx.Identifier{role}.Sanitize())
	expect(t, "login once writes work again", login(), 200)
	expect(t, "readyz after a write succeeded", signedIn.Do("GET", "/readyz", nil), 200)
}
