// Command harness runs vigil's load benchmarks in one go and prints one
// table: the bare limit server, vigil's GET /api/auth/verify on SQLite and
// PostgreSQL, and scs v2 on the same stores, each at the same sessions,
// concurrency and duration, with the same generator; then store writes per
// 1,000 requests of one session and a login storm. Every server is a
// separate process built by the harness, on 127.0.0.1.
//
//	go run ./cmd/harness            # the full run (about 10 minutes)
//	go run ./cmd/harness --smoke    # every row for 2 s with few sessions (CI)
//	go run ./cmd/harness --scale    # 1,000,000 sessions and startup time
//
// Its exit status is 0 unless something crashed (a server died, seeding
// failed, or a row got no good answer at all): numbers never fail it.
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

//go:embed pprof_overlay.go.txt
var pprofOverlay []byte

// options are the harness's settings.
type options struct {
	smoke, scale bool
	sessions     []int
	concurrency  int
	warmup, dur  time.Duration
	rounds       int
	logins       int
	pg           string
	rows         *regexp.Regexp
	profile      string // directory for CPU profiles, "" for none
	keep         bool
	extras       bool
	// stormOneAddress sends every login from 127.0.0.1 (no X-Forwarded-For).
	stormOneAddress bool
	// vigilEnv is extra environment for every vigil server (an
	// experiment such as GOGC=400).
	vigilEnv []string
	// metrics runs vigil with --metrics-addr and reads its cache counters.
	metrics bool
	// rev, when set, is the git revision vigil is built from (exported
	// with git archive) instead of the working tree.
	rev string
	// hashSlots, when set, adds login storms on an experiment build of
	// vigil whose password hasher runs at most this many hashes at once.
	hashSlots     int
	repo, workdir string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintf(os.Stderr, "harness: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	h, err := newHarness(ctx, o)
	if h != nil {
		defer h.cleanup()
	}
	if err != nil {
		return err
	}
	return h.runAll()
}

func parseFlags(args []string) (*options, error) {
	fs := flag.NewFlagSet("harness", flag.ContinueOnError)
	o := &options{}
	sessions := fs.String("sessions", "10000,100000", "live sessions per row, comma-separated")
	fs.BoolVar(&o.smoke, "smoke", false, "every row for 2 s (0.5 s warm-up) with 500 sessions, 8 login clients (CI)")
	fs.BoolVar(&o.scale, "scale", false, "add 1,000,000-session rows and the startup time on a 1M-session SQLite file")
	fs.IntVar(&o.concurrency, "c", 32, "connections of the verify load")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "warm-up before each window (not counted)")
	fs.DurationVar(&o.dur, "d", 10*time.Second, "measured window of each row")
	fs.IntVar(&o.rounds, "rounds", 5, "slices each row's window is cut into, the rows taking turns (1 with --profile)")
	fs.IntVar(&o.logins, "logins", 64, "clients logging in continuously in the login storm")
	fs.StringVar(&o.pg, "pg", defaultPG(), "PostgreSQL URL for the postgres rows (\"off\": skip them)")
	rows := fs.String("rows", "", "run only rows whose name matches this regexp")
	fs.StringVar(&o.profile, "profile", "", "write CPU profiles of each server's window to this directory (vigil built with a pprof listener)")
	fs.BoolVar(&o.keep, "keep", false, "keep the work directory (binaries, databases, server logs)")
	fs.BoolVar(&o.extras, "extras", true, "run the writes-per-1,000 and login-storm measurements")
	fs.StringVar(&o.rev, "rev", "", "build vigil from this git revision (git archive) instead of the working tree")
	vigilEnv := fs.String("vigil-env", "", "experiment: extra environment for vigil's servers, comma-separated (GOGC=400)")
	fs.BoolVar(&o.metrics, "metrics", false, "run vigil with --metrics-addr and report the session cache's hit rate (the instrumentation costs some throughput)")
	fs.IntVar(&o.hashSlots, "hash-slots", 0, "experiment: also run the login storm on a vigil build (go build -overlay, the repository untouched) whose hasher runs at most this many hashes at once, none held back while the server is busy")
	fs.BoolVar(&o.stormOneAddress, "storm-one-address", false, "send every login of the storm from one address (shows the address throttle)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	for _, f := range strings.Split(*sessions, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("--sessions: bad count %q", f)
		}
		o.sessions = append(o.sessions, n)
	}
	if o.smoke {
		o.sessions = []int{500}
		o.warmup, o.dur = 500*time.Millisecond, 1500*time.Millisecond
		o.logins = min(o.logins, 8)
	}
	if o.scale {
		o.sessions = append(o.sessions, 1_000_000)
	}
	if *vigilEnv != "" {
		o.vigilEnv = strings.Split(*vigilEnv, ",")
	}
	var err error
	if o.rows, err = regexp.Compile(*rows); err != nil {
		return nil, fmt.Errorf("--rows: %w", err)
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	// The harness runs from bench/ (go run ./cmd/harness, or run.sh).
	o.repo = filepath.Dir(wd)
	if _, err := os.Stat(filepath.Join(o.repo, "cmd", "vigil")); err != nil {
		return nil, fmt.Errorf("run the harness from the bench directory of the vigil repository (%s has no cmd/vigil)", o.repo)
	}
	return o, nil
}

func defaultPG() string {
	for _, k := range []string{"VIGIL_BENCH_POSTGRES", "VIGIL_TEST_POSTGRES"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// machine describes where the numbers come from.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	return fmt.Sprintf("%d cores (%s), %s %s/%s", runtime.NumCPU(), model, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
