package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Helpers for the tests that run several vigil instances on one shared
// store (multi_test.go) and the fault tests (fault_test.go).

// sessionCookie is the cookie's name with --dev.
const sessionCookie = "vigil_session"

// testPostgres returns VIGIL_TEST_POSTGRES, skipping the test only when it
// is unset (a set but unreachable server fails the test).
func testPostgres(t *testing.T) string {
	t.Helper()
	u := os.Getenv("VIGIL_TEST_POSTGRES")
	if u == "" {
		t.Skip("VIGIL_TEST_POSTGRES is not set")
	}
	return u
}

// testRedis returns VIGIL_TEST_REDIS, skipping the test only when it is
// unset.
func testRedis(t *testing.T) string {
	t.Helper()
	u := os.Getenv("VIGIL_TEST_REDIS")
	if u == "" {
		t.Skip("VIGIL_TEST_REDIS is not set")
	}
	return u
}

// pgSchema creates an empty schema of the test's own on VIGIL_TEST_POSTGRES
// (dropped with everything in it when the test ends, after the servers
// started later have stopped) and returns a URL whose search_path is it.
func pgSchema(t *testing.T) string {
	t.Helper()
	base := testPostgres(t)
	b := make([]byte, 8)
	rand.Read(b)
	schema := "vigil_t_" + hex.EncodeToString(b)
	exec := func(sql string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	ident := pgx.Identifier{schema}.Sanitize()
	if err := exec("CREATE SCHEMA " + ident); err != nil {
		t.Fatalf("VIGIL_TEST_POSTGRES: creating schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		if err := exec("DROP SCHEMA " + ident + " CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("VIGIL_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// cookie returns the device's session cookie, failing the test when it
// has none.
func (d *device) cookie() *http.Cookie {
	d.t.Helper()
	for _, c := range d.c.Jar.Cookies(mustURL(d.t, d.srv.URL)) {
		if c.Name == sessionCookie {
			return c
		}
	}
	d.t.Fatalf("device of %s holds no %s cookie", d.srv.URL, sessionCookie)
	return nil
}

// on returns a device for another instance holding the same session: the
// same cookie (set for that instance's URL, since each instance has its
// own port) and the same CSRF token.
func (d *device) on(other *server) *device {
	d.t.Helper()
	c := d.cookie()
	nd := other.device(d.t)
	nd.c.Jar.SetCookies(mustURL(d.t, other.URL), []*http.Cookie{{Name: c.Name, Value: c.Value, Path: "/"}})
	nd.csrf = d.csrf
	return nd
}

// sessionID returns the public id of the device's session (GET
// /api/auth/session must answer 200).
func (d *device) sessionID(what string) string {
	d.t.Helper()
	r := d.do("GET", "/api/auth/session", nil)
	expect(d.t, what, r, 200)
	sess, _ := r.Body["session"].(map[string]any)
	id, _ := sess["id"].(string)
	if id == "" {
		d.t.Fatalf("%s: no session id: %s", what, r.Raw)
	}
	return id
}

// warm sends n GET /api/auth/session on each device, all of which must
// answer 200 for the same session.
func warm(t *testing.T, n int, devices ...*device) {
	t.Helper()
	want := ""
	for i := range n {
		for _, d := range devices {
			id := d.sessionID("warm " + d.srv.URL + " #" + strconv.Itoa(i))
			if want == "" {
				want = id
			} else if id != want {
				t.Fatalf("warm: %s answered session %s, want %s (the same cookie)", d.srv.URL, id, want)
			}
		}
	}
}

// named is a device with a name for the test's log ("A phone").
type named struct {
	name string
	d    *device
}

// awaitEnd polls GET /api/auth/session on every device (in turn, every
// 20 ms) until each has answered something other than 200, or until the
// deadline. It fails the test unless each first non-200 answer is 401 with
// the code and reason, and logs how long after since each was seen.
func awaitEnd(t *testing.T, since time.Time, deadline time.Duration, code, reason string, devices ...named) {
	t.Helper()
	got := make([]*response, len(devices))
	for left := len(devices); left > 0 && time.Since(since) < deadline; {
		for i, n := range devices {
			if got[i] != nil {
				continue
			}
			if r := n.d.do("GET", "/api/auth/session", nil); r.Status != 200 {
				got[i] = &r
				left--
				t.Logf("%s: %d %s %s seen %v after the revocation", n.name, r.Status, r.code(), r.reason(), time.Since(since))
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	for i, n := range devices {
		if got[i] == nil {
			t.Fatalf("%s still answered 200 %v after the revocation (want 401 %s %s)", n.name, deadline, code, reason)
		}
		expect(t, n.name+" after the revocation", *got[i], 401, code, reason)
	}
}

// rawCheck sends GET path to srv with the session cookie set by hand (no
// jar, so a 401 that clears the cookie does not stop the next request from
// carrying it). It returns the status, the code, and an error only for a
// failed exchange.
func rawCheck(srv *server, path, token string) (response, error) {
	req, err := http.NewRequest("GET", srv.URL+path, nil)
	if err != nil {
		return response{}, err
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
	}
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := response{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &out.Body)
	return out, nil
}

// retryAfter returns the Retry-After header of r in seconds, failing the
// test unless it is a positive integer.
func retryAfter(t *testing.T, what string, r response) int {
	t.Helper()
	v := r.Header.Get("Retry-After")
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s: Retry-After %q, want a positive number of seconds: %s", what, v, r.Raw)
	}
	return n
}
