package auth_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/pgtest"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/postgres"
	"github.com/vigilauth/vigil/sqlite"
)

// BenchmarkRevocationPropagationPostgres measures how long a logout on one
// instance takes to reach another instance's cache through PostgreSQL
// LISTEN/NOTIFY (each op is one propagation; p50/p99 are reported).
func BenchmarkRevocationPropagationPostgres(b *testing.B) {
	_, url := pgtest.Schema(b)
	benchPropagation(b, func() vigil.Store {
		s, err := postgres.Open(context.Background(), url)
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}

// BenchmarkRevocationPropagationSQLite is the same for two instances on one
// SQLite file, which have only the 50 ms poll of the revocation log.
func BenchmarkRevocationPropagationSQLite(b *testing.B) {
	path := filepath.Join(b.TempDir(), "vigil.db")
	benchPropagation(b, func() vigil.Store {
		s, err := sqlite.Open(context.Background(), path)
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}

func benchPropagation(b *testing.B, open func() vigil.Store) {
	ctx := context.Background()
	engines := make([]*auth.Engine, 2)
	for i := range engines {
		store := open()
		b.Cleanup(func() { store.Close() })
		engines[i] = testkit.Engine(store, auth.Options{
			Policy: vigil.Policy{Lifetime: 168 * time.Hour, IdleTimeout: 30 * time.Minute}})
		testkit.Run(b, engines[i]) // stops before its store closes
	}
	a, other := engines[0], engines[1]
	const pw = "a quiet evening by the river"
	if _, err := a.CreateUser(ctx, auth.NewUser{Username: "prop", Role: vigil.RolePatient, Password: pw}, auth.Actor{}); err != nil {
		b.Fatal(err)
	}
	var delays []time.Duration
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		cur, err := a.Login(ctx, "prop", pw, nil, auth.Actor{})
		if err != nil {
			b.Fatal(err)
		}
		warm(b, a, cur.Token)
		b.StartTimer()
		start := time.Now()
		if err := other.Logout(ctx, cur.Token, auth.Actor{}); err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := a.Check(ctx, cur.Token, false); err != nil {
				break
			}
			time.Sleep(50 * time.Microsecond)
		}
		delays = append(delays, time.Since(start))
	}
	slices.Sort(delays)
	b.ReportMetric(ms(delays[len(delays)/2]), "p50-ms")
	b.ReportMetric(ms(delays[len(delays)*99/100]), "p99-ms")
}

// warm waits until the session is answered from a's cache.
func warm(b *testing.B, a *auth.Engine, tok vigil.Token) {
	before := a.CacheLen()
	for range 1000 {
		if _, err := a.Check(context.Background(), tok, false); err != nil {
			b.Fatal(err)
		}
		if a.CacheLen() > before {
			return
		}
		time.Sleep(time.Millisecond)
	}
	b.Fatal("session never cached")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
