package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/vigilauth/vigil/bench/load"
	"github.com/vigilauth/vigil/bench/seed"
)

// plan is one row of the table in the making: its server, running for the
// whole session count, and what its slices measured so far.
type plan struct {
	name      string
	srv       server
	tokens    []string
	p         *proc
	pprofAddr string
	counter   seed.Counter
	r         *rowResult
	res       load.Result
	serverCPU time.Duration
	pgCPU     time.Duration
	writes    int64
	hits      cacheStats
	// sent is how many requests the row has sent: the next slice goes on
	// rotating through the cookies from there.
	sent uint64
}

// sessionRows measures every row at n live sessions. All the servers run
// at once and the rows take turns: each row's window is cut into
// --rounds slices and every round gives each row one slice (starting
// with a different row each round), so rows are measured in the same
// stretches of time and a busy neighbour on a shared machine weighs on
// all of them alike.
func (h *harness) sessionRows(n int) error {
	fmt.Printf("== %d live sessions\n", n)
	var plans []*plan
	defer func() {
		for _, pl := range plans {
			if pl.counter != nil {
				pl.counter.Close()
			}
			if pl.p != nil {
				pl.p.stop()
			}
		}
	}()
	add := func(name string, s server, tokens []string) {
		if h.want(name) {
			plans = append(plans, &plan{name: name, srv: s, tokens: tokens,
				r: &rowResult{Name: name, Sessions: n, Writes: -1, HitRate: -1, Cache: s.cache}})
		}
	}
	add("limit", h.limitServer(), randomTokens(n))
	same := h.limitServer()
	same.args = []string{"-same-answer"}
	add("limit, same answer", same, randomTokens(n))
	stores := []string{"sqlite"}
	if h.pgOn() {
		stores = append(stores, "postgres")
	}
	var cleanup []string
	defer func() {
		for _, db := range cleanup {
			removeSQLite(db)
		}
	}()
	for _, store := range stores {
		warm, due := "vigil "+store, "vigil "+store+", activity due"
		if !h.want(warm, due) {
			continue
		}
		// Last activity a minute ago: the warm row sends background
		// requests (no activity is recorded), the due row ordinary ones,
		// so each session's first request there writes its activity.
		db, counter, tokens, err := h.seedVigil(n, store, seed.Spec{Sessions: n, LastActivity: time.Now().Add(-time.Minute)})
		if err != nil {
			return err
		}
		if store == "sqlite" {
			cleanup = append(cleanup, db)
		}
		add(warm, h.vigilServer(db, n, counter, "Vigil-Activity: background"), tokens)
		s := h.vigilServer(db, n, counter)
		s.noWarmup = true
		add(due, s, tokens)
	}
	for _, store := range stores {
		off, on := "scs "+store+", idle off", "scs "+store+", idle 30m"
		if !h.want(off, on) {
			continue
		}
		dsn, counter, tokens, err := h.seedSCS(n, store)
		if err != nil {
			return err
		}
		if store == "sqlite" {
			cleanup = append(cleanup, dsn)
		}
		for _, r := range []struct{ name, idle string }{{off, "0"}, {on, "30m"}} {
			add(r.name, server{
				bin: h.scs, args: []string{"-store", store, "-dsn", dsn, "-idle", r.idle},
				how: stdoutListening, path: "/verify", cookie: seed.SCSCookie, counter: counter,
			}, tokens)
		}
	}
	for _, pl := range plans {
		if err := h.prepare(pl); err != nil {
			return err
		}
	}
	// The activity-due rows run their window in one piece after the
	// others: slices further apart than the 18 s activity granularity
	// would make every session due again at each slice.
	var turns, whole []*plan
	for _, pl := range plans {
		if pl.srv.noWarmup {
			whole = append(whole, pl)
		} else {
			turns = append(turns, pl)
		}
	}
	rounds := h.rounds()
	slice := h.o.dur / time.Duration(rounds)
	for round := range rounds {
		for i := range turns {
			pl := turns[(i+round)%len(turns)]
			if err := h.slice(pl, slice, round == 0); err != nil {
				return err
			}
		}
	}
	for _, pl := range whole {
		if err := h.slice(pl, h.o.dur, true); err != nil {
			return err
		}
	}
	for _, pl := range plans {
		if err := h.finish(pl); err != nil {
			return err
		}
	}
	return nil
}

// rounds is --rounds, or 1 when profiling (a profile covers one slice).
func (h *harness) rounds() int {
	if h.o.profile != "" || h.o.rounds < 1 {
		return 1
	}
	return h.o.rounds
}

// seedSCS makes an scs store with n sessions: it returns the server's
// -dsn, a write counter opener and the cookies.
func (h *harness) seedSCS(n int, store string) (string, func() (seed.Counter, error), []string, error) {
	t0 := time.Now()
	var dsn string
	var tokens []string
	var err error
	var counter func() (seed.Counter, error)
	if store == "sqlite" {
		dsn = filepath.Join(h.dir, fmt.Sprintf("scs-%d.db", n))
		removeSQLite(dsn)
		tokens, err = seed.SCSSQLite(h.ctx, dsn, seed.Spec{Sessions: n})
		counter = func() (seed.Counter, error) { return seed.SQLiteCounter(dsn) }
	} else {
		url, err := h.schema("scs_bench_")
		if err != nil {
			return "", nil, nil, err
		}
		tokens, err = seed.SCSPostgres(h.ctx, url, seed.Spec{Sessions: n})
		if err != nil {
			return "", nil, nil, fmt.Errorf("seeding scs %s: %w", store, err)
		}
		counter = func() (seed.Counter, error) { return seed.PostgresCounter(h.ctx, url) }
		// The same pool size as vigil's on this machine (4 per core).
		dsn, err = seed.WithParam(url, "pool_max_conns", fmt.Sprint(4*runtime.GOMAXPROCS(0)))
	}
	if err != nil {
		return "", nil, nil, fmt.Errorf("seeding scs %s: %w", store, err)
	}
	fmt.Printf("   seeded scs %s with %d sessions in %v\n", store, n, time.Since(t0).Round(10*time.Millisecond))
	return dsn, counter, tokens, nil
}

// prepare starts a row's server, waits for its first good answer, primes
// it (every cookie once, as background requests: the cache fills and no
// activity is written) and warms it up.
func (h *harness) prepare(pl *plan) error {
	if err := h.ctx.Err(); err != nil {
		return err
	}
	var err error
	if pl.p, pl.pprofAddr, err = h.launch(pl.name, pl.srv); err != nil {
		return err
	}
	pl.r.Ready = pl.p.ready
	if err := h.firstOK(pl.p, pl.srv, pl.tokens, pl.r); err != nil {
		return err
	}
	if pl.srv.prime {
		t0 := time.Now()
		res, err := load.Run(load.Config{
			Addr: pl.p.addr, Concurrency: h.o.concurrency, Requests: uint64(len(pl.tokens)),
			Build: load.GetWithCookie(pl.p.addr, pl.srv.path, pl.srv.cookie, pl.tokens, "Vigil-Activity: background"),
		})
		if err != nil {
			return err
		}
		pl.r.Prime = time.Since(t0)
		if res.OK == 0 {
			return fmt.Errorf("%s: priming got no good answer (%s)\n%s", pl.name, res.ErrorSummary(), tail(pl.p.logPath))
		}
	}
	if pl.srv.counter != nil {
		if pl.counter, err = pl.srv.counter(); err != nil {
			return err
		}
	}
	return nil
}

// slice runs one slice of a row's window (after its warm-up, the first
// time) and adds what it measured.
func (h *harness) slice(pl *plan, d time.Duration, first bool) error {
	if err := h.ctx.Err(); err != nil {
		return err
	}
	warmup := 100 * time.Millisecond // the slice's new connections
	if first {
		warmup = h.o.warmup
	}
	if pl.srv.noWarmup {
		warmup = 0
	}
	var cpu0, pg0 time.Duration
	var w0 int64
	var m0 cacheStats
	var prof chan error
	build, offset := load.GetWithCookie(pl.p.addr, pl.srv.path, pl.srv.cookie, pl.tokens, pl.srv.headers...), pl.sent
	res, err := load.Run(load.Config{
		Addr: pl.p.addr, Concurrency: h.o.concurrency, Warmup: warmup, Duration: d,
		Build: func(buf []byte, i uint64, k int) []byte { return build(buf, offset+i, k) },
		Want:  "Remote-User",
		OnWindow: func(open bool) {
			cpu, _ := load.ProcCPU(pl.p.pid())
			pg := load.CommandCPU("postgres")
			var w int64
			if pl.counter != nil {
				w, _ = pl.counter.Writes(h.ctx)
			}
			var m cacheStats
			if pl.srv.metrics != "" {
				m = readCacheStats(pl.srv.metrics)
			}
			if open {
				cpu0, pg0, w0, m0 = cpu, pg, w, m
				if pl.pprofAddr != "" && first {
					prof = make(chan error, 1)
					go func() { prof <- h.profile(pl.pprofAddr, pl.name, pl.r.Sessions, int(d.Seconds())-1) }()
				}
				return
			}
			pl.serverCPU += cpu - cpu0
			pl.pgCPU += pg - pg0
			pl.writes += w - w0
			pl.hits.checks += m.checks - m0.checks
			pl.hits.hits += m.hits - m0.hits
			pl.hits.cached = m.cached
		},
	})
	if err != nil {
		return err
	}
	if prof != nil {
		if err := <-prof; err != nil {
			fmt.Fprintf(os.Stderr, "harness: profile of %s: %v\n", pl.name, err)
		}
	}
	pl.res.Add(res)
	pl.sent += res.Sent
	return pl.p.alive()
}

// finish stops a row's server and records its row.
func (h *harness) finish(pl *plan) error {
	r := pl.r
	r.MaxRSS, _ = load.MaxRSS(pl.p.pid())
	if err := pl.p.stop(); err != nil {
		return err
	}
	window := pl.res.Window
	fill(r, &pl.res, window)
	r.ServerCPU = pl.serverCPU.Seconds() / window.Seconds()
	r.Postgres = pl.pgCPU.Seconds() / window.Seconds()
	if pl.counter != nil {
		r.Writes = pl.writes
	}
	if pl.hits.checks > 0 {
		r.HitRate, r.Cached = pl.hits.hits/pl.hits.checks, int64(pl.hits.cached)
	}
	h.rows = append(h.rows, r)
	fmt.Printf("   %-32s %9.0f req/s  p99 %8s  errors %d  cores: gen %.2f server %.2f postgres %.2f others %.2f  writes %s\n",
		r.Name, r.RPS, fmtDur(r.P99), r.Errors, r.GenCPU, r.ServerCPU, r.Postgres, r.Others(), fmtWrites(r.Writes))
	if pl.res.OK == 0 {
		return fmt.Errorf("%s: no good answer in the window (%s)\n%s", r.Name, pl.res.ErrorSummary(), tail(pl.p.logPath))
	}
	return nil
}

// seedVigil makes a vigil store with spec's sessions: it returns the --db
// value, a write counter opener and the cookies.
func (h *harness) seedVigil(n int, store string, spec seed.Spec) (string, func() (seed.Counter, error), []string, error) {
	t0 := time.Now()
	var db string
	var tokens []string
	var err error
	var counter func() (seed.Counter, error)
	if store == "sqlite" {
		db = filepath.Join(h.dir, fmt.Sprintf("vigil-%d.db", n))
		removeSQLite(db)
		tokens, err = seed.VigilSQLite(h.ctx, db, spec)
		counter = func() (seed.Counter, error) { return seed.SQLiteCounter(db) }
	} else {
		if db, err = h.schema("vigil_bench_"); err != nil {
			return "", nil, nil, err
		}
		tokens, err = seed.VigilPostgres(h.ctx, db, spec)
		counter = func() (seed.Counter, error) { return seed.PostgresCounter(h.ctx, db) }
	}
	if err != nil {
		return "", nil, nil, fmt.Errorf("seeding vigil %s: %w", store, err)
	}
	fmt.Printf("   seeded vigil %s with %d sessions in %v\n", store, n, time.Since(t0).Round(10*time.Millisecond))
	return db, counter, tokens, nil
}
