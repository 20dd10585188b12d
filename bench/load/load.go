package load

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config is one run of the generator.
type Config struct {
	// Addr is the server's host:port.
	Addr string
	// Build appends the bytes of request number i, sent on connection
	// conn, to buf (requests are numbered in the order they are sent, from
	// 0 across all connections; connections from 0 to Concurrency-1).
	Build func(buf []byte, i uint64, conn int) []byte
	// Status is the status of a good answer (default 200); Want, if set, a
	// header a good answer must carry ("Remote-User").
	Status int
	Want   string
	// Concurrency is the number of connections, each with one request in
	// flight at a time.
	Concurrency int
	// Warmup runs before the window and is not counted; Duration is the
	// window.
	Warmup, Duration time.Duration
	// ByCompletion counts every answer that arrives in the window, however
	// early its request was sent (for requests that take longer than the
	// window, such as logins queued behind a password-hash semaphore).
	// Otherwise only requests sent and answered within the window count.
	ByCompletion bool
	// Requests, when set, replaces the phases: exactly Requests requests
	// are sent, all counted (a priming pass).
	Requests uint64
	// OnWindow, if set, is called as the window opens (true) and closes
	// (false), for readings of other processes to take at the same instants.
	OnWindow func(open bool)
}

// Result is what happened in the window.
type Result struct {
	Window  time.Duration
	Sent    uint64            // requests sent in the whole run (numbers 0 to Sent-1)
	All     uint64            // answers in the whole run, warm-up included
	Total   uint64            // answers (good or not) in the window
	OK      uint64            // good answers in the window
	Errors  map[string]uint64 // what went wrong, by kind
	Latency Histogram         // every answer in the window, good or not
	CPU     time.Duration     // this process's CPU time during the window
	Machine MachineCPU        // all cores' busy and total time during the window
}

// RPS returns good answers per second.
func (r *Result) RPS() float64 {
	if r.Window <= 0 {
		return 0
	}
	return float64(r.OK) / r.Window.Seconds()
}

// ErrorCount returns the number of failed requests.
func (r *Result) ErrorCount() uint64 {
	var n uint64
	for _, c := range r.Errors {
		n += c
	}
	return n
}

// ErrorSummary lists the errors by kind ("status 401: 3, ...").
func (r *Result) ErrorSummary() string {
	if len(r.Errors) == 0 {
		return ""
	}
	var b strings.Builder
	for _, k := range sortedKeys(r.Errors) {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s: %d", k, r.Errors[k])
	}
	return b.String()
}

type worker struct {
	sent   uint64
	all    uint64
	hist   Histogram
	ok     uint64
	total  uint64
	errors map[string]uint64
}

// Run drives the server as cfg says and returns what it measured.
func Run(cfg Config) (*Result, error) {
	if cfg.Concurrency <= 0 || cfg.Build == nil || cfg.Addr == "" {
		return nil, errors.New("load: Addr, Build and Concurrency are required")
	}
	if cfg.Status == 0 {
		cfg.Status = 200
	}
	want := []byte(strings.ToLower(cfg.Want) + ":")
	if cfg.Want == "" {
		want = nil
	}
	var next atomic.Uint64
	start := time.Now()
	open, end := start.Add(cfg.Warmup), start.Add(cfg.Warmup+cfg.Duration)
	counted := func(t0, t1 time.Time) bool { return !t0.Before(open) && !t1.After(end) }
	if cfg.ByCompletion {
		counted = func(_, t1 time.Time) bool { return !t1.Before(open) && !t1.After(end) }
	}
	more := func() (uint64, bool) {
		i := next.Add(1) - 1
		if cfg.Requests > 0 {
			return i, i < cfg.Requests
		}
		return i, time.Now().Before(end)
	}
	if cfg.Requests > 0 {
		open = start
		counted = func(time.Time, time.Time) bool { return true }
	}

	res := &Result{Errors: map[string]uint64{}}
	var cpu0 time.Duration
	var m0 MachineCPU
	window := func(opening bool) {
		if cfg.OnWindow != nil {
			cfg.OnWindow(opening)
		}
		m, _ := ReadMachineCPU()
		if opening {
			cpu0, m0 = SelfCPU(), m
			return
		}
		res.CPU, res.Machine = SelfCPU()-cpu0, m.Sub(m0)
	}
	var timer sync.WaitGroup
	if cfg.Requests == 0 {
		timer.Go(func() {
			time.Sleep(time.Until(open))
			window(true)
			time.Sleep(time.Until(end))
			window(false)
		})
	} else {
		window(true)
	}

	workers := make([]*worker, cfg.Concurrency)
	var wg sync.WaitGroup
	for k := range workers {
		w := &worker{errors: map[string]uint64{}}
		workers[k] = w
		wg.Go(func() {
			c := &conn{addr: cfg.Addr}
			defer c.close()
			buf := make([]byte, 0, 1024)
			for {
				i, ok := more()
				if !ok {
					return
				}
				w.sent++
				buf = cfg.Build(buf[:0], i, k)
				t0 := time.Now()
				a, err := c.do(buf, want)
				t1 := time.Now()
				if err == nil {
					w.all++
				}
				if !counted(t0, t1) {
					continue
				}
				if err != nil {
					w.errors[errKind(err)]++
					if cfg.Requests == 0 {
						time.Sleep(time.Millisecond) // a refused connection must not spin
					}
					continue
				}
				w.total++
				w.hist.Record(t1.Sub(t0))
				switch {
				case a.status != cfg.Status:
					w.errors[fmt.Sprintf("status %d", a.status)]++
				case want != nil && !a.header:
					w.errors[fmt.Sprintf("%d without %s", a.status, cfg.Want)]++
				default:
					w.ok++
				}
			}
		})
	}
	wg.Wait()
	if cfg.Requests > 0 {
		window(false)
		res.Window = time.Since(start)
	} else {
		timer.Wait()
		res.Window = cfg.Duration
	}
	for _, w := range workers {
		res.Latency.Merge(&w.hist)
		res.OK += w.ok
		res.All += w.all
		res.Sent += w.sent
		res.Total += w.total
		for k, v := range w.errors {
			res.Errors[k] += v
		}
	}
	return res, nil
}

// errKind names a transport error coarsely, so the error table stays short.
func errKind(err error) string {
	var op *net.OpError
	switch {
	case errors.Is(err, errMalformed):
		return "malformed answer"
	case errors.As(err, &op) && op.Op == "dial":
		return "connect failed"
	case errors.As(err, &op):
		return "connection " + op.Op + " failed"
	default:
		return "connection closed early"
	}
}

// Add accumulates o, a later window of the same load, into r.
func (r *Result) Add(o *Result) {
	r.Window += o.Window
	r.Sent += o.Sent
	r.All += o.All
	r.Total += o.Total
	r.OK += o.OK
	if r.Errors == nil {
		r.Errors = map[string]uint64{}
	}
	for k, v := range o.Errors {
		r.Errors[k] += v
	}
	r.Latency.Merge(&o.Latency)
	r.CPU += o.CPU
	r.Machine.Busy += o.Machine.Busy
	r.Machine.Total += o.Machine.Total
}
