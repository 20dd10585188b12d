package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/httpapi"
)

// serve sends req straight to the handler and checks the answer is not a
// 5xx and, for an error, has SPEC §3's JSON shape.
func serve(t *testing.T, h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("%s %s: status %d: %s", req.Method, req.URL, rec.Code, rec.Body)
	}
	if rec.Code >= 400 {
		var body struct{ Error, Code string }
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error == "" || body.Code == "" {
			t.Fatalf("%s %s: status %d, not a JSON error: %q", req.Method, req.URL, rec.Code, rec.Body)
		}
	}
	return rec
}

// signIn logs user in through the engine and returns the cookie header
// and CSRF token of the session.
func signIn(t testing.TB, h *harness, user, pw string) (cookie, csrf string) {
	t.Helper()
	cur, err := h.Engine.Login(context.Background(), user, pw, nil, auth.Actor{IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	return cookieName + "=" + cur.Token.String(), cur.Token.CSRF()
}

// FuzzLoginBody: any body with any content type to the login endpoint gets
// a 2xx or 4xx answer, never a 5xx or a panic.
func FuzzLoginBody(f *testing.F) {
	for _, seed := range [][2]string{
		{`{"username":"alice","password":"wrong-password-123456"}`, "application/json"},
		{`{"username":"alice","password":"` + alicePW + `"}`, "application/json; charset=utf-8"},
		{`{"username":"alice","password":"x"}`, ""},
		{`{"username":"alice","password":"x"}`, "text/plain"},
		{`username=alice&password=x`, "application/x-www-form-urlencoded"},
		{`{"username":1,"password":[]}`, "application/json"},
		{`[]`, "application/json"},
		{`null`, "application/json"},
		{`{"username":"a\u0000","password":"\ud800"}`, "application/json"},
		{"{\"username\":\"\xff\",\"password\":\"\xfe\"}", "application/json"},
		{`{} {}`, "application/json"},
		{`{"username":"alice","password":"x"}`, "application/json; charset"},
		{`{"username":"alice","password":"x"}`, ";;;"},
		{`{"username":"alice","password":"x"}`, "multipart/form-data; boundary=x"},
		{strings.Repeat("[", 5000), "application/json"},
		{"", "application/json"},
	} {
		f.Add(seed[0], seed[1])
	}
	h := newHarness(f, func(c *harnessConfig) { c.noCache = true })
	f.Fuzz(func(t *testing.T, body, contentType string) {
		req := httptest.NewRequest("POST", "/api/auth/login", strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		serve(t, h.Handler, req)
	})
}

// FuzzDecode: any body with any content type to the endpoints that read
// one with a session (change-password, reauthenticate, admin create user)
// and without (password-reset) gets a 2xx or 4xx answer, never a 5xx or a
// panic.
func FuzzDecode(f *testing.F) {
	for _, seed := range []struct {
		path uint8
		body string
		ct   string
	}{
		{0, `{"current_password":"wrong-password-123456","new_password":"tidal-copper-orchard-3319","confirm_password":"tidal-copper-orchard-3319"}`, "application/json"},
		{0, `{"current_password":"x","new_password":"a","confirm_password":"b"}`, "application/json"},
		{0, `{"current_password":"x","new_password":"alice\u0001","confirm_password":"alice\u0001"}`, ""},
		{0, `{"current_password":1}`, "application/json"},
		{0, `{"current_password":"x"} trailing`, "application/json"},
		{1, `{"password":"wrong-password-123456"}`, "application/json"},
		{1, `{"password":null}`, "text/json"},
		{2, `{"reset_token":"` + vigil.NewToken().String() + `","new_password":"x","confirm_password":"x"}`, "application/json"},
		{2, `{"reset_token":"%%%","new_password":"tidal-copper-orchard-3319","confirm_password":"tidal-copper-orchard-3319"}`, "application/json"},
		{3, `{"username":"erin","role":"patient"}`, "application/json"},
		{3, `{"username":"Erin\u0000","role":"admin","clinician_id":"\u0007","password":"short"}`, "application/json"},
		{3, `{"username":"erin","role":["patient"]}`, "application/json"},
		{3, `{"username":"erin","role":"patient","password":"` + strings.Repeat("é", 300) + `"}`, "application/json"},
	} {
		f.Add(seed.path, seed.body, seed.ct)
	}
	h := newHarness(f, func(c *harnessConfig) { c.noCache = true })
	aliceCookie, aliceCSRF := signIn(f, h, "alice", alicePW)
	rootCookie, rootCSRF := signIn(f, h, "root", rootPW)
	paths := []struct{ path, cookie, csrf string }{
		{"/api/auth/change-password", aliceCookie, aliceCSRF},
		{"/api/auth/reauthenticate", aliceCookie, aliceCSRF},
		{"/api/auth/password-reset", "", ""},
		{"/api/admin/users", rootCookie, rootCSRF},
	}
	f.Fuzz(func(t *testing.T, which uint8, body, contentType string) {
		p := paths[int(which)%len(paths)]
		req := httptest.NewRequest("POST", p.path, strings.NewReader(body))
		req.RemoteAddr = "127.0.0.1:4000"
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if p.cookie != "" {
			req.Header.Set("Cookie", p.cookie)
			req.Header.Set("X-CSRF-Token", p.csrf)
		}
		serve(t, h.Handler, req)
	})
}

// FuzzVerifyHeaders: whatever a trusted proxy says about the original
// request, forward auth answers 200, 400, 401 or 403, never a 5xx; a 200
// always names the session's user.
func FuzzVerifyHeaders(f *testing.F) {
	for _, s := range [][7]string{
		{"POST", "/notes/1", "app.example", "https://evil.example", "", "", "203.0.113.7"},
		{"DELETE", "http://[::1]:namedport", "app.example", "", "cross-site", "clinician", ""},
		{"GET", "//evil.example/x", "", "null", "none", "patient,admin", "10.0.0.1, 203.0.113.7"},
		{"post", "%zz", "app.example:8443", "https://app.example:8443", "same-origin", "patient", "::1"},
		{"\x00", "\n", "\xff", "https://\xff", "same-site", ",", "not-an-ip, 1.2.3.4"},
		{"OPTIONS", "/", "a", "file://", "", "bogus", "fe80::1%eth0"},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4], s[5], s[6])
	}
	h := newHarness(f, func(c *harnessConfig) { c.noCache = true }, trustProxies("127.0.0.0/8"))
	cookie, _ := signIn(f, h, "alice", alicePW)
	f.Fuzz(func(t *testing.T, method, uri, host, origin, site, role, xff string) {
		req := httptest.NewRequest("GET", "/api/auth/verify?role="+url.QueryEscape(role), nil)
		req.RemoteAddr = "127.0.0.1:4000"
		for name, v := range map[string]string{"X-Forwarded-Method": method, "X-Forwarded-Uri": uri, "X-Forwarded-Host": host,
			"Origin": origin, "Sec-Fetch-Site": site, "X-Forwarded-For": xff, "Cookie": cookie} {
			if v != "" {
				req.Header.Set(name, v)
			}
		}
		rec := serve(t, h.Handler, req)
		switch rec.Code {
		case 200:
			if rec.Header().Get("Remote-User") != "alice" {
				t.Fatalf("200 without Remote-User alice: %v", rec.Header())
			}
		case 400, 403:
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	})
}

// FuzzParseSince: ParseSince never panics, and what it accepts is a
// non-negative duration back from now or an RFC 3339 time.
func FuzzParseSince(f *testing.F) {
	for _, s := range []string{"", "1h", "30m", "0s", "-1h", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05+02:00", "yesterday", "9999999999h", "1e9h", "1h30m"} {
		f.Add(s)
	}
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := httpapi.ParseSince(s, now)
		if err != nil {
			return
		}
		if s == "" {
			if !got.IsZero() {
				t.Fatalf("empty: %v", got)
			}
			return
		}
		if d, derr := time.ParseDuration(s); derr == nil && d >= 0 {
			if !got.Equal(now.Add(-d)) {
				t.Fatalf("%q: %v, want %v", s, got, now.Add(-d))
			}
			return
		}
		if _, perr := time.Parse(time.RFC3339, s); perr != nil {
			t.Fatalf("%q accepted but is neither a duration nor RFC 3339", s)
		}
	})
}
