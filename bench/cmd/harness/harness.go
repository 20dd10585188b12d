package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/vigilauth/vigil/bench/load"
	"github.com/vigilauth/vigil/bench/seed"
)

// harness holds one run's state.
type harness struct {
	ctx     context.Context
	o       *options
	dir     string
	limit   string // binaries
	scs     string
	vigil   string
	exp     string // the --hash-slots experiment build, if any
	rows    []*rowResult
	writes  []*writesResult
	storms  []*stormResult
	drops   []func() error
	started time.Time
	// cacheDefault is vigil serve's default --session-cache (entries), 0
	// when the build has no such flag (an older --rev).
	cacheDefault int
}

// rowResult is one line of the table.
type rowResult struct {
	Name      string
	Sessions  int
	RPS       float64
	P50, P99  time.Duration
	P999, Max time.Duration
	Errors    uint64
	ErrorKind string
	GenCPU    float64 // cores
	ServerCPU float64 // cores
	ChildCPU  float64 // cores used by the server's child processes (vigil's hash workers)
	Busy      float64 // cores busy on the whole machine
	Postgres  float64 // cores used by PostgreSQL's processes
	Writes    int64   // store row writes in the window; -1: not counted
	MaxRSS    int64   // the server's VmHWM, bytes
	Prime     time.Duration
	Ready     time.Duration // exec to listening
	FirstOK   time.Duration // exec to the first good answer
	// HitRate is the share of session checks the cache answered in the
	// window (--metrics), -1 when not measured; Cached the cache's size.
	HitRate float64
	Cached  int64
	// Cache is the session cache vigil ran with ("" for other servers).
	Cache string
}

func newHarness(ctx context.Context, o *options) (*harness, error) {
	dir, err := os.MkdirTemp("", "vigil-bench-")
	if err != nil {
		return nil, err
	}
	h := &harness{ctx: ctx, o: o, dir: dir, started: time.Now()}
	fmt.Printf("vigil load harness: %s\nwork directory %s\n", machine(), dir)
	h.limit, h.scs, h.vigil = filepath.Join(dir, "limit"), filepath.Join(dir, "scsserver"), filepath.Join(dir, "vigil")
	bench := filepath.Join(o.repo, "bench")
	if err := goBuild(bench, h.limit, "./cmd/limit"); err != nil {
		return h, err
	}
	if err := goBuild(bench, h.scs, "./cmd/scsserver"); err != nil {
		return h, err
	}
	src, err := h.vigilSource()
	if err != nil {
		return h, err
	}
	replace := map[string]string{}
	if o.profile != "" {
		if err := h.addPprof(src, replace); err != nil {
			return h, err
		}
		if err := os.MkdirAll(o.profile, 0o755); err != nil {
			return h, err
		}
	}
	if err := h.buildVigil(src, h.vigil, replace); err != nil {
		return h, err
	}
	if o.hashSlots > 0 {
		h.exp = filepath.Join(dir, "vigil-hash-slots")
		if err := h.addHashSlots(src, replace); err != nil {
			return h, err
		}
		if err := h.buildVigil(src, h.exp, replace); err != nil {
			return h, err
		}
	}
	h.cacheDefault = sessionCacheDefault(h.vigil)
	fmt.Printf("built limit, scsserver and vigil (%s) in %v\n", h.revision(), time.Since(h.started).Round(100*time.Millisecond))
	if len(o.vigilEnv) > 0 {
		fmt.Printf("experiment: vigil runs with %s\n", strings.Join(o.vigilEnv, " "))
	}
	fmt.Println()
	return h, nil
}

// vigilSource returns the directory vigil is built from: the working
// tree, or --rev exported into the work directory.
func (h *harness) vigilSource() (string, error) {
	if h.o.rev == "" {
		return h.o.repo, nil
	}
	dir := filepath.Join(h.dir, "src")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	cmd := exec.Command("sh", "-c", `git -C "$1" archive --format=tar "$2" | tar -x -C "$3"`, "sh", h.o.repo, h.o.rev, dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("exporting %s: %w\n%s", h.o.rev, err, out)
	}
	return dir, nil
}

// revision names what vigil was built from.
func (h *harness) revision() string {
	if h.o.rev != "" {
		out, err := exec.Command("git", "-C", h.o.repo, "rev-parse", "--short", h.o.rev).Output()
		if err != nil {
			return h.o.rev
		}
		return strings.TrimSpace(string(out))
	}
	out, err := exec.Command("git", "-C", h.o.repo, "describe", "--always", "--dirty").Output()
	if err != nil {
		return "working tree"
	}
	return strings.TrimSpace(string(out)) + " working tree"
}

// addPprof adds a pprof listener to cmd/vigil (go build -overlay: the
// repository is not touched).
func (h *harness) addPprof(src string, replace map[string]string) error {
	file := filepath.Join(h.dir, "zz_bench_pprof.go")
	if err := os.WriteFile(file, pprofOverlay, 0o644); err != nil {
		return err
	}
	replace[filepath.Join(src, "cmd", "vigil", "zz_bench_pprof.go")] = file
	return nil
}

// addHashSlots makes the experiment build's hasher run at most
// --hash-slots hashes at once, none held back while the server is busy,
// instead of hashSlots() with one held back: cmd/vigil's wiring with that
// call changed, as an overlay.
func (h *harness) addHashSlots(src string, replace map[string]string) error {
	wiring := filepath.Join(src, "cmd", "vigil", "wiring.go")
	b, err := os.ReadFile(wiring)
	if err != nil {
		return err
	}
	const call = "password.NewHasher(password.DefaultParams(), hashSlots()).HoldBack(1, new(serving).Busy)"
	if !strings.Contains(string(b), call) {
		return fmt.Errorf("--hash-slots: %s no longer calls %s; update the experiment", wiring, call)
	}
	patched := strings.Replace(string(b), call, fmt.Sprintf("password.NewHasher(password.DefaultParams(), %d)", h.o.hashSlots), 1)
	file := filepath.Join(h.dir, "wiring_hash_slots.go")
	if err := os.WriteFile(file, []byte(patched), 0o644); err != nil {
		return err
	}
	replace[wiring] = file
	return nil
}

// buildVigil builds cmd/vigil from src with the overlay's replacements.
func (h *harness) buildVigil(src, out string, replace map[string]string) error {
	var extra []string
	if len(replace) > 0 {
		b, err := json.Marshal(map[string]any{"Replace": replace})
		if err != nil {
			return err
		}
		overlay := filepath.Join(h.dir, filepath.Base(out)+"-overlay.json")
		if err := os.WriteFile(overlay, b, 0o644); err != nil {
			return err
		}
		extra = []string{"-overlay", overlay}
	}
	return goBuild(src, out, "./cmd/vigil", extra...)
}

func (h *harness) cleanup() {
	for _, drop := range h.drops {
		if err := drop(); err != nil {
			fmt.Fprintf(os.Stderr, "harness: dropping a schema: %v\n", err)
		}
	}
	if h.o.keep {
		fmt.Printf("kept %s\n", h.dir)
		return
	}
	os.RemoveAll(h.dir)
}

// runAll runs every row, then the extra measurements, then prints.
func (h *harness) runAll() error {
	for _, n := range h.o.sessions {
		if err := h.sessionRows(n); err != nil {
			return err
		}
	}
	if h.o.extras {
		if err := h.writesRows(); err != nil {
			return err
		}
		if err := h.stormRows(); err != nil {
			return err
		}
	}
	h.report(os.Stdout)
	return nil
}

func (h *harness) want(names ...string) bool {
	for _, n := range names {
		if h.o.rows.MatchString(n) {
			return true
		}
	}
	return false
}

func (h *harness) pgOn() bool { return h.o.pg != "off" && h.o.pg != "" }

// schema makes a fresh PostgreSQL schema, dropped when the harness ends.
func (h *harness) schema(prefix string) (string, error) {
	url, drop, err := seed.Schema(h.ctx, h.o.pg, prefix)
	if err != nil {
		return "", fmt.Errorf("postgres at %s: %w", h.o.pg, err)
	}
	h.drops = append(h.drops, drop)
	return url, nil
}

// server is how to start one server and drive it.
type server struct {
	bin     string
	args    []string
	env     []string
	how     readiness
	path    string
	cookie  string
	headers []string // on every measured request
	prime   bool     // first send every cookie once (fills vigil's cache)
	// noWarmup starts the window at once (after priming, if any).
	noWarmup bool
	// metrics is vigil's --metrics-addr, "" for none.
	metrics string
	counter func() (seed.Counter, error)
	// cache is vigil's session cache, as the report words it.
	cache string
}

func (h *harness) limitServer() server {
	return server{bin: h.limit, how: stdoutListening, path: "/verify", cookie: seed.VigilCookie}
}

// vigilServer is vigil serve on db holding n sessions. With more sessions
// than its default session cache holds, vigil gets --session-cache n, so
// that every session fits (the rows measure warm sessions).
func (h *harness) vigilServer(db string, n int, counter func() (seed.Counter, error), headers ...string) server {
	var metrics string
	if h.o.metrics {
		metrics = freeAddr()
	}
	args := []string{"serve", "--dev", "--addr", "127.0.0.1:0", "--db", db, "--log-format", "json"}
	var cache string
	switch {
	case h.cacheDefault <= 0:
		cache = "vigil's own (this build has no --session-cache)"
	case n > h.cacheDefault:
		args = append(args, "--session-cache", strconv.Itoa(n))
		cache = fmtCount(n) + " (--session-cache)"
	default:
		cache = fmtCount(h.cacheDefault) + " (default)"
	}
	return server{
		env:     h.o.vigilEnv,
		metrics: metrics,
		bin:     h.vigil,
		args:    args,
		how:     vigilJSONLog, path: "/api/auth/verify", cookie: seed.VigilCookie,
		headers: headers, prime: true, counter: counter, cache: cache,
	}
}

// sessionCacheDefault reads vigil serve --help for --session-cache's
// default (entries): 0 if the build has no such flag.
func sessionCacheDefault(bin string) int {
	out, _ := exec.Command(bin, "serve", "--help").CombinedOutput()
	for line := range strings.SplitSeq(string(out), "\n") {
		if !strings.Contains(line, "--session-cache") {
			continue
		}
		if m := defaultRE.FindStringSubmatch(line); m != nil {
			if n, err := strconv.Atoi(m[1]); err == nil {
				return n
			}
		}
		return 100_000 // the flag without a stated default: vigil's since it has one
	}
	return 0
}

var defaultRE = regexp.MustCompile(`\(default (\d+)\)`)

// launch starts s (with a pprof listener when profiling) and returns the
// process and the pprof address.
func (h *harness) launch(name string, s server) (*proc, string, error) {
	args, env := s.args, serverEnv(s.env...)
	if s.metrics != "" {
		args = append(append([]string(nil), args...), "--metrics-addr", s.metrics)
	}
	var pprofAddr string
	if h.o.profile != "" {
		pprofAddr = freeAddr()
		if s.how == vigilJSONLog { // a vigil build: the overlay reads the environment
			env = append(env, "VIGIL_BENCH_PPROF="+pprofAddr)
		} else {
			args = append(append([]string(nil), args...), "-pprof", pprofAddr)
		}
	}
	p, err := start(h.dir, name, s.bin, args, env, s.how)
	return p, pprofAddr, err
}

// firstOK sends one request until it is answered well: the time from exec
// to then is the server's startup as a client sees it.
func (h *harness) firstOK(p *proc, s server, tokens []string, r *rowResult) error {
	deadline := time.Now().Add(time.Minute)
	for {
		res, err := load.Run(load.Config{
			Addr: p.addr, Concurrency: 1, Requests: 1, Want: "Remote-User",
			Build: load.GetWithCookie(p.addr, s.path, s.cookie, tokens[:1], "Vigil-Activity: background"),
		})
		if err == nil && res.OK == 1 {
			r.FirstOK = time.Since(p.started)
			return nil
		}
		if err := p.alive(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: no good answer within a minute (%v %s)\n%s", r.Name, err, res.ErrorSummary(), tail(p.logPath))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Others returns the cores busy with anything but the generator, the
// server and PostgreSQL: the kernel's own work and other processes (on a
// shared machine, other workloads).
func (r *rowResult) Others() float64 { return max(0, r.Busy-r.GenCPU-r.ServerCPU-r.Postgres) }

// CostPerRequest returns the CPU time, in µs, the generator, the server and
// PostgreSQL spent per good answer.
func (r *rowResult) CostPerRequest() float64 {
	if r.RPS <= 0 {
		return 0
	}
	return (r.GenCPU + r.ServerCPU + r.Postgres) / r.RPS * 1e6
}

func fill(r *rowResult, res *load.Result, window time.Duration) {
	r.RPS = res.RPS()
	r.P50, r.P99, r.P999, r.Max = res.Latency.Quantile(0.5), res.Latency.Quantile(0.99), res.Latency.Quantile(0.999), res.Latency.Max()
	r.Errors, r.ErrorKind = res.ErrorCount(), res.ErrorSummary()
	r.GenCPU = res.CPU.Seconds() / window.Seconds()
	if res.Machine.Total > 0 {
		r.Busy = float64(runtime.NumCPU()) * float64(res.Machine.Busy) / float64(res.Machine.Total)
	}
}

// profile saves a CPU profile of secs seconds, then an execution trace of
// one second (go tool trace -pprof=sched shows scheduling latency).
func (h *harness) profile(addr, name string, n, secs int) error {
	secs = max(1, secs)
	slug := strings.NewReplacer(" ", "-", ",", "", ":", "", "(", "", ")", "").Replace(name)
	base := filepath.Join(h.o.profile, fmt.Sprintf("%s-%d", slug, n))
	if err := fetch(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, secs), base+".pprof"); err != nil {
		return err
	}
	return fetch(fmt.Sprintf("http://%s/debug/pprof/trace?seconds=1", addr), base+".trace")
}

// cacheStats are vigil's session-cache counters from its metrics.
type cacheStats struct{ checks, hits, cached float64 }

// readCacheStats scrapes vigil's /metrics; zero values when it cannot.
func readCacheStats(addr string) cacheStats {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return cacheStats{}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var c cacheStats
	for line := range strings.SplitSeq(string(b), "\n") {
		name, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			continue
		}
		switch name {
		case "vigil_session_checks_total":
			c.checks = v
		case "vigil_session_cache_hits_total":
			c.hits = v
		case "vigil_session_cache_sessions":
			c.cached = v
		}
	}
	return c
}

func fetch(url, path string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}

// randomTokens makes n cookie values shaped like vigil's (the limit server
// does not look them up).
func randomTokens(n int) []string {
	t := make([]string, n)
	b := make([]byte, 32)
	for i := range t {
		rand.Read(b)
		t[i] = base64.RawURLEncoding.EncodeToString(b)
	}
	return t
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "127.0.0.1:0"
	}
	defer ln.Close()
	return ln.Addr().String()
}

func removeSQLite(path string) {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
}
