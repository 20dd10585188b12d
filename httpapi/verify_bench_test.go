package httpapi_test

import (
	"io"
	"net/http"
	"testing"
)

// answerWriter is the part of net/http's response writer forward auth's
// cost depends on: a header map, and the header block written out as the
// server writes it (Header.Write sorts and escapes as the server does).
type answerWriter struct {
	h      http.Header
	status int
}

func (w *answerWriter) Header() http.Header         { return w.h }
func (w *answerWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *answerWriter) WriteHeader(status int)      { w.status = status }

// BenchmarkVerifyAnswer is forward auth's whole answer to a warm session
// inside the process: the handler (query, trusted-proxy and cross-origin
// checks, the session check, the identity headers) and the header block
// written out. The network and net/http's request parsing are not in it
// (BENCHMARKS.md measures them with bench/run.sh).
func BenchmarkVerifyAnswer(b *testing.B) {
	h := newHarness(b)
	cookie, _ := signIn(b, h, "bob", bobPW)
	req, err := http.NewRequest(http.MethodGet, h.URL+"/api/auth/verify", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Cookie", cookie)
	req.RemoteAddr = "127.0.0.1:40000"
	w := &answerWriter{h: make(http.Header, 16)}
	h.Handler.ServeHTTP(w, req)
	if w.status != http.StatusOK {
		b.Fatalf("verify: status %d", w.status)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		h.Handler.ServeHTTP(w, req)
		if err := w.h.Write(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
