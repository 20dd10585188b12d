package load

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestRunAgainstNetHTTP drives a real net/http server through every way it
// ends a body (Content-Length, chunked, Connection: close) and checks the
// counts by answer.
func TestRunAgainstNetHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("s")
		if err != nil {
			http.Error(w, "no cookie", http.StatusUnauthorized)
			return
		}
		switch c.Value {
		case "chunked":
			w.Header().Set("Remote-User", "u")
			w.Write([]byte(strings.Repeat("x", 3000))) // past net/http's buffer: chunked
			w.(http.Flusher).Flush()
			w.Write([]byte("end"))
		case "close":
			w.Header().Set("Remote-User", "u")
			w.Header().Set("Connection", "close")
			w.Write([]byte("bye"))
		case "nouser":
			w.Write([]byte("ok"))
		default:
			w.Header().Set("Remote-User", "u")
			w.Write([]byte("ok"))
		}
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	tokens := []string{"plain", "chunked", "close", "nouser", "plain"}
	res, err := Run(Config{
		Addr: host, Build: GetWithCookie(host, "/", "s", tokens, "X-Test: 1"),
		Want: "Remote-User", Concurrency: 3, Requests: 500,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 500 || res.OK != 400 || res.Errors["200 without Remote-User"] != 100 || len(res.Errors) != 1 {
		t.Errorf("total %d ok %d errors %v; want 500, 400, 100 without Remote-User", res.Total, res.OK, res.Errors)
	}
	if res.Sent != 500 || res.All != 500 {
		t.Errorf("sent %d, answered %d; want 500 each", res.Sent, res.All)
	}
	if res.Latency.Count() != 500 {
		t.Errorf("latency count %d, want 500", res.Latency.Count())
	}
}

func TestRunWindow(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	opened, closed := false, false
	res, err := Run(Config{
		Addr: host, Build: PostJSON(host, "/login", func(int) (string, []string) { return `{"a":1}`, nil }), Status: http.StatusTeapot,
		Concurrency: 2, Warmup: 50 * time.Millisecond, Duration: 100 * time.Millisecond,
		OnWindow: func(open bool) { opened, closed = opened || open, closed || !open },
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK == 0 || res.OK != res.Total || res.Window != 100*time.Millisecond || !opened || !closed {
		t.Errorf("ok %d total %d window %v opened %v closed %v", res.OK, res.Total, res.Window, opened, closed)
	}
}
