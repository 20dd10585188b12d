package vigilhttp_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/vigilhttp"
)

// BenchmarkRequire is the middleware on a warm session: cookie parse,
// check, context, handler. It is what a Go app pays per request.
func BenchmarkRequire(b *testing.B) {
	e := testkit.Engine(testkit.SQLite(b), auth.Options{
		Policy: vigil.Policy{Lifetime: 168 * time.Hour, IdleTimeout: 30 * time.Minute}, PollInterval: 50 * time.Millisecond})
	testkit.Run(b, e)
	cur := testkit.SignIn(b, e, auth.NewUser{Username: "bench", Role: vigil.RolePatient, Password: "a quiet evening by the river"}, auth.Actor{})
	h := vigilhttp.New(e, vigilhttp.Options{Dev: true}).Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	req := httptest.NewRequest("GET", "/notes", nil)
	req.AddCookie(&http.Cookie{Name: vigilhttp.DevCookieName, Value: cur.Token.String()})
	for range 200 { // until the cache is on
		h.ServeHTTP(httptest.NewRecorder(), req)
		if e.CacheLen() > 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		h.ServeHTTP(w, req)
		if w.code != http.StatusNoContent {
			b.Fatalf("status %d", w.code)
		}
	}
}

// discard is a ResponseWriter that keeps only the status.
type discard struct {
	h    http.Header
	code int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(code int)        { d.code = code }
