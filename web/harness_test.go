package web_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/httpapi"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/password"
	"github.com/vigilauth/vigil/vigilhttp"
	"github.com/vigilauth/vigil/web"
)

// The users every harness starts with.
const (
	alicePW = "quiet-lantern-harbor-5821"  // alice: patient
	bobPW   = "amber-falcon-meadow-9034"   // bob: clinician C-17
	rootPW  = "silver-canyon-thistle-4476" // root: admin
)

const cookieName = vigilhttp.DevCookieName

// wantCSP is the pages' Content-Security-Policy, word for word.
const wantCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// harness is the API with the pages, served by httptest over an engine on
// a temporary SQLite store, with a fake clock and the users alice, bob and
// root.
type harness struct {
	t      *testing.T
	URL    string
	Engine *auth.Engine
	Clock  *testkit.Clock
	Store  vigil.Store
	prefix string // the route prefix the browsers' paths go under
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessAt(t, "")
}

// newHarnessAt is newHarness with vigil's routes under prefix
// (--route-prefix); the browsers' paths are then taken under it. mods
// change the engine's options.
func newHarnessAt(t *testing.T, prefix string, mods ...func(*auth.Options)) *harness {
	t.Helper()
	h := &harness{t: t, Clock: testkit.NewClock(time.Now().UTC().Truncate(time.Second)), prefix: prefix}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	opt := auth.Options{
		Policy: vigil.Policy{Lifetime: 8 * time.Hour, IdleTimeout: 30 * time.Minute, ReauthWindow: 10 * time.Minute},
		Now:    h.Clock.Now, Logger: logger, Normalize: password.Normalize, PasswordMinLength: 15,
	}
	for _, mod := range mods {
		mod(&opt)
	}
	h.Store = testkit.SQLite(t)
	h.Engine = testkit.Engine(h.Store, opt)
	testkit.Run(t, h.Engine)
	testkit.CreateUsers(t, h.Engine, auth.Actor{Username: "test"},
		auth.NewUser{Username: "alice", Role: vigil.RolePatient, Password: alicePW},
		auth.NewUser{Username: "bob", Role: vigil.RoleClinician, ClinicianID: "C-17", Password: bobPW},
		auth.NewUser{Username: "root", Role: vigil.RoleAdmin, Password: rootPW},
	)
	s := vigilhttp.New(h.Engine, vigilhttp.Options{Dev: true, Logger: logger})
	p := web.New(web.Deps{Engine: h.Engine, Sessions: s, Logger: logger, PasswordRules: testkit.Policy().Describe(), RoutePrefix: prefix,
		Passkeys: opt.Passkeys.Enabled()})
	handler := httpapi.NewServer(httpapi.Deps{Engine: h.Engine, Sessions: s, Logger: logger, RoutePrefix: prefix, Pages: p})
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	h.URL = srv.URL
	return h
}

// events returns the audit events named event about username.
func (h *harness) events(username, event string) []vigil.Event {
	h.t.Helper()
	return testkit.Events(h.t, h.Engine, username, event)
}

// browser is one browser without JavaScript: a cookie jar, redirects not
// followed (each test looks at them), same-origin headers on form posts.
type browser struct {
	t   *testing.T
	h   *harness
	c   *http.Client
	jar *cookiejar.Jar
	ua  string
}

func (h *harness) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		h.t.Fatal(err)
	}
	return &browser{t: h.t, h: h, jar: jar, ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
		c: &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is an answer with its parsed HTML (nil when it is not HTML).
type page struct {
	Status int
	Header http.Header
	Body   string
	Doc    *node
}

func (p page) location() string { return p.Header.Get("Location") }

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	req.Header.Set("User-Agent", b.ua)
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	p := page{Status: resp.StatusCode, Header: resp.Header, Body: string(raw)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		p.Doc = parseHTML(b.t, p.Body)
	}
	return p
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, err := http.NewRequest("GET", b.h.URL+b.h.prefix+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post submits a form as a same-origin page of vigil would.
func (b *browser) post(path string, form url.Values, hdr ...string) page {
	b.t.Helper()
	req, err := http.NewRequest("POST", b.h.URL+b.h.prefix+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.h.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return b.do(req)
}

// signIn signs in through the form and fails the test otherwise.
func (b *browser) signIn(user, pw string) {
	b.t.Helper()
	p := b.post("/auth/login", url.Values{"username": {user}, "password": {pw}})
	if p.Status != http.StatusSeeOther {
		b.t.Fatalf("sign in %s: status %d: %s", user, p.Status, p.Body)
	}
}

// csrf reads the CSRF token from the sign-out form of a signed-in page.
func (b *browser) csrf() string {
	b.t.Helper()
	p := b.get("/auth/account")
	if p.Status != http.StatusOK || p.Doc == nil {
		b.t.Fatalf("account page: %d %s", p.Status, p.location())
	}
	in := p.Doc.find(func(n *node) bool { return n.Tag == "input" && n.Attr["name"] == "csrf_token" })
	if len(in) == 0 || in[0].Attr["value"] == "" {
		b.t.Fatal("no csrf_token field on the account page")
	}
	return in[0].Attr["value"]
}

// token returns the session cookie's value in the jar, or "".
func (b *browser) token() string {
	u, _ := url.Parse(b.h.URL)
	for _, ck := range b.jar.Cookies(u) {
		if ck.Name == cookieName {
			return ck.Value
		}
	}
	return ""
}

// setCookie returns the cookie named name that the answer set, or nil.
func setCookie(p page, name string) *http.Cookie {
	for _, line := range p.Header.Values("Set-Cookie") {
		if ck, err := http.ParseSetCookie(line); err == nil && ck.Name == name {
			return ck
		}
	}
	return nil
}

// cleared reports whether the answer tells the browser to drop the
// session cookie.
func cleared(p page) bool {
	ck := setCookie(p, cookieName)
	return ck != nil && ck.MaxAge < 0 && ck.Value == ""
}

// expectStatus fails the test unless p has status.
func expectStatus(t *testing.T, what string, p page, status int) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("%s: status %d, want %d (Location %q): %.600s", what, p.Status, status, p.location(), p.Body)
	}
}

// ---------- a small HTML tree, enough to test vigil's own pages ----------

type node struct {
	Tag    string
	Attr   map[string]string
	Kids   []*node
	Parent *node
	Data   string // the text of a #text node
}

// parseHTML parses a page with encoding/xml in its lenient HTML mode (void
// elements closed, HTML entities known, attributes without values
// accepted). A page it cannot parse fails the test.
func parseHTML(t *testing.T, body string) *node {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(body))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	root := &node{Tag: "#document", Attr: map[string]string{}}
	cur := root
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return root
		}
		if err != nil {
			t.Fatalf("page does not parse: %v\n%s", err, body)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			n := &node{Tag: strings.ToLower(tk.Name.Local), Attr: map[string]string{}, Parent: cur}
			for _, a := range tk.Attr {
				name := a.Name.Local
				if a.Name.Space != "" {
					name = a.Name.Space + ":" + name
				}
				n.Attr[strings.ToLower(name)] = a.Value
			}
			cur.Kids = append(cur.Kids, n)
			cur = n
		case xml.EndElement:
			for n := cur; n != nil; n = n.Parent {
				if n.Tag == strings.ToLower(tk.Name.Local) {
					cur = n.Parent
					break
				}
			}
			if cur == nil {
				cur = root
			}
		case xml.CharData:
			cur.Kids = append(cur.Kids, &node{Tag: "#text", Data: string(tk), Parent: cur})
		}
	}
}

// find returns every node under n (n included) for which match is true,
// in document order.
func (n *node) find(match func(*node) bool) []*node {
	var out []*node
	var walk func(*node)
	walk = func(x *node) {
		if match(x) {
			out = append(out, x)
		}
		for _, k := range x.Kids {
			walk(k)
		}
	}
	walk(n)
	return out
}

// byID returns the element with the id, or nil.
func (n *node) byID(id string) *node {
	if f := n.find(func(x *node) bool { return x.Attr["id"] == id }); len(f) > 0 {
		return f[0]
	}
	return nil
}

// Text is the element's text, its descendants' included, with runs of
// white space folded.
func (n *node) Text() string {
	var b bytes.Buffer
	var walk func(*node)
	walk = func(x *node) {
		b.WriteString(x.Data)
		for _, k := range x.Kids {
			walk(k)
		}
		if x.Tag != "#text" {
			b.WriteByte(' ') // element boundaries separate words (td, li...)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// mustID returns the element with the id or fails the test.
func mustID(t *testing.T, p page, id string) *node {
	t.Helper()
	if p.Doc == nil {
		t.Fatalf("not an HTML page (status %d): %.300s", p.Status, p.Body)
	}
	n := p.Doc.byID(id)
	if n == nil {
		t.Fatalf("no #%s on the page: %.3000s", id, p.Body)
	}
	return n
}
