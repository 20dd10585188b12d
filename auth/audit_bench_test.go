package auth_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/password"
)

// benchPassword is the password of the login benchmarks.
const benchPassword = "quartz-Lantern-97-vellum-drift"

// benchLogins runs whole logins from GOMAXPROCS×4 clients at once, each
// its own user from its own address (one user's concurrent attempts are
// throttled), with the cheapest argon2id: what a login costs besides its
// password hash (the throttle, the session, its audit event, the user's
// last login), on a real store. With the default parameters a hash takes
// about 100 ms of a core, so the login rate is cores ÷ (hash + this); the
// audit append is part of this.
func benchLogins(b *testing.B, store vigil.Store) {
	benchLoginsWith(b, testkit.Engine(store, auth.Options{CacheSize: -1}))
}

// BenchmarkLoginArgon2SQLite and BenchmarkLoginArgon2Postgres are the
// same logins with vigil's default argon2id, one hash per core at once:
// the login rate a server reaches, of which the audit append must not
// take more than 5%.
func BenchmarkLoginArgon2SQLite(b *testing.B) { benchArgon2Logins(b, testkit.SQLite(b)) }

func BenchmarkLoginArgon2Postgres(b *testing.B) { benchArgon2Logins(b, benchPostgres(b)) }

func benchArgon2Logins(b *testing.B, store vigil.Store) {
	h := password.NewHasher(password.DefaultParams(), runtime.GOMAXPROCS(0))
	benchLoginsWith(b, auth.New(store, h, testkit.Policy(), auth.Options{CacheSize: -1}))
}

func benchLoginsWith(b *testing.B, e *auth.Engine) {
	ctx := context.Background()
	const clients = 64
	for i := range clients {
		testkit.CreateUsers(b, e, auth.Actor{}, auth.NewUser{Username: fmt.Sprintf("user%d", i), Role: vigil.RolePatient, Password: benchPassword})
	}
	var next atomic.Int32
	b.ReportAllocs()
	b.SetParallelism(4)
	start, cpu := time.Now(), cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		i := next.Add(1) % clients
		user, from := fmt.Sprintf("user%d", i), auth.Actor{IP: fmt.Sprintf("198.51.100.%d", i), UserAgent: "bench"}
		for pb.Next() {
			if _, err := e.Login(ctx, user, benchPassword, nil, from); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "logins/s")
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-µs/login")
}

// cpuTime is the CPU time the process has used (user and system): on a
// shared machine, steadier than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkLoginSQLite(b *testing.B) { benchLogins(b, testkit.SQLite(b)) }

func BenchmarkLoginPostgres(b *testing.B) { benchLogins(b, benchPostgres(b)) }
