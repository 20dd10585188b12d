package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/httpapi"
)

// The shapes vigil's routes take: alone, under a route prefix, in front of
// an application (--upstream), and both.
var shapes = []struct {
	name     string
	prefix   string
	upstream bool
}{
	{"alone", "", false},
	{"prefix", "/sso", false},
	{"upstream", "", true},
	{"prefix and upstream", "/sso", true},
}

// withShape serves vigil's routes under prefix and, with upstream, an
// application that answers every other request with 200 "app".
func withShape(prefix string, upstream bool) func(*harnessConfig) {
	return withDeps(func(d *httpapi.Deps) {
		d.RoutePrefix = prefix
		if upstream {
			d.App = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("app")) })
		}
	})
}

// TestNoTextErrorsUnderAPI: in every shape, a path of vigil's own under
// /api/ (or /healthz, /readyz) that no route takes is 404 JSON, and a
// route's path with another method is 405 JSON with Allow; never the
// router's text answer, nor its redirect to a trailing slash (which would
// drop the route prefix). Paths that belong to the application behind
// vigil reach it.
func TestNoTextErrorsUnderAPI(t *testing.T) {
	t.Parallel()
	type tc struct {
		method, path string
		status       int      // 404, 405, or 200 for the application
		allow        []string // with 405
	}
	notFound := func(m, p string) tc { return tc{m, p, 404, nil} }
	notAllowed := func(m, p string, allow ...string) tc { return tc{m, p, 405, allow} }
	app := func(m, p string) tc { return tc{m, p, 200, nil} }
	own := func(prefix string) []tc {
		return []tc{
			notFound("GET", prefix+"/api/auth"), notFound("POST", prefix+"/api/auth"),
			notFound("GET", prefix+"/api/admin"), notFound("DELETE", prefix+"/api/admin"),
			notFound("GET", prefix+"/api/auth/x"), notFound("POST", prefix+"/api/admin/users/alice/x"),
			notAllowed("PUT", prefix+"/api/auth/login", "POST"),
			notAllowed("POST", prefix+"/healthz", "GET", "HEAD"), notAllowed("DELETE", prefix+"/readyz", "GET", "HEAD"),
		}
	}
	allAPI := func(prefix string) []tc {
		return []tc{
			notFound("GET", prefix+"/api"), notFound("GET", prefix+"/api/"), notFound("POST", prefix+"/api/x"),
			notFound("GET", prefix+"/api/x/y"), notFound("DELETE", prefix+"/api/x%2Fy"),
		}
	}
	cases := map[string][]tc{
		"alone": append(own(""), allAPI("")...),
		"prefix": append(append(own("/sso"), allAPI("/sso")...),
			notFound("GET", "/%73so/api/x"),                                // the prefix spelt with an escape
			notFound("POST", "/api/auth/login"), notFound("GET", "/api/x"), // the prefix left out
		),
		"upstream": append(own(""),
			app("GET", "/api"), app("GET", "/api/"), app("POST", "/api/x"), app("GET", "/api/authx"),
		),
		"prefix and upstream": append(append(own("/sso"), allAPI("/sso")...),
			notFound("GET", "/%73so/api/x"),
			app("GET", "/api/x"), app("POST", "/api/auth/login"),
		),
	}
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withShape(sh.prefix, sh.upstream))
			c := h.client()
			for _, tc := range cases[sh.name] {
				what := tc.method + " " + tc.path
				r := c.Do(tc.method, tc.path, nil)
				switch tc.status {
				case 200:
					if r.Status != 200 || r.Raw != "app" {
						t.Errorf("%s: %d %q, want the application's answer", what, r.Status, r.Raw)
					}
					continue
				case 404:
					expect(t, what, r, 404, vigil.CodeNotFound, "")
				case 405:
					expect(t, what, r, 405, vigil.CodeMethodNotAllowed, "")
					if got := r.Header.Values("Allow"); !slices.Equal(got, tc.allow) {
						t.Errorf("%s: Allow %q, want %q", what, got, tc.allow)
					}
				}
			}
			// The escaped prefix reaches vigil's routes, not only its 404.
			if sh.prefix != "" {
				expect(t, "GET /%73so/api/auth/session", c.Do("GET", "/%73so/api/auth/session", nil), 401, vigil.CodeUnauthenticated, "")
			}
		})
	}
}

// FuzzAPIErrorsAreJSON: any method and path that reaches vigil's own API
// (under the prefix, or anywhere under /api/ when no application shares
// it) gets, when it is an error, SPEC §3's JSON. Paths are seen as the
// router sees them, segment by segment: "/api%2Fx" is one segment named
// "api/x", not a path under /api/.
func FuzzAPIErrorsAreJSON(f *testing.F) {
	for _, s := range []string{"/api/auth/nope", "/api", "/api/x%2Fy", "/api/auth/sessions/a/b", "/api/admin/users/%2e%2e/disable", "/healthz", "/api/auth//login", "/api/auth/verify?role=x"} {
		f.Add(uint8(0), "GET", s)
		f.Add(uint8(1), "PUT", "/sso"+s)
		f.Add(uint8(3), "DELETE", "/%73so"+s)
	}
	handlers := make([]http.Handler, len(shapes))
	for i, sh := range shapes {
		handlers[i] = newHarness(f, withShape(sh.prefix, sh.upstream)).Handler
	}
	f.Fuzz(func(t *testing.T, shape uint8, method, target string) {
		sh := shapes[int(shape)%len(shapes)]
		u, err := url.ParseRequestURI(target)
		if err != nil || !validMethod(method) || !strings.HasPrefix(target, "/") {
			return
		}
		seg := segments(u)
		if sh.prefix != "" {
			if len(seg) == 0 || seg[0] != strings.TrimPrefix(sh.prefix, "/") {
				return
			}
			seg = seg[1:]
		}
		ours := len(seg) > 1 && seg[0] == "api" && (seg[1] == "auth" || seg[1] == "admin") ||
			len(seg) > 0 && seg[0] == "api" && !(sh.upstream && sh.prefix == "")
		if !ours {
			return
		}
		req := &http.Request{Method: method, URL: u, RequestURI: target, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Host: "vigil.test", RemoteAddr: "127.0.0.1:40000", Header: http.Header{"Sec-Fetch-Site": {"same-origin"}}, Body: http.NoBody}
		rec := httptest.NewRecorder()
		handlers[int(shape)%len(shapes)].ServeHTTP(rec, req)
		if rec.Code == 404 || rec.Code == 405 || rec.Code >= 500 {
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") || !strings.Contains(rec.Body.String(), `"code"`) {
				t.Fatalf("%s %s (%s): %d %q %s", method, target, sh.name, rec.Code, ct, rec.Body)
			}
		}
	})
}

// segments returns u's path segments, each unescaped on its own (as the
// router matches them), without the leading empty one.
func segments(u *url.URL) []string {
	raw := strings.Split(strings.TrimPrefix(u.EscapedPath(), "/"), "/")
	out := make([]string, 0, len(raw))
	for _, s := range raw {
		if d, err := url.PathUnescape(s); err == nil {
			s = d
		}
		out = append(out, s)
	}
	return out
}

// validMethod reports whether m is an HTTP method token.
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, c := range m {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c) {
			return false
		}
	}
	return true
}
