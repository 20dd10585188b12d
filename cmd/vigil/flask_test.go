package main

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil/internal/testkit"
)

// A real Flask app (testdata/flask_notes.py, Debian's python3-flask) put
// behind vigil three ways: nginx's auth_request and Caddy's forward_auth
// from docs/proxies/ (proxies_helpers_test.go), and vigil's own
// --upstream. The app trusts the Remote-* headers it is sent and has no
// sign-in or CSRF check of its own, as the clinic's app had; each check is
// what a browser, an attacker and the app see.

// carol is a user with every field vigil can tell an app.
const (
	carolPW    = "harbour velvet quarry lilac ember"
	carolName  = "Carol Hughes"
	carolEmail = "carol@clinic.example"
	carolGMC   = "GMC-7055501"
	deePW      = "saddle meadow cobalt juniper drift"
)

// flaskIdle is the short --idle-timeout patients get here (clinicians and
// admins keep 30 minutes, so the other checks cannot race it).
const flaskIdle = 5 * time.Second

// flaskIdleWait waits until the time vigil said a session ends for
// inactivity; a test with a clock of its own can replace it.
var flaskIdleWait = func(until time.Time) { time.Sleep(time.Until(until)) }

// TestFlask: the Flask notes app behind nginx, Caddy and --upstream; then
// each again with --route-prefix, the app keeping its own /login.
func TestFlask(t *testing.T) {
	t.Parallel() // long and self-contained: beside the other long ones
	app := startFlask(t)
	for _, front := range []string{"nginx", "caddy", "upstream"} {
		t.Run(front, func(t *testing.T) {
			f := newFlaskFront(t, app, front, "")
			t.Run("sign-in returns to the address asked for", func(t *testing.T) { flaskRoundTrip(t, f, app, "") })
			t.Run("identity reaches the app, a forged one never", func(t *testing.T) { flaskIdentity(t, f, app) })
			t.Run("cross-origin POST refused, same-origin served", func(t *testing.T) { flaskCrossOrigin(t, f, app) })
			t.Run("sign-out and revocation end access", func(t *testing.T) { flaskEnded(t, f, app) })
			t.Run("the idle timeout ends access", func(t *testing.T) { flaskIdleTimeout(t, f, app) })
		})
		t.Run(front+" with --route-prefix", func(t *testing.T) {
			const prefix = "/vigil"
			f := newFlaskFront(t, app, front, prefix)
			b := flaskRoundTrip(t, f, app, prefix)
			v := flaskSaw(t, "the app's /login, signed in", b.Do("GET", "/login", nil, "Accept", "text/html"))
			if v.Page != "the app's own /login" || v.Identity["HTTP_REMOTE_USER"] != "nurse.carol" {
				t.Errorf("GET /login reached %q as %q, want the app's own page for nurse.carol", v.Page, v.Identity["HTTP_REMOTE_USER"])
			}
			anon := f.browser(t)
			r := anon.Do("GET", "/login", nil, "Accept", "text/html")
			if loc := mustURL(t, r.Header.Get("Location")); r.Status != http.StatusSeeOther || loc.Path != prefix+"/auth/login" || loc.Query().Get("rd") != "/login" {
				t.Errorf("the app's /login without a session: %d %q, want vigil's sign-in at the prefix", r.Status, r.Header.Get("Location"))
			}
			page := anon.Do("GET", prefix+"/auth/login", nil, "Accept", "text/html")
			if page.Status != 200 || !strings.Contains(page.Raw, `action="`+prefix+`/auth/login"`) {
				t.Errorf("vigil's sign-in page at %s/auth/login: %d %.200s", prefix, page.Status, page.Raw)
			}
		})
	}
}

// newFlaskFront starts vigil in front of the app (kind nginx, caddy or
// upstream), with vigil's routes under prefix if not "", and the users:
// alice (patient), dr.bob and nurse.carol (clinicians), admin.dee.
func newFlaskFront(t *testing.T, app *flaskApp, kind, prefix string) *forwardAuth {
	t.Helper()
	flags := []string{"--dev", "--idle-timeout", flaskIdle.String(), "--role-idle-timeout", "clinician=30m,admin=30m"}
	if prefix != "" {
		flags = append(flags, "--route-prefix", prefix)
	}
	f := &forwardAuth{t: t, app: &echoApp{addr: app.addr}, ports: [2]int{freePort(t), freePort(t)}}
	switch kind {
	case "nginx":
		f.start(flags...)
		f.nginx(atPrefix(t, prefix,
			"location ~ ^/(?:auth|api/auth|api/admin)/", "location ~ ^"+prefix+"/(?:auth|api/auth|api/admin)/",
			"/api/auth/verify", prefix+"/api/auth/verify",
			"return 303 /auth/login?rd=", "return 303 "+prefix+"/auth/login?rd="))
	case "caddy":
		f.start(flags...)
		f.caddy(atPrefix(t, prefix,
			"@vigil path /auth/* /api/auth/* /api/admin/*", "@vigil path "+prefix+"/auth/* "+prefix+"/api/auth/* "+prefix+"/api/admin/*",
			"uri /api/auth/verify?", "uri "+prefix+"/api/auth/verify?",
			"redir @page /auth/login?rd=", "redir @page "+prefix+"/auth/login?rd="))
	case "upstream":
		// vigil itself is the front: no proxy, so no trusted one.
		f.vigil = startServer(t, "", append(flags, "--upstream", "http://"+app.addr)...)
		f.cookieName, f.URL = sessionCookie, f.vigil.URL
		f.vigil.addUser(t, "alice", "patient", patientPW)
		f.vigil.addUser(t, "dr.bob", "clinician", clinicianPW)
	}
	if code, _, errs := f.vigil.cli(t, carolPW+"\n", "user", "add", "nurse.carol", "--role", "clinician", "--clinician-id", carolGMC,
		"--email", carolEmail, "--display-name", carolName, "--password-stdin"); code != 0 {
		t.Fatalf("user add nurse.carol: exit %d: %s", code, errs)
	}
	f.vigil.addUser(t, "admin.dee", "admin", deePW)
	return f
}

// atPrefix is an edit of a proxy's configuration that puts vigil's paths
// under prefix (as the files' comments say to), each old string replaced
// by its new one; each must be there. Without a prefix it changes nothing.
func atPrefix(t *testing.T, prefix string, oldNew ...string) func(string) string {
	return func(conf string) string {
		for i := 0; prefix != "" && i+1 < len(oldNew); i += 2 {
			if !strings.Contains(conf, oldNew[i]) {
				t.Fatalf("the configuration no longer contains %q: update the test's --route-prefix edit", oldNew[i])
			}
			conf = strings.ReplaceAll(conf, oldNew[i], oldNew[i+1])
		}
		return conf
	}
}

var rdField = regexp.MustCompile(`name="rd" value="([^"]*)"`)

// flaskRoundTrip: a page asked for without a session is sent to vigil's
// sign-in (at prefix), and signing in with the form there comes back to
// that page, query and all, where the app greets the user by name. The
// app is not reached before. It returns the signed-in browser.
func flaskRoundTrip(t *testing.T, f *forwardAuth, app *flaskApp, prefix string) *testkit.Browser {
	// One query parameter: nginx and Caddy cannot percent-encode rd, so a
	// second would be lost (docs/proxies/ say so).
	const want = "/notes?tab=mine"
	before := app.count(t)
	b := f.browser(t)
	r := b.Do("GET", want, nil, "Accept", "text/html")
	if r.Status != http.StatusSeeOther {
		t.Fatalf("page without a session: %d %.300s", r.Status, r.Raw)
	}
	loc := mustURL(t, r.Header.Get("Location"))
	if loc.Path != prefix+"/auth/login" || loc.Query().Get("rd") != want {
		t.Fatalf("sent to %q, want %s/auth/login returning to %s", r.Header.Get("Location"), prefix, want)
	}
	page := b.Do("GET", loc.RequestURI(), nil, "Accept", "text/html")
	m := rdField.FindStringSubmatch(page.Raw)
	if page.Status != 200 || m == nil || html.UnescapeString(m[1]) != want {
		t.Fatalf("the sign-in page does not carry rd %q: %d %v", want, page.Status, m)
	}
	form := url.Values{"username": {"nurse.carol"}, "password": {carolPW}, "rd": {html.UnescapeString(m[1])}}.Encode()
	r = b.Do("POST", prefix+"/auth/login", form, "Content-Type", "application/x-www-form-urlencoded", "Accept", "text/html")
	if r.Status != http.StatusSeeOther || mustURL(t, r.Header.Get("Location")).RequestURI() != want {
		t.Fatalf("signing in with the form: %d to %q, want 303 to %s", r.Status, r.Header.Get("Location"), want)
	}
	if n := app.count(t) - before; n != 0 {
		t.Errorf("the app was reached %d times before sign-in", n)
	}
	greeting := "Signed in as " + carolName + "\n(clinician, " + carolEmail + ", groups clinician)"
	if p := b.Do("GET", want, nil, "Accept", "text/html"); p.Status != 200 || !strings.Contains(p.Raw, greeting) {
		t.Errorf("the app's page after sign-in: %d %.400s\nwant %q", p.Status, p.Raw, greeting)
	}
	if v := flaskSaw(t, "back at the page", b.Do("GET", want, nil)); v.URI != want {
		t.Errorf("the app was asked for %q, want %q", v.URI, want)
	}
	return b
}

// flaskIdentity: the app gets vigil's identity of the user, under every
// name a forged header could take in WSGI (Remote_User and Remote-User are
// both HTTP_REMOTE_USER), and never a client's; without a session the
// forged headers do not reach it at all. Nor does vigil's token.
func flaskIdentity(t *testing.T, f *forwardAuth, app *flaskApp) {
	before := app.count(t)
	if r := f.browser(t).Do("GET", "/api/notes", nil, forgeries()...); r.Status != http.StatusUnauthorized {
		t.Errorf("forged identity without a session: %d %.300s", r.Status, r.Raw)
	}
	if n := app.count(t) - before; n != 0 {
		t.Errorf("forged identity without a session reached the app %d times", n)
	}
	b, sid, token := f.signIn(t, "nurse.carol", carolPW)
	v := flaskSaw(t, "clinician with forged headers", b.Do("GET", "/api/notes?ward=7", nil, forgeries()...))
	want := map[string]string{"HTTP_REMOTE_USER": "nurse.carol", "HTTP_REMOTE_ROLE": "clinician", "HTTP_REMOTE_NAME": carolName,
		"HTTP_REMOTE_EMAIL": carolEmail, "HTTP_REMOTE_GROUPS": "clinician", "HTTP_REMOTE_CLINICIAN_ID": carolGMC,
		"HTTP_REMOTE_SESSION_ID": sid}
	for k, val := range v.Identity {
		if strings.Contains(val, "forged") || strings.Contains(val, "GMC-9999999") {
			t.Errorf("a forged value reached the app as %s=%q", k, val)
		}
	}
	for k, val := range want {
		if v.Identity[k] != val {
			t.Errorf("the app got %s=%q, want %q", k, v.Identity[k], val)
		}
	}
	if strings.Contains(v.Cookie, token) {
		t.Errorf("the app got vigil's session token: Cookie %q", v.Cookie)
	}
}

// flaskCrossOrigin: the app's form has no CSRF token; a cross-origin POST
// to it is refused before the app, a same-origin one is the app's.
func flaskCrossOrigin(t *testing.T, f *forwardAuth, app *flaskApp) {
	b, _, _ := f.signIn(t, "nurse.carol", carolPW)
	formType := []string{"Content-Type", "application/x-www-form-urlencoded"}
	before := app.count(t)
	for _, hdr := range [][]string{
		{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"},
		{"Origin", "https://evil.example", "Sec-Fetch-Site", "same-site"},
		{"Origin", "https://evil.example", "Sec-Fetch-Site", "", "X-Forwarded-Method", "GET",
			"X-Original-Method", "GET", "X-Forwarded-Host", "evil.example", "X-Forwarded-Uri", "/"},
	} {
		if r := b.Do("POST", "/notes", "text=cross-origin", append(formType, hdr...)...); r.Status != http.StatusForbidden {
			t.Errorf("cross-origin POST %v: %d %.300s", hdr, r.Status, r.Raw)
		}
	}
	if n := app.count(t) - before; n != 0 {
		t.Errorf("cross-origin POSTs reached the app %d times", n)
	}
	r := b.Do("POST", "/notes", "text=same-origin+from+carol", formType...)
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/notes" {
		t.Fatalf("same-origin POST: %d %q %.300s, want the app's 303 to /notes", r.Status, r.Header.Get("Location"), r.Raw)
	}
	added := false
	for _, n := range flaskSaw(t, "the notes", b.Do("GET", "/api/notes", nil)).Notes {
		if n.Text == "cross-origin" {
			t.Errorf("a cross-origin note was kept: %+v", n)
		}
		added = added || (n.Text == "same-origin from carol" && n.By == "nurse.carol")
	}
	if !added {
		t.Error("the same-origin note is not in the app's notes, by nurse.carol")
	}
}

// flaskEnded: sign-out, an admin's revocation and `vigil sessions revoke`
// each end access to the app: the old cookie is refused, and the app is
// not reached.
func flaskEnded(t *testing.T, f *forwardAuth, app *flaskApp) {
	refused := func(what, token, code, reason string) {
		t.Helper()
		before := app.count(t)
		old := f.bare(t, f.cookieName+"="+token)
		expect(t, what+": the old cookie", old.Do("GET", "/api/notes", nil), 401, code, reason)
		if r := old.Do("GET", "/notes", nil, "Accept", "text/html"); r.Status != http.StatusSeeOther {
			t.Errorf("%s: the page with the old cookie: %d %.300s", what, r.Status, r.Raw)
		}
		if n := app.count(t) - before; n != 0 {
			t.Errorf("%s: the app was reached %d times", what, n)
		}
	}

	b, _, token := f.signIn(t, "dr.bob", clinicianPW)
	flaskSaw(t, "signed in", b.Do("GET", "/api/notes", nil))
	expect(t, "sign-out", b.Do("POST", "/api/auth/logout", nil), 200)
	refused("after sign-out", token, "SESSION_REVOKED", "logout")

	_, _, token = f.signIn(t, "dr.bob", clinicianPW)
	admin, _, _ := f.signIn(t, "admin.dee", deePW)
	expect(t, "an admin revokes dr.bob's sessions", admin.Do("POST", "/api/admin/users/dr.bob/revoke-sessions", nil), 200)
	refused("after the admin's revocation", token, "SESSION_REVOKED", "revoked")

	// The CLI is another process on the same database: the server sees it
	// within a second (SPEC §2), so the first refusal is awaited.
	b, _, token = f.signIn(t, "dr.bob", clinicianPW)
	if code, out, errs := f.vigil.cli(t, "", "sessions", "revoke", "dr.bob"); code != 0 {
		t.Fatalf("vigil sessions revoke dr.bob: exit %d: %s%s", code, out, errs)
	}
	awaitEnd(t, time.Now(), propagates, "SESSION_REVOKED", "revoked", named{"dr.bob after vigil sessions revoke", &device{Browser: b, srv: f.vigil}})
	refused("after vigil sessions revoke", token, "SESSION_REVOKED", "revoked")
}

// flaskIdleTimeout: a patient's session left alone past --idle-timeout no
// longer reaches the app. The wait is until the idle_expires_at vigil
// reports (GET /api/auth/session is not activity), then vigil is asked
// until it has ended the session.
func flaskIdleTimeout(t *testing.T, f *forwardAuth, app *flaskApp) {
	b, _, token := f.signIn(t, "alice", patientPW)
	flaskSaw(t, "the patient's last activity", b.Do("GET", "/api/notes", nil))
	r := b.Do("GET", "/api/auth/session", nil)
	until, err := time.Parse(time.RFC3339Nano, r.Str("session", "idle_expires_at"))
	if r.Status != 200 || err != nil {
		t.Fatalf("GET /api/auth/session: %d %v %.300s", r.Status, err, r.Raw)
	}
	flaskIdleWait(until)
	awaitEnd(t, time.Now(), propagates, "SESSION_EXPIRED", "inactivity", named{"alice left idle", &device{Browser: b, srv: f.vigil}})
	before := app.count(t)
	old := f.bare(t, f.cookieName+"="+token)
	expect(t, "the idle session's cookie", old.Do("GET", "/api/notes", nil), 401, "SESSION_EXPIRED", "inactivity")
	if r := old.Do("GET", "/notes", nil, "Accept", "text/html"); r.Status != http.StatusSeeOther {
		t.Errorf("the page with the idle session's cookie: %d %.300s", r.Status, r.Raw)
	}
	if n := app.count(t) - before; n != 0 {
		t.Errorf("the app was reached %d times after the idle timeout", n)
	}
}

// flaskApp is testdata/flask_notes.py, running.
type flaskApp struct{ addr string }

// flaskView is what the app says it saw.
type flaskView struct {
	App      string            `json:"app"`
	Method   string            `json:"method"`
	URI      string            `json:"uri"`
	Identity map[string]string `json:"identity"`
	Cookie   string            `json:"cookie"`
	Page     string            `json:"page"`
	Notes    []struct {
		Text string `json:"text"`
		By   string `json:"by"`
	} `json:"notes"`
}

// flaskSaw returns what the app saw, failing the test unless the answer
// is the app's.
func flaskSaw(t *testing.T, what string, r testkit.Response) flaskView {
	t.Helper()
	var v flaskView
	if r.Status != 200 || json.Unmarshal([]byte(r.Raw), &v) != nil || v.App != "flask-notes" {
		t.Fatalf("%s: not the Flask app's answer: %d %.300s", what, r.Status, r.Raw)
	}
	return v
}

// count is how many requests the app has served, asked directly.
func (a *flaskApp) count(t *testing.T) int {
	t.Helper()
	resp, err := http.Get("http://" + a.addr + "/_count")
	if err != nil {
		t.Fatalf("the Flask app: %v", err)
	}
	defer resp.Body.Close()
	var c struct{ Count int }
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil {
		t.Fatalf("the Flask app's count: %v", err)
	}
	return c.Count
}

// startFlask runs testdata/flask_notes.py with Debian's python3 (else the
// first on PATH) on a free port, as a proxy is run, and returns once it
// listens; the test is skipped when
// there is no python3 with Flask.
func startFlask(t *testing.T) *flaskApp {
	t.Helper()
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		if python, err = exec.LookPath("python3"); err != nil {
			t.Skip("no python3: the Flask app cannot run (apt-get install python3-flask)")
		}
	}
	if err := exec.Command(python, "-c", "import flask").Run(); err != nil {
		t.Skipf("%s has no Flask (apt-get install python3-flask): the Flask app is not tested: %v", python, err)
	}
	port := freePort(t)
	runProxy(t, python, []string{"testdata/flask_notes.py", strconv.Itoa(port)}, nil, port, "")
	return &flaskApp{addr: fmt.Sprintf("127.0.0.1:%d", port)}
}
