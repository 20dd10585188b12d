package main

import (
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/vigilauth/vigil/internal/testkit"
)

// Helpers for the tests that run several vigil instances on one shared
// store (multi_test.go) and the fault tests (fault_test.go).

// sessionCookie is the cookie's name with --dev.
const sessionCookie = "vigil_session"

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

// cookie returns the device's session cookie, failing the test when it
// has none.
func (d *device) cookie() *http.Cookie {
	d.T.Helper()
	for _, c := range d.Client.Jar.Cookies(mustURL(d.T, d.srv.URL)) {
		if c.Name == sessionCookie {
			return c
		}
	}
	d.T.Fatalf("device of %s holds no %s cookie", d.srv.URL, sessionCookie)
	return nil
}

// on returns a device for another instance holding the same session
// (carry), failing the test when d holds no session cookie.
func (d *device) on(other *server) *device {
	d.T.Helper()
	d.cookie()
	return carry(d.T, d, other)
}

// carry returns a device of s holding every cookie d held (none, if d's
// cookies were cleared; set for s's URL, since each instance has its own
// port) and d's CSRF token: the same browser, on another instance or
// after the server restarted on another port.
func carry(t testing.TB, d *device, s *server) *device {
	nd := s.device(t)
	var kept []*http.Cookie
	for _, c := range d.Client.Jar.Cookies(mustURL(t, d.srv.URL)) {
		kept = append(kept, &http.Cookie{Name: c.Name, Value: c.Value, Path: "/"})
	}
	nd.Client.Jar.SetCookies(mustURL(t, s.URL), kept)
	nd.CSRF = d.CSRF
	return nd
}

// sessionID returns the public id of the device's session (GET
// /api/auth/session must answer 200).
func (d *device) sessionID(what string) string {
	d.T.Helper()
	r := d.Do("GET", "/api/auth/session", nil)
	expect(d.T, what, r, 200)
	sess, _ := r.Body["session"].(map[string]any)
	id, _ := sess["id"].(string)
	if id == "" {
		d.T.Fatalf("%s: no session id: %s", what, r.Raw)
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
	got := make([]*testkit.Response, len(devices))
	for left := len(devices); left > 0 && time.Since(since) < deadline; {
		for i, n := range devices {
			if got[i] != nil {
				continue
			}
			if r := n.d.Do("GET", "/api/auth/session", nil); r.Status != 200 {
				got[i] = &r
				left--
				t.Logf("%s: %d %s %s seen %v after the revocation", n.name, r.Status, r.Code(), r.Reason(), time.Since(since))
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
func rawCheck(srv *server, path, token string) (testkit.Response, error) {
	req, err := http.NewRequest("GET", srv.URL+path, nil)
	if err != nil {
		return testkit.Response{}, err
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
	}
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return testkit.Response{}, err
	}
	defer resp.Body.Close()
	return testkit.ReadResponse(resp), nil
}

// retryAfter returns the Retry-After header of r in seconds, failing the
// test unless it is a positive integer.
func retryAfter(t *testing.T, what string, r testkit.Response) int {
	t.Helper()
	v := r.Header.Get("Retry-After")
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s: Retry-After %q, want a positive number of seconds: %s", what, v, r.Raw)
	}
	return n
}
