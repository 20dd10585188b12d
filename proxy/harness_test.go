package proxy_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/httpapi"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/proxy"
	"github.com/vigilauth/vigil/vigilhttp"
)

// config is how a test runs vigil in front of the app: the flags that
// bear on what the app is told.
type config struct {
	public    []string                  // --public-paths
	publicURL string                    // --public-url
	trusted   []string                  // --trusted-proxies
	dev       bool                      // --dev
	tls       bool                      // vigil serves TLS itself
	identity  vigilhttp.IdentityHeaders // --identity-headers
}

// front is vigil in reverse-proxy mode, wired as `vigil serve --upstream`
// wires it: one session layer, shared by the API and the proxy, which
// NewServer mounts as the app.
type front struct {
	URL    string
	addr   string // host:port, for requests written by hand
	engine *auth.Engine
	dev    bool
	client *http.Client
}

// newFront starts vigil in front of the app at upstream.
func newFront(t *testing.T, upstream string, c config) *front {
	t.Helper()
	up, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	e := testkit.Engine(testkit.SQLite(t), auth.Options{
		Policy: vigil.Policy{Lifetime: 12 * time.Hour, IdleTimeout: 15 * time.Minute}})
	opt := proxy.Options{PublicPaths: c.public}
	if c.publicURL != "" {
		opt.PublicURL, _ = url.Parse(c.publicURL)
	}
	s := vigilhttp.New(e, vigilhttp.Options{Dev: c.dev, TrustedProxies: prefixes(t, c.trusted), IdentityHeaders: c.identity})
	h := httpapi.NewServer(httpapi.Deps{Engine: e, Sessions: s, PublicURL: opt.PublicURL, App: proxy.New(up, s, opt)})
	srv := httptest.NewUnstartedServer(h)
	if c.tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &front{URL: srv.URL, addr: srv.Listener.Addr().String(), engine: e, dev: c.dev, client: client}
}

func prefixes(t *testing.T, cidrs []string) []netip.Prefix {
	t.Helper()
	var ps []netip.Prefix
	for _, c := range cidrs {
		ps = append(ps, netip.MustParsePrefix(c))
	}
	return ps
}

// signIn creates a user of role and returns the Cookie header of a live
// session of theirs.
func (f *front) signIn(t *testing.T, username string, role vigil.Role) string {
	t.Helper()
	u := auth.NewUser{Username: username, Role: role, Password: "a long and quiet afternoon"}
	if role == vigil.RoleClinician {
		u.ClinicianID = "GMC-1"
	}
	cur := testkit.SignIn(t, f.engine, u, auth.Actor{})
	return vigilhttp.Cookies{Dev: f.dev}.Name() + "=" + cur.Token.String()
}

// answer is a response with its body read.
type answer struct {
	*http.Response
	body []byte
}

// raw sends "GET path" to f written by hand on a TCP connection, with the
// header lines exactly as given — no client library spells the names for
// it — and returns the answer.
func (f *front) raw(t *testing.T, path string, lines ...string) answer {
	t.Helper()
	conn, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := "GET " + path + " HTTP/1.1\r\nHost: " + f.addr + "\r\n" + strings.Join(lines, "\r\n")
	if len(lines) > 0 {
		req += "\r\n"
	}
	if _, err := io.WriteString(conn, req+"Connection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	return readAnswer(t, conn)
}

// readAnswer reads one HTTP answer from conn.
func readAnswer(t *testing.T, conn net.Conn) answer {
	t.Helper()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp, body}
}

// get sends a GET through Go's client (over TLS when f serves it).
func (f *front) get(t *testing.T, path string, headers ...string) answer {
	t.Helper()
	req, _ := http.NewRequest("GET", f.URL+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return answer{resp, body}
}

// received is what the echo app got.
type received struct {
	Path    string      `json:"path"`
	Header  http.Header `json:"header"`
	Trailer http.Header `json:"trailer"`
}

// echoApp starts an app that answers every request with what it received,
// its body read to the end (so trailers are in).
func echoApp(t *testing.T) string {
	t.Helper()
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		json.NewEncoder(w).Encode(received{Path: r.URL.Path, Header: r.Header, Trailer: r.Trailer})
	}))
	t.Cleanup(app.Close)
	return app.URL
}

// decode reads the echo app's answer that came back through vigil.
func decode(t *testing.T, a answer) received {
	t.Helper()
	var got received
	if a.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", a.StatusCode, a.body)
	}
	if err := json.Unmarshal(a.body, &got); err != nil || got.Path == "" {
		t.Fatalf("not the app's answer (%v): %s", err, a.body)
	}
	return got
}

// carrying returns the names of h's headers with a value containing
// marker, as "name: value".
func carrying(h http.Header, marker string) []string {
	var found []string
	for name, vs := range h {
		for _, v := range vs {
			if strings.Contains(v, marker) {
				found = append(found, fmt.Sprintf("%s: %s", name, v))
			}
		}
	}
	return found
}
