package httpapi_test

import (
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/httpapi"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/sqlite"
	"github.com/vigilauth/vigil/vigilhttp"
)

// dbBytes is the size of the SQLite database at path, the write-ahead log
// included, as a connection sees it.
func dbBytes(t *testing.T, db *sql.DB) int64 {
	t.Helper()
	var pages, size int64
	if err := db.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`PRAGMA page_size`).Scan(&size); err != nil {
		t.Fatal(err)
	}
	return pages * size
}

// TestLongUsernamesDoNotFillTheDisk: 300 logins with 60 KB usernames, the
// throttled ones included, leave the database about as small as it was:
// no throttle key and no audit field holds the names.
func TestLongUsernamesDoNotFillTheDisk(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "vigil.db")
	store, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	eng := testkit.Engine(store, auth.Options{Policy: vigil.Policy{Lifetime: time.Hour, IdleTimeout: 30 * time.Minute},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	testkit.CreateUsers(t, eng, auth.Actor{Username: "test"}, auth.NewUser{Username: "alice", Role: vigil.RolePatient, Password: alicePW})
	srv := httptest.NewServer(httpapi.NewServer(httpapi.Deps{Engine: eng, Sessions: vigilhttp.New(eng, vigilhttp.Options{Dev: true})}))
	t.Cleanup(srv.Close)
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })

	before := dbBytes(t, db)
	c := &testkit.Browser{T: t, URL: srv.URL, Client: &http.Client{Timeout: 30 * time.Second}, UserAgent: "disk-filler"}
	codes := map[string]int{}
	for range 300 {
		r := c.Do("POST", "/api/auth/login", map[string]string{"username": testkit.RandomLetters(60 << 10), "password": "not the password at all"})
		codes[r.Code()]++
	}
	if codes[vigil.CodeInvalidCredentials] != 5 || codes[vigil.CodeRateLimited] != 295 {
		t.Errorf("answers %v, want 5 INVALID_CREDENTIALS, then RATE_LIMITED", codes)
	}
	if grown := dbBytes(t, db) - before; grown > 512<<10 {
		t.Errorf("300 logins with 60 KB names grew the database by %d KB, want under 512 KB", grown>>10)
	}
	var keys, longestKey int
	if err := db.QueryRow(`SELECT count(*), coalesce(max(length(key)), 0) FROM throttle`).Scan(&keys, &longestKey); err != nil {
		t.Fatal(err)
	}
	if keys > 2 || longestKey > 64 {
		t.Errorf("%d throttle keys, the longest %d bytes; want the address's and one for every invalid name", keys, longestKey)
	}
	var events, longest int
	if err := db.QueryRow(`SELECT count(*), max(length(CAST(username || actor || detail || ip || user_agent || session_id AS BLOB)))
		FROM audit_events WHERE event IN ('login_failed', 'login_throttled')`).Scan(&events, &longest); err != nil {
		t.Fatal(err)
	}
	if events != 300 || longest > 200 {
		t.Errorf("%d login events, the largest %d bytes; want 300, each small", events, longest)
	}
	c.Login("alice", alicePW) // the account is not affected
}

// TestInvalidUsernameAnswersLikeAnUnknownOne: the same status, body and
// headers, the same work; and every invalid name shares one lock, which
// leaves valid names alone.
func TestInvalidUsernameAnswersLikeAnUnknownOne(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.client()
	login := func(name string) testkit.Response {
		return c.Do("POST", "/api/auth/login", map[string]string{"username": name, "password": "not the password at all"})
	}
	h.Hasher.Reset()
	unknown := login("nobody")
	if h.Hasher.Dummies.Load() != 1 || h.Hasher.Verifies.Load() != 0 {
		t.Fatalf("an unknown user: %d dummy, %d real checks", h.Hasher.Dummies.Load(), h.Hasher.Verifies.Load())
	}
	for _, name := range []string{testkit.RandomLetters(60 << 10), "no body", "nöbody", "nobody\x00"} {
		h.Hasher.Reset()
		r := login(name)
		if r.Status != unknown.Status || r.Raw != unknown.Raw {
			t.Errorf("%.20q: %d %s, want %d %s", name, r.Status, r.Raw, unknown.Status, unknown.Raw)
		}
		for k := range r.Header {
			if k != "Date" && k != "X-Request-Id" && strings.Join(r.Header[k], ",") != strings.Join(unknown.Header[k], ",") {
				t.Errorf("%.20q: header %s %q, want %q", name, k, r.Header[k], unknown.Header[k])
			}
		}
		if len(r.Header) != len(unknown.Header) {
			t.Errorf("%.20q: %d headers, want %d", name, len(r.Header), len(unknown.Header))
		}
		if h.Hasher.Dummies.Load() != 1 || h.Hasher.Verifies.Load() != 0 {
			t.Errorf("%.20q: %d dummy, %d real checks; want an unknown user's one dummy", name, h.Hasher.Dummies.Load(), h.Hasher.Verifies.Load())
		}
	}
	login(" no body") // the fifth invalid name within 15 minutes locks them all
	h.Hasher.Reset()
	r := login(testkit.RandomLetters(100))
	expect(t, "an invalid name after five", r, http.StatusTooManyRequests, vigil.CodeRateLimited, "")
	if r.Header.Get("Retry-After") != "60" || h.Hasher.Total() != 0 {
		t.Errorf("Retry-After %q and %d hashes; want 60 and none", r.Header.Get("Retry-After"), h.Hasher.Total())
	}
	expect(t, "a valid unknown name", login("nobody"), http.StatusUnauthorized, vigil.CodeInvalidCredentials, "")
	c.Login("alice", alicePW)
	for _, ev := range h.events("", "") {
		if strings.Contains(ev.Username+ev.Detail, "no body") || len(ev.Username) > 64 {
			t.Errorf("event %s holds the name: username %.40q, detail %q", ev.Event, ev.Username, ev.Detail)
		}
	}
}
