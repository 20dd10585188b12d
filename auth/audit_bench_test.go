package auth_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/testkit"
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
	ctx := context.Background()
	e := testkit.Engine(store, auth.Options{CacheSize: -1})
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
