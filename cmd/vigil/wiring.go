package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/config"
	"github.com/vigilauth/vigil/password"
	"github.com/vigilauth/vigil/postgres"
	"github.com/vigilauth/vigil/sqlite"
)

// openStore opens the store named by --db.
func openStore(ctx context.Context, db string, log *slog.Logger) (vigil.Store, error) {
	if err := checkDB(db); err != nil {
		return nil, err
	}
	if config.IsPostgres(db) {
		s, err := postgres.Open(ctx, db, postgres.WithLogger(log))
		if err != nil {
			return nil, fmt.Errorf("open PostgreSQL database: %w", err)
		}
		return s, nil
	}
	s, err := sqlite.Open(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", db, err)
	}
	return s, nil
}

// newEngine wires the password hasher and policy into an engine.
func newEngine(store vigil.Store, policy vigil.Policy, minLength int, opt auth.Options) (*auth.Engine, *password.Hasher) {
	opt.Policy = policy
	opt.Normalize = password.Normalize
	opt.PasswordMinLength = minLength
	hasher := password.NewHasher(password.DefaultParams(), hashSlots()).HoldBack(1, new(serving).Busy).Background(hashNice)
	return auth.New(store, hasher, password.NewPolicy(minLength), opt), hasher
}

// cliFlags is a flag set with --db and its VIGIL_DB twin, parsed with flags
// before or after positional arguments.
type cliFlags struct {
	*flag.FlagSet
	db string
}

func newCLIFlags(name string) *cliFlags {
	f := &cliFlags{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError)}
	f.SetOutput(io.Discard)
	f.StringVar(&f.db, "db", "vigil.db", "the database: a SQLite file path, or a postgres:// URL")
	return f
}

// parse reads args and the environment twins; it returns the positionals.
func (f *cliFlags) parse(e *env, args []string, want int) ([]string, error) {
	pos, err := config.ParseInterspersed(f.FlagSet, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(e.stdout, commandUsage(f.FlagSet))
		return nil, err
	}
	if err != nil {
		return nil, usagef("%s: %v", f.Name(), err)
	}
	if problems := config.Env(f.FlagSet, e.getenv); len(problems) > 0 {
		return nil, usagef("%s: %s", f.Name(), problems[0])
	}
	if want >= 0 && len(pos) != want {
		return nil, usagef("%s: want %d argument(s), got %d", f.Name(), want, len(pos))
	}
	return pos, nil
}

// withEngine opens the store and runs fn with a CLI engine (default policy;
// no cache: each check reads the store).
//
// The policy settings come from the environment twins of serve's flags
// (VIGIL_PASSWORD_MIN_LENGTH, VIGIL_RESET_TOKEN_TTL...), so the command line
// applies the same policy as the server beside it; serve's other settings
// are not its business (config.LoadPolicy).
func withEngine(ctx context.Context, e *env, db string, fn func(*auth.Engine) error) error {
	cfg, err := config.LoadPolicy(e.getenv)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, db, newLogger(e, "text"))
	if err != nil {
		return err
	}
	defer store.Close()
	engine, _ := newEngine(store, cfg.Policy(), cfg.PasswordMinLength, auth.Options{CacheSize: -1, ResetTokenTTL: cfg.ResetTokenTTL})
	return fn(engine)
}

// cliActor is the audit actor of the command line.
var cliActor = auth.Actor{Username: "cli"}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// hashSlots is how many argon2id hashes may run at once: one per core. One
// of them is held back while the server is serving requests (serving), so
// a login storm leaves a core to the people already signed in (on one
// core, the one slot is never held back).
func hashSlots() int { return runtime.GOMAXPROCS(0) }

// hashNice is the Linux nice level of the hash worker processes (which
// also put themselves in SCHED_IDLE; see password.ServeWorker) and of the thread
// computing a hash when it falls back to the server: the kernel gives the
// CPU to request handling first, and hashing takes what is left.
// Measured in BENCHMARKS.md (login storm): 19 kept verify's p99 lowest;
// 10 let hashing take enough to hurt it.
const hashNice = 19

// workerCommand is the hidden command of a hash worker process.
const workerCommand = "hash-worker"

// hashWorkers moves serve's password hashing into worker processes (this
// same executable, run as "vigil hash-worker", one per hash slot, each at
// nice 19 and in SCHED_IDLE on Linux): argon2id's 19 MiB per hash, and the
// garbage collections it would cause, stay out of the server, whose
// collector would otherwise stop the world and wait for the low-priority
// hashing thread. A worker that cannot start or fails is logged and that
// hash runs in the server (at nice 19 still), so logins never fail for it.
func hashWorkers(hasher *password.Hasher, e *env, log *slog.Logger) {
	// On Linux /proc/self/exe is the running image even after a package
	// upgrade replaced the file, so a worker is always this same version.
	exe := "/proc/self/exe"
	if _, err := os.Stat(exe); err != nil {
		if exe, err = os.Executable(); err != nil {
			log.Warn("password hashing stays in the server process", "err", err)
			return
		}
	}
	hasher.External(func() *exec.Cmd {
		cmd := exec.Command(exe, workerCommand)
		cmd.Args[0] = os.Args[0] // ps shows "vigil hash-worker", not /proc/self/exe
		cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
		cmd.Stderr = e.stderr
		return cmd
	}, func(err error) {
		log.Warn("password hash worker failed; hashing in the server process", "err", err)
	})
}
