package load

import (
	"errors"
	"fmt"
	"math"
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
	// conn, to buf (requests are numbered from 0 across all connections,
	// in the order they are sent, or with Rate in the order they are
	// scheduled; connections from 0 to Concurrency-1).
	Build func(buf []byte, i uint64, conn int) []byte
	// Status is the status of a good answer (default 200); Want, if set, a
	// header a good answer must carry ("Remote-User").
	Status int
	Want   string
	// Concurrency is the number of connections, each with one request in
	// flight at a time.
	Concurrency int
	// Rate, when above 0, makes the load open-loop (fixed rate, as wrk2):
	// request i is scheduled at i/Rate seconds from the start of the run
	// (warm-up included), whatever the answers do, and the first of the
	// Concurrency connections to be free takes the next scheduled request,
	// waiting for its time if it is early. When every connection is busy
	// the request waits, and that wait counts: its latency runs from its
	// scheduled send time, not from when it was written (correcting
	// coordinated omission), so it also holds the generator's own lateness
	// in waking up. A request counts in the window if it was *scheduled* in
	// the window, however late its answer comes: the run goes on after the
	// window until those requests are answered (Result.Span), for at most
	// one more Duration (and at least 1 s); requests of the window still
	// unsent then are errors ("not sent: backlog outlasted the drain"),
	// with no latency. 0 is the closed loop: each connection sends its
	// next request as soon as the previous one is answered.
	Rate float64
	// Warmup runs before the window and is not counted; Duration is the
	// window.
	Warmup, Duration time.Duration
	// Stop, if set, ends the window early when it is closed (then
	// Result.Window is how long the window really lasted); with Stop, a
	// Duration of 0 means the window lasts until Stop is closed.
	Stop <-chan struct{}
	// ByCompletion counts every answer that arrives in the window, however
	// early its request was sent or scheduled (for requests that take
	// longer than the window, such as logins queued behind a password-hash
	// semaphore). Otherwise only requests sent and answered within the
	// window count (closed loop), or requests scheduled in it (Rate).
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
	Window time.Duration
	// Span, with Rate, is the time from the window's opening to the last
	// counted answer: longer than Window when the server fell behind and
	// the requests scheduled in the window were still being answered after
	// it. 0 in the closed loop.
	Span    time.Duration
	Sent    uint64            // requests sent in the whole run
	All     uint64            // answers in the whole run, warm-up included
	Total   uint64            // answers (good or not) in the window
	OK      uint64            // good answers in the window
	Errors  map[string]uint64 // what went wrong, by kind
	Latency Histogram         // every answer in the window, good or not
	CPU     time.Duration     // this process's CPU time during the window
	Machine MachineCPU        // all cores' busy and total time during the window
}

// RPS returns good answers per second: over the window, or with Rate over
// the Span if longer (the rate the server achieved, below the offered
// rate when it could not keep up).
func (r *Result) RPS() float64 {
	d := max(r.Window, r.Span)
	if d <= 0 {
		return 0
	}
	return float64(r.OK) / d.Seconds()
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
	last   time.Duration // the last counted answer (Rate)
	errors map[string]uint64
}

// errBacklog names the requests of an open-loop window never sent.
const errBacklog = "not sent: backlog outlasted the drain"

// Run drives the server as cfg says and returns what it measured.
func Run(cfg Config) (*Result, error) {
	if cfg.Concurrency <= 0 || cfg.Build == nil || cfg.Addr == "" {
		return nil, errors.New("load: Addr, Build and Concurrency are required")
	}
	if cfg.Rate < 0 || math.IsNaN(cfg.Rate) || math.IsInf(cfg.Rate, 0) {
		return nil, fmt.Errorf("load: bad Rate %v", cfg.Rate)
	}
	if cfg.Status == 0 {
		cfg.Status = 200
	}
	want := []byte(strings.ToLower(cfg.Want) + ":")
	if cfg.Want == "" {
		want = nil
	}
	open := cfg.Warmup
	if cfg.Requests > 0 {
		open = 0
	}
	// Every instant is an offset from start (monotonic). end moves
	// earlier if Stop is closed.
	var end atomic.Int64
	end.Store(int64(cfg.Warmup + cfg.Duration))
	if cfg.Stop != nil && cfg.Duration <= 0 {
		end.Store(math.MaxInt64)
	}
	ending := func() time.Duration { return time.Duration(end.Load()) }
	drain := max(cfg.Duration, time.Second) // Rate: how long the window's backlog may take after it
	openLoop := cfg.Rate > 0
	interval := 0.0
	if openLoop {
		interval = float64(time.Second) / cfg.Rate
	}
	// counted says whether a request sent (or, with Rate, scheduled) at t0
	// and answered at t1 belongs to the window.
	counted := func(t0, t1 time.Duration) bool { return t0 >= open && t1 <= ending() }
	switch {
	case cfg.Requests > 0:
		counted = func(_, _ time.Duration) bool { return true }
	case cfg.ByCompletion:
		counted = func(_, t1 time.Duration) bool { return t1 >= open && t1 <= ending() }
	case openLoop:
		counted = func(t0, _ time.Duration) bool { return t0 >= open && t0 < ending() }
	}
	var next atomic.Uint64
	start := time.Now()
	since := func() time.Duration { return time.Since(start) }
	// more returns the next request's number and, with Rate, its
	// scheduled time, or false when the run is over.
	more := func() (uint64, time.Duration, bool) {
		i := next.Add(1) - 1
		var at time.Duration
		if openLoop {
			at = time.Duration(float64(i) * interval)
		}
		switch {
		case cfg.Requests > 0:
			return i, at, i < cfg.Requests
		case openLoop:
			return i, at, at < ending()
		default:
			return i, at, since() < ending()
		}
	}

	res := &Result{Errors: map[string]uint64{}}
	finished := make(chan struct{})
	defer close(finished)
	stopped := make(chan struct{})
	if cfg.Stop != nil && cfg.Requests == 0 {
		go func() {
			select {
			case <-cfg.Stop:
				// A window never closes before it opens.
				if now := max(since(), open); now < ending() {
					end.Store(int64(now))
				}
				close(stopped)
			case <-finished:
			}
		}()
	}
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
			time.Sleep(open - since())
			window(true)
			for {
				d := ending() - since()
				if d <= 0 {
					break
				}
				t := time.NewTimer(d)
				select {
				case <-t.C:
				case <-stopped:
					t.Stop()
				}
			}
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
				i, at, ok := more()
				if !ok {
					return
				}
				if openLoop {
					if d := at - since(); d > 0 {
						time.Sleep(d)
					}
					if cfg.Requests == 0 {
						if at >= ending() { // Stop came while this connection waited
							return
						}
						if since()-drain > ending() {
							if counted(at, at) {
								w.errors[errBacklog]++
							}
							continue
						}
					}
				}
				w.sent++
				buf = cfg.Build(buf[:0], i, k)
				t0 := since()
				if openLoop {
					t0 = at // latency from the scheduled send time
				}
				a, err := c.do(buf, want)
				t1 := since()
				if err == nil {
					w.all++
				}
				if !counted(t0, t1) {
					continue
				}
				w.last = max(w.last, t1)
				if err != nil {
					w.errors[errKind(err)]++
					if cfg.Requests == 0 {
						time.Sleep(time.Millisecond) // a refused connection must not spin
					}
					continue
				}
				w.total++
				w.hist.Record(t1 - t0)
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
	var last time.Duration
	for _, w := range workers {
		res.Latency.Merge(&w.hist)
		res.OK += w.ok
		res.All += w.all
		res.Sent += w.sent
		res.Total += w.total
		last = max(last, w.last)
		for k, v := range w.errors {
			res.Errors[k] += v
		}
	}
	if cfg.Requests > 0 {
		window(false)
		res.Window = since()
	} else {
		timer.Wait()
		res.Window = max(0, ending()-open)
	}
	if openLoop && last > open {
		res.Span = last - open
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
	if r.Span > 0 || o.Span > 0 {
		r.Span = max(r.Span, r.Window) + max(o.Span, o.Window)
	}
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
