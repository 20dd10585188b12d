package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/vigilauth/vigil"
)

// TestBadInputNeverFails5xx sends malformed bodies to every endpoint that
// reads one: each answer is a 4xx JSON error, never a 5xx or a panic.
func TestBadInputNeverFails5xx(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	bodies := []struct {
		name string
		body string
		code string // "" for any 4xx
	}{
		{"empty", "", vigil.CodeInvalidRequest},
		{"whitespace", "  \n\t ", vigil.CodeInvalidRequest},
		{"truncated", `{"username":"alice","password":"x`, vigil.CodeInvalidRequest},
		{"not_json", `username=alice`, vigil.CodeInvalidRequest},
		{"array", `["alice","secret"]`, vigil.CodeInvalidRequest},
		{"string", `"alice"`, vigil.CodeInvalidRequest},
		{"number", `12345`, vigil.CodeInvalidRequest},
		{"null", `null`, vigil.CodeInvalidRequest},
		{"true", `true`, vigil.CodeInvalidRequest},
		{"empty_object", `{}`, vigil.CodeInvalidRequest},
		{"numbers_for_strings", `{"username":1,"password":2,"current_password":3,"new_password":4,"confirm_password":5,"reset_token":6,"role":7}`, vigil.CodeInvalidRequest},
		{"objects_for_strings", `{"username":{},"password":[],"current_password":{},"new_password":[],"reset_token":{}}`, vigil.CodeInvalidRequest},
		{"null_fields", `{"username":null,"password":null,"current_password":null,"new_password":null,"confirm_password":null,"reset_token":null}`, vigil.CodeInvalidRequest},
		{"trailing_object", `{"username":"alice","password":"x"} {"username":"root"}`, vigil.CodeInvalidRequest},
		{"trailing_garbage", `{"username":"alice","password":"x"} garbage`, vigil.CodeInvalidRequest},
		{"trailing_bracket", `{"username":"alice","password":"x"}]`, vigil.CodeInvalidRequest},
		{"deep_nesting", `{"x":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`, ""},
		{"bad_escape", `{"username":"\uZZZZ","password":"x"}`, vigil.CodeInvalidRequest},
		{"lone_surrogate", `{"username":"\ud800","password":"\udfff","current_password":"\ud800","new_password":"\ud800","confirm_password":"\ud800","reset_token":"\ud800"}`, ""},
		{"invalid_utf8", "{\"username\":\"al\xffice\",\"password\":\"p\xc3\x28w\",\"current_password\":\"\xff\",\"new_password\":\"\xfe\",\"confirm_password\":\"\xfe\",\"reset_token\":\"\xff\"}", ""},
		{"nul_bytes", `{"username":"ali\u0000ce","password":"pw\u0000","current_password":"\u0000","new_password":"\u0000x","confirm_password":"\u0000x","reset_token":"\u0000","role":"\u0000"}`, ""},
		{"raw_nul", "{\"username\":\"a\x00\"}", vigil.CodeInvalidRequest},
		{"huge_number", `{"username":1e999999,"password":"x"}`, ""},
		{"duplicate_keys", `{"username":"root","username":"alice","password":"x","password":"y"}`, ""},
	}
	endpoints := []struct {
		path    string
		session string // user to sign in as, "" for none
	}{
		{"/api/auth/login", ""},
		{"/api/auth/password-reset", ""},
		{"/api/auth/reauthenticate", "alice"},
		{"/api/auth/change-password", "alice"},
		{"/api/admin/users", "root"},
	}
	clients := map[string]*client{"": h.client(), "alice": loggedIn(h, "alice", alicePW), "root": loggedIn(h, "root", rootPW)}
	for _, ep := range endpoints {
		for _, b := range bodies {
			r := clients[ep.session].Do("POST", ep.path, b.body)
			what := ep.path + " " + b.name
			if r.Status < 400 || r.Status >= 500 {
				t.Errorf("%s: status %d, want 4xx: %s", what, r.Status, r.Raw)
				continue
			}
			if b.code != "" {
				expect(t, what, r, 400, b.code, "")
			} else {
				expect(t, what, r, r.Status, r.Code(), "")
			}
		}
	}
	// The sessions used above are still fine: no bad body ended them.
	must(t, "alice still signed in", clients["alice"].Do("GET", "/api/auth/session", nil), 200)
	if strings.Contains(h.Logs.String(), "panic") {
		t.Errorf("a handler panicked:\n%s", h.Logs.String())
	}
}

// TestHostileCredentials: long, NUL-laden and invalid UTF-8 credentials
// are answered like any wrong credentials.
func TestHostileCredentials(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	long := strings.Repeat("correct horse ", 400)[:5000]
	for _, in := range []struct{ name, user, pw string }{
		{"5000_char_password", "alice", long},
		{"5000_char_username", strings.Repeat("a", 5000), alicePW},
		{"nul_in_username", "alice\x00", alicePW},
		{"nul_in_password", "alice", alicePW + "\x00"},
		{"nul_only", "\x00", "\x00"},
		{"invalid_utf8_username", "ali\xffce", alicePW},
		{"invalid_utf8_password", "alice", "\xff\xfe" + alicePW},
		{"control_characters", "alice\r\nX-Injected: 1", alicePW + "\r\n"},
	} {
		r := h.client().Do("POST", "/api/auth/login", map[string]string{"username": in.user, "password": in.pw})
		expect(t, in.name, r, 401, vigil.CodeInvalidCredentials, "")
		if r.Header.Get("X-Injected") != "" {
			t.Errorf("%s: a header was injected", in.name)
		}
	}
	// Within the limit of 5 failures for alice: the right password works.
	h.client().Login("alice", alicePW)
}

// TestBadCookies: garbage, oversized and duplicate cookies never get a 5xx.
func TestBadCookies(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	good := loggedIn(h, "alice", alicePW).token()
	for _, tc := range []struct {
		name   string
		cookie string
		status int
	}{
		{"empty", cookieName + "=", 401},
		{"garbage", cookieName + "=%%%garbage%%%", 401},
		{"padding", cookieName + "=" + good + "=", 401},
		{"std_alphabet", cookieName + "=" + strings.NewReplacer("-", "+", "_", "/").Replace(good) + "A", 401},
		{"truncated", cookieName + "=" + good[:42], 401},
		{"oversized", cookieName + "=" + strings.Repeat("A", 8000), 401},
		{"quoted", cookieName + "=\"" + good + "\"", 200}, // RFC 6265 allows a quoted value
		{"nul", cookieName + "=" + good[:20] + "\x00" + good[21:], 401},
		{"many_cookies", strings.Repeat("x=y; ", 500) + cookieName + "=" + good, 200},
		{"duplicate_good_first", cookieName + "=" + good + "; " + cookieName + "=garbage", 200},
		{"duplicate_garbage_first", cookieName + "=garbage; " + cookieName + "=" + good, 401},
		{"other_name", "__Host-vigil_session=" + good, 401},
	} {
		// Straight to the handler: a client refuses to send some of these.
		req := httptest.NewRequest("GET", "/api/auth/session", nil)
		req.Header.Set("Cookie", tc.cookie)
		rec := httptest.NewRecorder()
		h.Handler.ServeHTTP(rec, req)
		resp := rec.Result()
		if resp.StatusCode >= 500 {
			t.Errorf("%s: status %d", tc.name, resp.StatusCode)
		} else if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.status)
		}
	}
}

// TestUnknownMethodsAndPaths: a known path with another method is 405 JSON
// with Allow; an unknown path under /api/ is 404 JSON.
func TestUnknownMethodsAndPaths(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.client()
	for _, tc := range []struct {
		method, path string
		allow        []string
	}{
		{"GET", "/api/auth/login", []string{"POST"}},
		{"PUT", "/api/auth/login", []string{"POST"}},
		{"DELETE", "/api/auth/logout", []string{"POST"}},
		{"PATCH", "/api/auth/session", []string{"GET"}},
		{"POST", "/api/auth/session", []string{"GET"}},
		{"POST", "/api/auth/sessions/abc", []string{"DELETE"}},
		{"PUT", "/api/auth/sessions", []string{"GET"}},
		{"POST", "/api/auth/verify", []string{"GET"}},
		{"DELETE", "/api/admin/users", []string{"GET", "POST"}},
		{"GET", "/api/admin/users/alice/disable", []string{"POST"}},
		{"OPTIONS", "/api/auth/login", []string{"POST"}},
		{"BREW", "/api/auth/login", []string{"POST"}},
	} {
		r := c.Do(tc.method, tc.path, nil)
		what := tc.method + " " + tc.path
		expect(t, what, r, http.StatusMethodNotAllowed, vigil.CodeMethodNotAllowed, "")
		var allow []string
		for _, v := range r.Header.Values("Allow") {
			for _, m := range strings.Split(v, ",") {
				allow = append(allow, strings.TrimSpace(m))
			}
		}
		for _, m := range tc.allow {
			if !slices.Contains(allow, m) {
				t.Errorf("%s: Allow %q lacks %s", what, allow, m)
			}
		}
		if slices.Contains(allow, tc.method) {
			t.Errorf("%s: Allow %q lists the refused method", what, allow)
		}
	}
	// Only vigil's own prefixes: the rest of /api/ may be an application's
	// behind vigil (--upstream).
	for _, path := range []string{"/api/auth/", "/api/admin/", "/api/auth/nope", "/api/admin/nope", "/api/auth/session/nope", "/api/auth/login/x", "/api/admin/users/alice/explode"} {
		for _, m := range []string{"GET", "POST", "DELETE"} {
			expect(t, m+" "+path, c.Do(m, path, nil), http.StatusNotFound, vigil.CodeNotFound, "")
		}
	}
}
