package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilauth/vigil/dbsc/dbsctest"
	"github.com/vigilauth/vigil/internal/pgtest"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/vigilhttp"
)

// balancer is a load balancer in front of several instances: one origin
// for the browser, each request sent to the instance the test chose.
type balancer struct {
	URL string
	to  atomic.Pointer[httputil.ReverseProxy]
}

func newBalancer(t *testing.T) *balancer {
	b := &balancer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { b.to.Load().ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	b.URL = srv.URL
	return b
}

// use sends every later request to s.
func (b *balancer) use(s *server) {
	u, _ := url.Parse(s.URL)
	b.to.Store(httputil.NewSingleHostReverseProxy(u))
}

// get sends GET path with c through the balancer, as a page's fetch.
func (b *balancer) get(t *testing.T, c interface {
	Do(*http.Request) (*http.Response, error)
}, path string) testkit.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", b.URL+path, nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	return testkit.ReadResponse(resp)
}

// TestBoundCookieRefreshedOnOneInstanceWorksOnAnother: two instances on
// one PostgreSQL schema behind a balancer. A browser binds through A and
// is known warm on B; it renews its bound cookie through A; B honours the
// new cookie at once (its cached copy of the session has the old one, so
// it reads the store before refusing), and refuses the old one.
func TestBoundCookieRefreshedOnOneInstanceWorksOnAnother(t *testing.T) {
	_, db := pgtest.Schema(t)
	a := startServer(t, db, "--dev")
	b := startServer(t, db, "--dev")
	a.addUser(t, "alice", "patient", alicePW)
	lb := newBalancer(t)

	c := dbsctest.NewClient(nil)
	lb.use(a)
	body, _ := json.Marshal(map[string]string{"username": "alice", "password": alicePW})
	req, _ := http.NewRequest("POST", lb.URL+"/api/auth/login", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, ok := c.Registered(); resp.StatusCode != http.StatusOK || !ok {
		t.Fatalf("sign-in %d, registered %v: %+v", resp.StatusCode, ok, c.Events())
	}
	u, _ := url.Parse(lb.URL)
	old := c.Cookies(u)

	lb.use(b)
	for range 5 { // B caches the session with the first bound cookie
		expect(t, "on B", lb.get(t, c, "/api/auth/session"), http.StatusOK)
	}
	lb.use(a)
	if err := c.Refresh(t.Context()); err != nil {
		t.Fatalf("refresh through A: %v", err)
	}
	lb.use(b)
	expect(t, "on B at once, with the cookie A issued", lb.get(t, c, "/api/auth/session"), http.StatusOK)

	jar, _ := cookiejar.New(nil)
	jar.SetCookies(u, old)
	stale := &http.Client{Jar: jar}
	deadline := time.Now().Add(propagates)
	for {
		r := lb.get(t, stale, "/api/auth/session")
		if r.Status == http.StatusUnauthorized && r.Code() == "DEVICE_BINDING_REQUIRED" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B still takes the bound cookie A replaced: %d %s", r.Status, r.Raw)
		}
		jar.SetCookies(u, old) // a refusal expires the copy: put it back
		time.Sleep(10 * time.Millisecond)
	}
	for _, k := range old {
		if k.Name == vigilhttp.DevBoundCookieName {
			return
		}
	}
	t.Fatal("the copy held no bound cookie")
}
