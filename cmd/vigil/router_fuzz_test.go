package main

import (
	"bufio"
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"strings"
	"testing"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/config"
	"github.com/vigilauth/vigil/internal/testkit"
)

// routerPaths are every route vigil serves (API, forward auth, pages,
// static files, health), some with the parameters they take, and paths
// that belong to no route or to the application behind vigil.
var routerPaths = []string{
	"/api/auth/login", "/api/auth/logout", "/api/auth/reauthenticate", "/api/auth/session",
	"/api/auth/session/refresh", "/api/auth/change-password", "/api/auth/sessions",
	"/api/auth/sessions/abc", "/api/auth/sessions/revoke-others", "/api/auth/password-reset",
	"/api/auth/verify", "/api/auth/verify?role=admin", "/api/admin/users", "/api/admin/users/alice/disable",
	"/api/admin/users/alice/enable", "/api/admin/users/alice/revoke-sessions", "/api/admin/users/alice/reset-token",
	"/api/admin/sessions", "/api/admin/audit?username=alice&event=login_failed&since=1h&limit=5",
	"/api/admin/policy", "/healthz", "/readyz", "/auth/login?rd=/notes", "/auth/logout", "/auth/account",
	"/auth/admin", "/auth/admin?tab=audit", "/auth/reset#token", "/auth/static/vigil.js", "/auth/static/vigil.css",
	"/", "/notes/42", "/api/other", "/api/auth/nope", "/auth/nope", "/static/../api/admin/users",
}

// routerTrees are the whole HTTP tree of serve in the shapes that mount
// routes differently: alone, in front of an application, and under a
// route prefix in front of one.
func routerTrees(t testing.TB) (trees []http.Handler, alice, admin *auth.Current) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte("app"))
	}))
	t.Cleanup(app.Close)
	store := testkit.SQLite(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var engine *auth.Engine
	for _, args := range [][]string{
		{"--dev"},
		{"--dev", "--upstream", app.URL, "--public-paths", "/static"},
		{"--upstream", app.URL, "--route-prefix", "/sso", "--trusted-proxies", "127.0.0.1/32,192.0.2.0/24"},
	} {
		cfg, _, err := config.Load(args, nil)
		if err != nil {
			t.Fatal(err)
		}
		if engine == nil {
			engine = testkit.Engine(store, auth.Options{Policy: cfg.Policy(), Logger: log})
			testkit.Run(t, engine)
		}
		trees = append(trees, newHandler(cfg, engine, false, store.Ping, log))
	}
	alice = testkit.SignIn(t, engine, auth.NewUser{Username: "alice", Role: vigil.RolePatient, Password: alicePW}, auth.Actor{})
	admin = testkit.SignIn(t, engine, auth.NewUser{Username: "admin", Role: vigil.RoleAdmin, Password: adminPW}, auth.Actor{})
	return trees, alice, admin
}

// FuzzRouter sends any method, path, headers and body to every shape of
// vigil's HTTP tree, without a session, with a patient's and with an
// administrator's (and their CSRF tokens): the answer is never a 5xx and
// never a panic, and every error under /api/ is SPEC §3's JSON.
func FuzzRouter(f *testing.F) {
	methods := []string{"GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS"}
	bodies := []string{"", `{"username":"alice","password":"x"}`, `{"password":"` + alicePW + `"}`, "username=alice&password=x&csrf_token=x", `{"role":"patient","username":"carol"}`, "\x00\xff{"}
	headers := []string{"", "Content-Type: application/json", "Content-Type: application/x-www-form-urlencoded",
		"Origin: https://evil.example\nSec-Fetch-Site: cross-site", "Accept: text/html\nSec-Fetch-Mode: navigate",
		"X-Forwarded-Method: POST\nX-Forwarded-Uri: /x\nX-Forwarded-Host: a\nOrigin: http://b", "X-Forwarded-For: 192.0.2.1, ::1",
		"Vigil-Activity: background", "Content-Length: 5", "Remote_User: admin\nX-Auth-Request-User: admin"}
	for i, p := range routerPaths {
		for who := range 3 {
			f.Add(uint8(i+who), methods[(i+who)%len(methods)], p, headers[(i*3+who)%len(headers)], []byte(bodies[(i+who)%len(bodies)]), uint8(who))
		}
	}
	trees, alice, admin := routerTrees(f)
	f.Fuzz(func(t *testing.T, tree uint8, method, target, header string, body []byte, who uint8) {
		req := fuzzRequest(method, target, header, body)
		if req == nil {
			return
		}
		n := int(tree) % len(trees)
		h := trees[n]
		if n == 2 && !strings.HasPrefix(req.URL.Path, "/sso") && tree&8 != 0 {
			req.URL.Path = "/sso" + req.URL.Path
		}
		switch who % 3 {
		case 1:
			withSession(req, alice)
		case 2:
			withSession(req, admin)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s (headers %q): status %d: %s", req.Method, req.URL, header, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && strings.HasPrefix(strings.TrimPrefix(req.URL.Path, "/sso"), "/api/") &&
			!strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") && rec.Body.Len() > 0 {
			t.Errorf("%s %s: status %d is not JSON (%s): %s", req.Method, req.URL, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
	})
}

// fuzzRequest builds a request a client could send, or nil when no HTTP
// client could send it (a method that is not a token, a target that is
// not a request URI, a header that does not parse).
func fuzzRequest(method, target, header string, body []byte) *http.Request {
	if method == "" || !validToken(method) || !strings.HasPrefix(target, "/") {
		return nil
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil
	}
	req := &http.Request{Method: method, URL: u, RequestURI: target, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Host: "vigil.test", RemoteAddr: "127.0.0.1:40000", Header: http.Header{},
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body))}
	tp := textproto.NewReader(bufio.NewReader(strings.NewReader(header + "\r\n\r\n")))
	mh, err := tp.ReadMIMEHeader()
	if err != nil && err != io.EOF {
		return nil
	}
	for name, values := range mh {
		if !validToken(name) || name == "Host" || name == "Content-Length" || name == "Transfer-Encoding" {
			continue
		}
		for _, v := range values {
			if validValue(v) {
				req.Header.Add(name, v)
			}
		}
	}
	return req
}

// validToken reports whether s is an RFC 9110 token (a method or a header
// name).
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c) {
			return false
		}
	}
	return true
}

// validValue reports whether s may be a header value: no control
// character but the tab.
func validValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// withSession adds cur's cookie and CSRF token to req.
func withSession(req *http.Request, cur *auth.Current) {
	req.Header.Add("Cookie", sessionCookie+"="+cur.Token.String())
	req.Header.Set("X-CSRF-Token", cur.Token.CSRF())
}
