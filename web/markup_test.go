package web_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkPage fails the test unless p is a page as every vigil page must be:
// the strict CSP and the other headers; no inline script, no style element
// or attribute, no event-handler attribute, nothing loaded from elsewhere;
// every session form carrying the session's CSRF token (csrf, when known);
// every field labelled; ids unique.
func checkPage(t *testing.T, what string, p page, csrf string) {
	t.Helper()
	for name, want := range map[string]string{
		"Content-Security-Policy": wantCSP,
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
		"Content-Type":            "text/html; charset=utf-8",
	} {
		if got := p.Header.Get(name); got != want {
			t.Errorf("%s: %s = %q, want %q", what, name, got, want)
		}
	}
	if p.Doc == nil {
		t.Fatalf("%s: not HTML: %.300s", what, p.Body)
	}
	ids := map[string]bool{}
	labels := map[string]bool{}
	for _, l := range p.Doc.find(func(n *node) bool { return n.Tag == "label" }) {
		labels[l.Attr["for"]] = true
	}
	for _, n := range p.Doc.find(func(n *node) bool { return n.Tag != "#text" && n.Tag != "#document" }) {
		checkElement(t, what, n)
		if id := n.Attr["id"]; id != "" {
			if ids[id] {
				t.Errorf("%s: id %q used twice", what, id)
			}
			ids[id] = true
		}
		if labelled(n) && !labels[n.Attr["id"]] && n.Attr["aria-label"] == "" {
			t.Errorf("%s: <%s name=%q> has no label", what, n.Tag, n.Attr["name"])
		}
	}
	for _, f := range p.Doc.find(func(n *node) bool { return n.Tag == "form" }) {
		checkForm(t, what, f, csrf)
	}
}

func checkElement(t *testing.T, what string, n *node) {
	t.Helper()
	if n.Tag == "style" {
		t.Errorf("%s: a <style> element", what)
	}
	if n.Tag == "script" {
		if src := n.Attr["src"]; !strings.HasPrefix(src, "/auth/static/") {
			t.Errorf("%s: script without a local src: %q", what, src)
		}
		if strings.TrimSpace(n.Text()) != "" {
			t.Errorf("%s: inline script: %q", what, n.Text())
		}
	}
	for name, v := range n.Attr {
		switch {
		case name == "style":
			t.Errorf("%s: style attribute on <%s>: %q", what, n.Tag, v)
		case strings.HasPrefix(name, "on"):
			t.Errorf("%s: event handler attribute %s on <%s>", what, name, n.Tag)
		case name == "href" || name == "src" || name == "action":
			if strings.HasPrefix(strings.ToLower(strings.TrimSpace(v)), "javascript:") || strings.HasPrefix(v, "//") || strings.Contains(v, "://") {
				t.Errorf("%s: <%s %s=%q> does not stay on this origin", what, n.Tag, name, v)
			}
		}
	}
}

// labelled reports whether n is a field a person fills in (and so needs a
// label).
func labelled(n *node) bool {
	switch n.Tag {
	case "select", "textarea":
		return true
	case "input":
		_, hidden := n.Attr["hidden"]
		return !hidden && n.Attr["type"] != "hidden" && n.Attr["type"] != "submit"
	}
	return false
}

// checkForm: a form posted with a session (all but sign-in and reset)
// must carry the session's CSRF token.
func checkForm(t *testing.T, what string, f *node, csrf string) {
	t.Helper()
	if strings.ToLower(f.Attr["method"]) != "post" {
		return
	}
	action := f.Attr["action"]
	if !strings.HasPrefix(action, "/auth/") {
		t.Errorf("%s: form posts to %q", what, action)
	}
	if action == "/auth/login" || action == "/auth/reset" {
		return
	}
	fields := f.find(func(n *node) bool { return n.Tag == "input" && n.Attr["name"] == "csrf_token" })
	if len(fields) != 1 || fields[0].Attr["type"] != "hidden" {
		t.Errorf("%s: form %s has no hidden csrf_token field", what, action)
		return
	}
	if got := fields[0].Attr["value"]; got == "" || (csrf != "" && got != csrf) {
		t.Errorf("%s: form %s: csrf_token %q, want the session's %q", what, action, got, csrf)
	}
}

// TestEveryPage renders every page, in its usual states, and checks its
// headers and markup (checkPage).
func TestEveryPage(t *testing.T) {
	h := newHarness(t)
	anon := h.browser()
	alice := h.browser()
	alice.signIn("alice", alicePW)
	aliceCSRF := alice.csrf()
	root := h.browser()
	root.signIn("root", rootPW)
	rootCSRF := root.csrf()

	check := func(who *browser, csrf, path string, status int) page {
		t.Helper()
		p := who.get(path)
		expectStatus(t, path, p, status)
		checkPage(t, path, p, csrf)
		return p
	}
	check(anon, "", "/auth/login", 200)
	check(anon, "", "/auth/login?reason=inactivity&rd=%2Fauth%2Fadmin", 200)
	check(anon, "", "/auth/reset", 200)
	check(anon, "", "/auth/nowhere", 404)
	check(alice, aliceCSRF, "/auth/account", 200)
	if p := check(alice, aliceCSRF, "/auth/nowhere", 404); !strings.Contains(p.Body, `id="signed-in-as"`) {
		t.Error("the 404 page of a signed-in visitor lost the signed-in header")
	}
	if p := check(anon, "", "/auth/nowhere", 404); strings.Contains(p.Body, `id="signed-in-as"`) {
		t.Error("the 404 page of a visitor without a session shows a signed-in header")
	}
	check(alice, aliceCSRF, "/auth/account?done=revoked-others&n=2", 200)
	check(alice, aliceCSRF, "/auth/reauth?rd=/auth/account", 200)
	check(alice, aliceCSRF, "/auth/admin", 403)
	for _, path := range []string{"/auth/admin", "/auth/admin/users/alice", "/auth/admin/users/bob", "/auth/admin/sessions",
		"/auth/admin/audit", "/auth/admin/audit?event=login_succeeded&since=1h", "/auth/admin/policy", "/auth/account"} {
		check(root, rootCSRF, path, 200)
	}
	check(root, rootCSRF, "/auth/admin/users/nobody", 404)
	check(root, rootCSRF, "/auth/admin/audit?since=yesterday", 400)

	// Pages rendered in answer to forms.
	p := anon.post("/auth/login", url.Values{"username": {"alice"}, "password": {"wrong password here"}})
	expectStatus(t, "failed sign-in", p, 401)
	checkPage(t, "failed sign-in", p, "")
	p = alice.post("/auth/account/password", url.Values{"csrf_token": {aliceCSRF}, "current_password": {alicePW}, "new_password": {"short"}, "confirm_password": {"short"}})
	expectStatus(t, "weak password", p, 400)
	checkPage(t, "weak password", p, aliceCSRF)
	p = root.post("/auth/admin/users", url.Values{"csrf_token": {rootCSRF}, "rd": {"/auth/admin"}, "username": {"carol"}, "role": {"clinician"}, "clinician_id": {"GMC-1"}})
	expectStatus(t, "create user", p, 200)
	checkPage(t, "create user", p, rootCSRF)
	p = root.post("/auth/admin/users/alice/reset-link", url.Values{"csrf_token": {rootCSRF}, "rd": {"/auth/admin/users/alice"}})
	expectStatus(t, "reset link", p, 200)
	checkPage(t, "reset link", p, rootCSRF)

	// The idle warning is on every signed-in page, and only there.
	hasScript := func(p page, src string) bool {
		return len(p.Doc.find(func(n *node) bool { return n.Tag == "script" && n.Attr["src"] == src })) > 0
	}
	if !hasScript(alice.get("/auth/account"), "/auth/static/vigil.js") || !hasScript(root.get("/auth/admin/audit"), "/auth/static/vigil.js") {
		t.Error("a signed-in page without /auth/static/vigil.js")
	}
	if hasScript(anon.get("/auth/login"), "/auth/static/vigil.js") {
		t.Error("the sign-in page loads the idle warning")
	}
}

// TestStaticFiles: the script, stylesheet and icon are served from the
// binary with their types, revalidated by ETag.
func TestStaticFiles(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	for file, ctype := range map[string]string{
		"vigil.js": "text/javascript", "pages.js": "text/javascript", "vigil.css": "text/css", "icon.svg": "image/svg+xml",
	} {
		p := b.get("/auth/static/" + file)
		expectStatus(t, file, p, 200)
		if want, err := os.ReadFile(filepath.Join("static", file)); err != nil || p.Body != string(want) {
			t.Errorf("%s: the answer is not the file (%v)", file, err)
		}
		if got := p.Header.Get("Content-Type"); !strings.HasPrefix(got, ctype) {
			t.Errorf("%s: Content-Type %q, want %s", file, got, ctype)
		}
		etag := p.Header.Get("ETag")
		if etag == "" || p.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: ETag %q, nosniff %q", file, etag, p.Header.Get("X-Content-Type-Options"))
		}
		req, _ := http.NewRequest("GET", h.URL+"/auth/static/"+file, nil)
		req.Header.Set("If-None-Match", etag)
		if again := b.do(req); again.Status != http.StatusNotModified {
			t.Errorf("%s with its ETag: status %d, want 304", file, again.Status)
		}
	}
	if p := b.get("/auth/static/nope.js"); p.Status != http.StatusNotFound {
		t.Errorf("unknown static file: status %d", p.Status)
	}
}

// TestEveryPageUnderARoutePrefix: with --route-prefix, every address a
// page writes (links, images, scripts, forms, return addresses) is under
// the prefix, and so are its redirects.
func TestEveryPageUnderARoutePrefix(t *testing.T) {
	const prefix = "/sso"
	h := newHarnessAt(t, prefix)
	anon := h.browser()
	if p := anon.get("/auth/account"); p.Status != http.StatusSeeOther || p.location() != prefix+"/auth/login?rd=%2Fsso%2Fauth%2Faccount" {
		t.Errorf("account page without a session: %d, Location %q", p.Status, p.location())
	}
	root := h.browser()
	root.signIn("root", rootPW)
	var user *node
	for _, path := range []string{"/auth/login", "/auth/reset", "/auth/nowhere", "/auth/account", "/auth/reauth?rd=/sso/auth/account",
		"/auth/admin", "/auth/admin/users/alice", "/auth/admin/sessions", "/auth/admin/audit", "/auth/admin/policy"} {
		who := root
		if path == "/auth/login" || path == "/auth/reset" {
			who = anon
		}
		p := who.get(path)
		if p.Doc == nil {
			t.Fatalf("%s: %d, not a page", path, p.Status)
		}
		for _, n := range p.Doc.find(func(n *node) bool { return n.Tag != "#text" }) {
			for _, attr := range []string{"href", "src", "action"} {
				if v, ok := n.Attr[attr]; ok && strings.HasPrefix(v, "/") && !strings.HasPrefix(v, prefix+"/") {
					t.Errorf("%s: <%s %s=%q> is outside %s", path, n.Tag, attr, v, prefix)
				}
			}
			if n.Attr["name"] == "rd" && !strings.HasPrefix(n.Attr["value"], prefix+"/") {
				t.Errorf("%s: return address %q is outside %s", path, n.Attr["value"], prefix)
			}
		}
		if path == "/auth/admin/users/alice" {
			user = p.Doc
		}
	}
	if user == nil || len(user.find(func(n *node) bool { return n.Tag == "form" })) == 0 {
		t.Fatal("no forms on the user page")
	}
	// The bare /auth is sent to the pages under the prefix, never to the
	// app's /auth/.
	if p := anon.get("/auth"); p.Status != http.StatusTemporaryRedirect || p.location() != prefix+"/auth/" {
		t.Errorf("%s/auth: %d, Location %q, want %s/auth/", prefix, p.Status, p.location(), prefix)
	}
	csrf := root.csrf()
	p := root.post("/auth/admin/users/alice/revoke-sessions", url.Values{"csrf_token": {csrf}, "rd": {prefix + "/auth/admin/users/alice"}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.location(), prefix+"/auth/admin/users/alice") {
		t.Errorf("an admin form under the prefix: %d, Location %q", p.Status, p.location())
	}
}
