package vigilhttp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/password"
	"github.com/vigilauth/vigil/sqlite"
	"github.com/vigilauth/vigil/vigilhttp"
)

// BenchmarkRequire is the middleware on a warm session: cookie parse,
// check, context, handler. It is what a Go app pays per request.
func BenchmarkRequire(b *testing.B) {
	store, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "vigil.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	hasher := password.NewHasher(password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 0)
	e := auth.New(store, hasher, password.NewPolicy(15), auth.Options{
		Policy: vigil.Policy{Lifetime: 168 * time.Hour, IdleTimeout: 30 * time.Minute}, PollInterval: 50 * time.Millisecond})
	go e.Run(ctx)
	const pw = "a quiet evening by the river"
	if _, err := e.CreateUser(ctx, auth.NewUser{Username: "bench", Role: vigil.RolePatient, Password: pw}, auth.Actor{}); err != nil {
		b.Fatal(err)
	}
	cur, err := e.Login(ctx, "bench", pw, nil, auth.Actor{})
	if err != nil {
		b.Fatal(err)
	}
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
