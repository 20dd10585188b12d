package vigilhttp

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
)

// FuzzCookieValue: the allocation-free cookie reader finds exactly what
// the standard library's r.Cookie finds, whatever the Cookie header lines.
func FuzzCookieValue(f *testing.F) {
	tok := strings.Repeat("Ab-_", 10) + "xyz"
	for _, s := range []string{
		"vigil_session=" + tok,
		"a=1; vigil_session=" + tok + "; b=2",
		" vigil_session = " + tok + " ",
		"vigil_session=\"" + tok + "\"",
		"vigil_session=\"",
		"vigil_session=bad value; vigil_session=" + tok,
		"vigil_session=a\\b; vigil_session=ok",
		"vigil_session==x",
		"vigil_sessionx=1; xvigil_session=2",
		";;; vigil_session;vigil_session=",
		"vigil_session=\x7f; vigil_session=\x01",
		"vigil_session=é",
		"\tvigil_session=\t" + tok,
		strings.Repeat("a=1;", maxScannedCookies) + "vigil_session=" + tok,
	} {
		f.Add(s, "")
	}
	f.Add("a=1", "vigil_session="+tok)
	f.Add("vigil_session=x y", "vigil_session=z")
	f.Fuzz(func(t *testing.T, line1, line2 string) {
		r := &http.Request{Header: http.Header{"Cookie": {line1}}}
		if line2 != "" {
			r.Header["Cookie"] = append(r.Header["Cookie"], line2)
		}
		want, err := r.Cookie(DevCookieName)
		got, ok := cookieValue(r, DevCookieName)
		if (err == nil) != ok || (ok && got != want.Value) {
			t.Fatalf("Cookie %q: cookieValue %q, %v; r.Cookie %v, %v", r.Header["Cookie"], got, ok, want, err)
		}
	})
}

// TestCookieValueAllocates nothing.
func TestCookieValueAllocates(t *testing.T) {
	r := &http.Request{Header: http.Header{"Cookie": {"theme=dark; vigil_session=" + strings.Repeat("A", 43) + "; lang=en"}}}
	if n := testing.AllocsPerRun(100, func() { cookieValue(r, DevCookieName) }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}

// TestCookieNeverEndsBeforeTheSession: Expires is the session's end
// rounded up to a whole second.
func TestCookieNeverEndsBeforeTheSession(t *testing.T) {
	base := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ end, want time.Time }{
		{base, base},
		{base.Add(time.Nanosecond), base.Add(time.Second)},
		{base.Add(999 * time.Millisecond), base.Add(time.Second)},
		{base.Add(1300 * time.Millisecond).In(time.FixedZone("x", 3600)), base.Add(2 * time.Second)},
	} {
		rec := httptest.NewRecorder()
		Cookies{Dev: true}.Set(rec, vigil.NewToken(), tc.end)
		c, err := http.ParseSetCookie(rec.Header().Get("Set-Cookie"))
		if err != nil {
			t.Fatal(err)
		}
		if !c.Expires.Equal(tc.want) {
			t.Errorf("session ends %v: cookie Expires %v, want %v", tc.end, c.Expires, tc.want)
		}
	}
}
