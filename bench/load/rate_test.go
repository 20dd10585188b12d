package load

import (
	"bufio"
	"net"
	"testing"
	"time"
)

// slowServer answers every request (a GET, no body) with 200 after delay,
// one request at a time per connection, and returns its address.
func slowServer(t *testing.T, delay time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					for { // the request line and headers, up to the empty line
						line, err := r.ReadSlice('\n')
						if err != nil {
							return
						}
						if len(line) <= 2 {
							break
						}
					}
					if delay > 0 {
						time.Sleep(delay)
					}
					if _, err := c.Write([]byte("HTTP/1.1 200 OK\r\nRemote-User: u\r\nContent-Length: 2\r\n\r\nok")); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// TestOpenLoopLatencyIncludesQueueing offers one connection 4 times what
// the server can answer: the requests queue in the generator, and their
// latency, counted from the scheduled send time, must show that wait, far
// beyond the server's own time per request.
func TestOpenLoopLatencyIncludesQueueing(t *testing.T) {
	const delay = 2 * time.Millisecond // at most 500 answers/s on one connection
	const rate = 4 * float64(time.Second/delay)
	const window = 100 * time.Millisecond
	addr := slowServer(t, delay)
	res, err := Run(Config{
		Addr: addr, Build: GetWithCookie(addr, "/", "s", []string{"a"}), Want: "Remote-User",
		Concurrency: 1, Rate: rate, Duration: window,
	})
	if err != nil {
		t.Fatal(err)
	}
	h := &res.Latency
	t.Logf("offered %.0f/s, achieved %.0f/s over %v; %d answers, p50 %v p99 %v max %v; errors %v",
		rate, res.RPS(), res.Span, res.Total, h.Quantile(0.5), h.Quantile(0.99), h.Max(), res.Errors)
	// 200 requests are scheduled in the window (one every 0.5 ms for
	// 100 ms); each is answered or, if the backlog outlasted the drain,
	// counted as not sent.
	if got := res.Total + res.Errors[errBacklog]; got != 200 || res.ErrorCount() != res.Errors[errBacklog] {
		t.Errorf("answers %d + unsent %d = %d, want 200 scheduled; errors %v", res.Total, res.Errors[errBacklog], got, res.Errors)
	}
	if res.Total < 50 {
		t.Fatalf("only %d answers", res.Total)
	}
	if p99 := h.Quantile(0.99); p99 <= 3*delay {
		t.Errorf("p99 %v, want more than 3 × the server's %v: the queueing wait is not counted", p99, delay)
	}
	if p50 := h.Quantile(0.5); p50 <= 3*delay {
		t.Errorf("p50 %v, want more than 3 × the server's %v", p50, delay)
	}
	// One connection answered serially: the k-th answer of the window came
	// at least k × delay after the window opened, while it was scheduled
	// before the window's end. (Sleep never returns early, so this holds
	// on any machine.)
	if floor := time.Duration(res.Total)*delay - window; h.Max() < floor*98/100 {
		t.Errorf("max latency %v, want at least %v (%d serial answers of %v, scheduled within %v)", h.Max(), floor, res.Total, delay, window)
	}
	// The server could not keep up: the achieved rate is its own, not the
	// offered one.
	if res.RPS() > 0.6*rate {
		t.Errorf("achieved %.0f/s, want well under the offered %.0f/s", res.RPS(), rate)
	}
	if res.Span <= res.Window {
		t.Errorf("span %v, want longer than the window %v (the backlog drained after it)", res.Span, res.Window)
	}
}

// TestOpenLoopAchievesOfferedRate: a server that keeps up gets the offered
// rate, not as many requests as the connections could send.
func TestOpenLoopAchievesOfferedRate(t *testing.T) {
	const rate = 1000.0
	addr := slowServer(t, 0)
	res, err := Run(Config{
		Addr: addr, Build: GetWithCookie(addr, "/", "s", []string{"a", "b"}), Want: "Remote-User",
		Concurrency: 4, Rate: rate, Warmup: 200 * time.Millisecond, Duration: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	h := &res.Latency
	t.Logf("offered %.0f/s, achieved %.0f/s; %d sent, %d answers in the window, p50 %v p99 %v max %v; errors %v",
		rate, res.RPS(), res.Sent, res.Total, h.Quantile(0.5), h.Quantile(0.99), h.Max(), res.Errors)
	if res.ErrorCount() != 0 {
		t.Errorf("errors: %s", res.ErrorSummary())
	}
	if got := res.RPS(); got < 0.8*rate || got > 1.2*rate {
		t.Errorf("achieved %.0f/s, want the offered %.0f/s within 20%%", got, rate)
	}
	if res.Total < 800 || res.Total > 1200 {
		t.Errorf("%d answers in the 1 s window, want about 1000", res.Total)
	}
	// 1.2 s at 1,000/s: an open loop sends about 1,200 requests, where a
	// closed loop of 4 connections would send tens of thousands.
	if res.Sent > 1440 {
		t.Errorf("%d requests sent in 1.2 s, want about 1,200", res.Sent)
	}
}

// TestRunStop ends a window with no Duration by closing Stop.
func TestRunStop(t *testing.T) {
	addr := slowServer(t, 0)
	stop := make(chan struct{})
	time.AfterFunc(150*time.Millisecond, func() { close(stop) })
	t0 := time.Now()
	res, err := Run(Config{
		Addr: addr, Build: GetWithCookie(addr, "/", "s", []string{"a"}),
		Concurrency: 2, Warmup: 50 * time.Millisecond, Stop: stop, ByCompletion: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(t0); res.Window < 50*time.Millisecond || res.Window > took || res.OK == 0 || res.OK != res.Total {
		t.Errorf("window %v (run took %v), ok %d, total %d, errors %v", res.Window, took, res.OK, res.Total, res.Errors)
	}
}
