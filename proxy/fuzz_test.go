package proxy

import (
	"strings"
	"testing"
)

// FuzzReserved: a header name net/http lets through is reserved exactly
// when the name a CGI/WSGI server files it under is, and every name filed
// under a reserved family's key is reserved.
func FuzzReserved(f *testing.F) {
	for _, s := range []string{"Remote_User", "remote-user", "REMOTE_ROLE", "X-Auth-Request-Email", "x_forwarded_for",
		"Forwarded", "X_Real_IP", "X-Original-URL", "Remoteness", "X-Forwarded", "Remote.User", "Accept"} {
		f.Add(s)
	}
	families := []string{"REMOTE_", "X_REMOTE_", "X_AUTH_REQUEST_", "X_FORWARDED_"}
	names := []string{"FORWARDED", "X_REAL_IP", "X_ORIGINAL_URL", "X_REWRITE_URL"}
	f.Fuzz(func(t *testing.T, name string) {
		if !madeOf(name, "!#$%&'*+-.^_`|~") { // not a token: net/http answers 400
			return
		}
		key := strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		if reserved(name) != reserved(key) {
			t.Fatalf("reserved(%q) = %v but reserved(%q) = %v", name, reserved(name), key, reserved(key))
		}
		for _, fam := range families {
			if strings.HasPrefix(key, fam) && !reserved(name) {
				t.Fatalf("%q (filed as HTTP_%s) passes", name, key)
			}
		}
		for _, n := range names {
			if key == n && !reserved(name) {
				t.Fatalf("%q (filed as HTTP_%s) passes", name, key)
			}
		}
	})
}

// FuzzForwardedValue: any host net/http accepts comes out of Forwarded
// as it went in, to a reader of RFC 7239 values.
func FuzzForwardedValue(f *testing.F) {
	for _, s := range []string{"records.example.org", "127.0.0.1:8080", "[::1]:443", `a"b\c`, "x;for=1.2.3.4", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" || strings.ContainsFunc(s, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
			return // net/http refuses control bytes in a header
		}
		v := forwardedValue(s)
		if got, ok := readForwardedValue(v); !ok || got != s {
			t.Fatalf("forwardedValue(%q) = %s, read back as %q (ok %v)", s, v, got, ok)
		}
	})
}

// readForwardedValue reads v as an RFC 7239 value (token / quoted-string)
// that stands alone.
func readForwardedValue(v string) (string, bool) {
	if !strings.HasPrefix(v, `"`) {
		return v, madeOf(v, "!#$%&'*+-.^_`|~")
	}
	var b strings.Builder
	for i := 1; i < len(v); i++ {
		switch v[i] {
		case '\\':
			if i++; i == len(v) {
				return "", false
			}
		case '"':
			return b.String(), i == len(v)-1
		}
		b.WriteByte(v[i])
	}
	return "", false
}
