package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigilauth/vigil/bench/load"
	"github.com/vigilauth/vigil/bench/seed"
	"github.com/vigilauth/vigil/password"
)

// writesResult is the store writes caused by the requests of one session.
type writesResult struct {
	Name     string
	Requests uint64
	Writes   int64
	Window   time.Duration
}

// PerThousand returns writes per 1,000 requests.
func (w *writesResult) PerThousand() float64 {
	if w.Requests == 0 {
		return 0
	}
	return float64(w.Writes) * 1000 / float64(w.Requests)
}

// writesRows counts store writes for the requests of one session whose
// activity is due (last recorded a minute ago), every request counting as
// activity, with the 30-minute idle timeout: vigil on both stores for two
// windows' time (so its 18 s activity granularity shows), and scs with
// IdleTimeout 30m for contrast.
func (h *harness) writesRows() error {
	long, short := 2*h.o.dur, h.o.dur/2
	if h.o.smoke {
		long, short = h.o.dur, h.o.dur
	}
	fmt.Println("== store writes, one session")
	for _, store := range []string{"sqlite", "postgres"} {
		name := "vigil " + store + ", one session"
		if (store == "postgres" && !h.pgOn()) || !h.want(name) {
			continue
		}
		db, counter, tokens, err := h.seedVigil(1, store, seed.Spec{Sessions: 1, LastActivity: time.Now().Add(-time.Minute)})
		if err != nil {
			return err
		}
		srv := h.vigilServer(db, 1, counter)
		srv.prime = false
		if err := h.writesRow(name, srv, tokens, long); err != nil {
			return err
		}
		if store == "sqlite" {
			removeSQLite(db)
		}
	}
	for _, store := range []string{"sqlite", "postgres"} {
		name := "scs " + store + ", idle 30m, one session"
		if (store == "postgres" && !h.pgOn()) || !h.want(name) {
			continue
		}
		var dsn string
		var tokens []string
		var err error
		var counter func() (seed.Counter, error)
		if store == "sqlite" {
			dsn = h.dir + "/scs-writes.db"
			tokens, err = seed.SCSSQLite(h.ctx, dsn, seed.Spec{Sessions: 1})
			counter = func() (seed.Counter, error) { return seed.SQLiteCounter(dsn) }
		} else {
			if dsn, err = h.schema("scs_bench_"); err == nil {
				tokens, err = seed.SCSPostgres(h.ctx, dsn, seed.Spec{Sessions: 1})
				counter = func() (seed.Counter, error) { return seed.PostgresCounter(h.ctx, dsn) }
			}
		}
		if err != nil {
			return err
		}
		srv := server{bin: h.scs, args: []string{"-store", store, "-dsn", dsn, "-idle", "30m"},
			how: stdoutListening, path: "/verify", cookie: seed.SCSCookie, counter: counter}
		if err := h.writesRow(name, srv, tokens, short); err != nil {
			return err
		}
	}
	return nil
}

func (h *harness) writesRow(name string, s server, tokens []string, window time.Duration) error {
	p, err := start(h.dir, name, s.bin, s.args, serverEnv(s.env...), s.how)
	if err != nil {
		return err
	}
	defer p.stop()
	counter, err := s.counter()
	if err != nil {
		return err
	}
	defer counter.Close()
	w0, err := counter.Writes(h.ctx)
	if err != nil {
		return err
	}
	res, err := load.Run(load.Config{
		Addr: p.addr, Concurrency: h.o.concurrency, Duration: window, Want: "Remote-User",
		Build: load.GetWithCookie(p.addr, s.path, s.cookie, tokens),
	})
	if err != nil {
		return err
	}
	w1, err := counter.Writes(h.ctx)
	if err != nil {
		return err
	}
	if err := p.stop(); err != nil {
		return err
	}
	r := &writesResult{Name: name, Requests: res.All, Writes: w1 - w0, Window: window}
	h.writes = append(h.writes, r)
	fmt.Printf("   %-36s %8d requests in %v, %d writes: %.3f per 1,000\n", name, r.Requests, window, r.Writes, r.PerThousand())
	if res.OK == 0 {
		return fmt.Errorf("%s: no good answer (%s)\n%s", name, res.ErrorSummary(), tail(p.logPath))
	}
	return nil
}

// stormResult is the login storm on one store.
type stormResult struct {
	Store           string
	Experiment      string // how the build differs from vigil; "" for vigil itself
	Sessions        int
	Cache           string     // vigil's session cache
	Unloaded        *rowResult // closed loop
	Loaded          *rowResult
	OpenRate        float64    // the open loop's offered rate: half of Unloaded's throughput
	OpenUnloaded    *rowResult // open loop at OpenRate
	OpenLoaded      *rowResult
	LoginsAlone     *load.Result  // the storm with no verify load
	AloneHashCPU    float64       // cores the hash workers used then
	AloneVigilCPU   float64       // cores vigil used then
	AloneBusy       float64       // cores busy on the whole machine then
	Logins          float64       // good logins per second, over the storm
	LoginWindow     time.Duration // the storm's window: both phases under load
	LoginP50        time.Duration
	LoginP99        time.Duration
	LoginErrors     string
	MaxRSS          int64
	Workers         int           // vigil's child processes (hash workers) at the end of the storm
	WorkersRSS      int64         // their max RSS (VmHWM), summed
	HashTime        time.Duration // one argon2id hash at the defaults, timed just before the storm
	IdealLoginsRate float64       // cores / hash time
	HashRate        float64       // hashes per second with a hash on every core, measured just before the logins alone
}

// stormRows: verify load on existing sessions alone, then with clients
// logging in continuously (real argon2id at the default parameters)
// against users created with `vigil user add --password-stdin`. The
// verify load runs twice each time: closed loop (as fast as it goes, for
// the throughput kept) and open loop at half the unloaded throughput (for
// the latency a signed-in user sees at a load vigil can carry).
func (h *harness) stormRows() error {
	stores := []string{"sqlite"}
	if h.pgOn() {
		stores = append(stores, "postgres")
	}
	hash := hashTime()
	for _, store := range stores {
		name := "login storm " + store
		if !h.want(name) {
			continue
		}
		fmt.Printf("== %s (%d clients logging in; one argon2id hash takes %v here)\n", name, h.o.logins, hash.Round(100*time.Microsecond))
		if err := h.storm(store, hash, h.vigil, ""); err != nil {
			return err
		}
		if h.exp != "" {
			label := fmt.Sprintf("experiment: at most %d hash(es) at once, none held back", h.o.hashSlots)
			fmt.Printf("== %s (%s)\n", name, label)
			if err := h.storm(store, hash, h.exp, label); err != nil {
				return err
			}
		}
	}
	return nil
}

// hashTime is the median of a few default-parameter hashes, one at a time.
func hashTime() time.Duration {
	hasher := password.NewHasher(password.DefaultParams(), 1)
	var d []time.Duration
	for range 5 {
		t0 := time.Now()
		hasher.Hash(context.Background(), "a long bench passphrase")
		d = append(d, time.Since(t0))
	}
	slices.Sort(d)
	return d[len(d)/2]
}

// hashRate is how many default-parameter hashes per second this process
// computes over about d with one running on every core: the ceiling of
// logins per second on this machine (n cores hashing at once rarely give
// n times one, sharing caches and the memory bus).
func hashRate(d time.Duration) float64 {
	cores := runtime.NumCPU()
	hasher := password.NewHasher(password.DefaultParams(), cores)
	var done atomic.Int64
	t0 := time.Now()
	var wg sync.WaitGroup
	for range cores {
		wg.Go(func() {
			for time.Since(t0) < d {
				hasher.Hash(context.Background(), "a long bench passphrase")
				done.Add(1)
			}
		})
	}
	wg.Wait()
	return float64(done.Load()) / time.Since(t0).Seconds()
}

// clientsPerUser is how many storm clients share one user: under the
// username rule's 5 (attempts in flight hold its places, so a fifth login
// of one user while four are checked waits a second, by design).
const clientsPerUser = 4

// storm runs one login storm with the vigil binary bin; experiment, if
// set, says how bin differs from vigil.
func (h *harness) storm(store string, hash time.Duration, bin, experiment string) error {
	n := h.o.sessions[0]
	db, counter, tokens, err := h.seedVigil(n, store, seed.Spec{Sessions: n})
	if err != nil {
		return err
	}
	if store == "sqlite" {
		defer removeSQLite(db)
	}
	users := max(1, (h.o.logins+clientsPerUser-1)/clientsPerUser)
	bodies := make([]string, users)
	t0 := time.Now()
	for i := range bodies {
		user, pw := fmt.Sprintf("storm%02d", i), fmt.Sprintf("storm passphrase %d %s", i, randomTokens(1)[0][:12])
		cmd := exec.CommandContext(h.ctx, bin, "user", "add", user, "--role", "clinician", "--password-stdin", "--db", db)
		cmd.Env, cmd.Stdin = serverEnv(), bytes.NewBufferString(pw+"\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("vigil user add: %w\n%s", err, out)
		}
		b, _ := json.Marshal(map[string]string{"username": user, "password": pw})
		bodies[i] = string(b)
	}
	fmt.Printf("   %d users added with vigil user add --password-stdin in %v\n", users, time.Since(t0).Round(10*time.Millisecond))
	// Each client is one person at one address (X-Forwarded-For from a
	// trusted proxy): the address rule holds 30 attempts in flight per
	// address, and a storm from one address would be refused past them.
	perClient := func(k int) (string, []string) {
		if h.o.stormOneAddress {
			return bodies[k%users], nil
		}
		return bodies[k%users], []string{fmt.Sprintf("X-Forwarded-For: 10.77.%d.%d", k/250, 1+k%250)}
	}
	name := "vigil " + store + " (storm" + experiment + ")"
	srv := h.vigilServer(db, n, counter, "Vigil-Activity: background")
	srv.bin = bin
	srv.args = append(srv.args, "--trusted-proxies", "127.0.0.1/32")
	p, pprofAddr, err := h.launch(name, srv)
	if err != nil {
		return err
	}
	defer p.stop()
	sr := &stormResult{Store: store, Sessions: n, HashTime: hash, Experiment: experiment, Cache: srv.cache}
	sr.IdealLoginsRate = float64(runtime.NumCPU()) / hash.Seconds()
	// verify runs one phase of verify load: closed loop with rate 0,
	// otherwise open loop at rate requests per second.
	verify := func(label, profName string, rate float64) (*rowResult, error) {
		r := &rowResult{Name: label, Sessions: n, Writes: -1}
		var cpu0, children0 time.Duration
		var prof chan error
		defer func() {
			if prof != nil {
				if err := <-prof; err != nil {
					fmt.Fprintf(os.Stderr, "harness: profile of %s: %v\n", label, err)
				}
			}
		}()
		res, err := load.Run(load.Config{
			Addr: p.addr, Concurrency: h.o.concurrency, Rate: rate, Warmup: h.o.warmup, Duration: h.o.dur, Want: "Remote-User",
			Build: load.GetWithCookie(p.addr, srv.path, srv.cookie, tokens, srv.headers...),
			OnWindow: func(open bool) {
				cpu, _ := load.ProcCPU(p.pid())
				children := load.ChildrenCPU(p.pid())
				if open {
					cpu0, children0 = cpu, children
					if pprofAddr != "" {
						prof = make(chan error, 1)
						go func() {
							prof <- h.profile(pprofAddr, "storm "+store+" "+profName+" "+experiment, n, int(h.o.dur.Seconds())-2)
						}()
					}
					return
				}
				r.ServerCPU = (cpu - cpu0).Seconds() / h.o.dur.Seconds()
				r.ChildCPU = (children - children0).Seconds() / h.o.dur.Seconds()
			},
		})
		if err != nil {
			return nil, err
		}
		fill(r, res, h.o.dur)
		return r, nil
	}
	if err := h.firstOK(p, srv, tokens, &rowResult{Name: name}); err != nil {
		return err
	}
	if _, err := load.Run(load.Config{Addr: p.addr, Concurrency: h.o.concurrency, Requests: uint64(len(tokens)),
		Build: load.GetWithCookie(p.addr, srv.path, srv.cookie, tokens, srv.headers...)}); err != nil {
		return err
	}
	closed := fmt.Sprintf("closed loop (%d connections)", h.o.concurrency)
	if sr.Unloaded, err = verify("alone, "+closed, "verify alone", 0); err != nil {
		return err
	}
	// The open loop offers half the unloaded closed loop's throughput, just
	// measured: a load vigil should carry with room to spare, so that its
	// latency is not that of a saturated queue.
	sr.OpenRate = math.Round(sr.Unloaded.RPS / 2)
	if sr.OpenRate < 1 {
		return fmt.Errorf("login storm on %s: verify alone got %.1f req/s, too few for an open loop at half of it (%s)\n%s", store, sr.Unloaded.RPS, sr.Unloaded.ErrorKind, tail(p.logPath))
	}
	open := fmt.Sprintf("open loop at %.0f req/s (50%% of unloaded)", sr.OpenRate)
	if sr.OpenUnloaded, err = verify("alone, "+open, "verify alone open loop", sr.OpenRate); err != nil {
		return err
	}
	// The storm alone first, with no verify load: the logins the hash
	// slots let through when they have the machine to themselves, against
	// what the machine hashes right then with every core at it (its speed
	// drifts by the minute on a shared host).
	sr.HashRate = hashRate(2 * time.Second)
	var children0, vigil0 time.Duration
	if sr.LoginsAlone, err = load.Run(load.Config{
		Addr: p.addr, Concurrency: h.o.logins, Warmup: h.o.warmup, Duration: h.o.dur, ByCompletion: true,
		Build: load.PostJSON(p.addr, "/api/auth/login", perClient),
		OnWindow: func(open bool) {
			children := load.ChildrenCPU(p.pid())
			vigil, _ := load.ProcCPU(p.pid())
			if open {
				children0, vigil0 = children, vigil
				return
			}
			sr.AloneHashCPU = (children - children0).Seconds() / h.o.dur.Seconds()
			sr.AloneVigilCPU = (vigil - vigil0).Seconds() / h.o.dur.Seconds()
		},
	}); err != nil {
		return err
	}
	if m := sr.LoginsAlone.Machine; m.Total > 0 {
		sr.AloneBusy = float64(runtime.NumCPU()) * float64(m.Busy) / float64(m.Total)
	}
	if sr.LoginsAlone.OK == 0 {
		return fmt.Errorf("login storm on %s: no login succeeded with nothing else running (%s)\n%s", store, sr.LoginsAlone.ErrorSummary(), tail(p.logPath))
	}
	fmt.Printf("   logins alone: %.1f/s (p50 %s, p99 %s%s); cores: hash workers %.2f, vigil %.2f, generator %.2f, machine busy %.2f\n", sr.LoginsAlone.RPS(),
		fmtDur(sr.LoginsAlone.Latency.Quantile(0.5)), fmtDur(sr.LoginsAlone.Latency.Quantile(0.99)), errSuffix(sr.LoginsAlone.ErrorSummary()),
		sr.AloneHashCPU, sr.AloneVigilCPU, sr.LoginsAlone.CPU.Seconds()/h.o.dur.Seconds(), sr.AloneBusy)
	// Then the logins run across both verify phases, closed loop then open
	// loop, until both are over.
	stop := make(chan struct{})
	endStorm := sync.OnceFunc(func() { close(stop) })
	defer endStorm()
	logins := make(chan *load.Result, 1)
	lerr := make(chan error, 1)
	go func() {
		res, err := load.Run(load.Config{
			Addr: p.addr, Concurrency: h.o.logins, Warmup: h.o.warmup, Stop: stop, ByCompletion: true,
			Build: load.PostJSON(p.addr, "/api/auth/login", perClient),
		})
		logins <- res
		lerr <- err
	}()
	if sr.Loaded, err = verify("during the storm, "+closed, "verify during the storm", 0); err != nil {
		return err
	}
	if sr.OpenLoaded, err = verify("during the storm, "+open, "verify during the storm open loop", sr.OpenRate); err != nil {
		return err
	}
	endStorm()
	lres := <-logins
	if err := <-lerr; err != nil {
		return err
	}
	sr.Logins, sr.LoginP50, sr.LoginP99, sr.LoginErrors = lres.RPS(), lres.Latency.Quantile(0.5), lres.Latency.Quantile(0.99), lres.ErrorSummary()
	sr.LoginWindow = lres.Window
	sr.MaxRSS, _ = load.MaxRSS(p.pid())
	for _, c := range load.Children(p.pid()) {
		if rss, err := load.MaxRSS(c); err == nil {
			sr.Workers++
			sr.WorkersRSS += rss
		}
	}
	if err := p.stop(); err != nil {
		return err
	}
	h.storms = append(h.storms, sr)
	fmt.Printf("   closed loop: verify alone %.0f req/s p99 %s; during the storm %.0f req/s p99 %s; %.1f logins/s over %v (p99 %s%s); max RSS %s\n",
		sr.Unloaded.RPS, fmtDur(sr.Unloaded.P99), sr.Loaded.RPS, fmtDur(sr.Loaded.P99), sr.Logins, sr.LoginWindow.Round(100*time.Millisecond), fmtDur(sr.LoginP99), errSuffix(sr.LoginErrors), fmtBytes(sr.MaxRSS))
	for _, r := range []*rowResult{sr.OpenUnloaded, sr.OpenLoaded} {
		fmt.Printf("   %s: p50 %s p99 %s p99.9 %s, achieved %.0f req/s%s\n",
			r.Name, fmtDur(r.P50), fmtDur(r.P99), fmtDur(r.P999), r.RPS, errSuffix(r.ErrorKind))
	}
	if lres.OK == 0 || sr.Loaded.RPS == 0 || sr.OpenLoaded.RPS == 0 {
		return fmt.Errorf("login storm on %s: no good answer (logins: %s; verify: %s; open loop: %s)\n%s", store, lres.ErrorSummary(), sr.Loaded.ErrorKind, sr.OpenLoaded.ErrorKind, tail(p.logPath))
	}
	return nil
}
