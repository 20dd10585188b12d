package auth_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/pgtest"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/postgres"
)

// benchEngine returns an engine over a fresh SQLite store with one signed-in
// session, and that session's token. cacheSize < 0 disables the cache.
func benchEngine(b *testing.B, cacheSize int) (*auth.Engine, vigil.Token, *benchStore) {
	b.Helper()
	return benchEngineOn(b, testkit.SQLite(b), cacheSize)
}

// benchPostgres opens a store on a fresh schema of VIGIL_TEST_POSTGRES.
func benchPostgres(b *testing.B) vigil.Store {
	_, url := pgtest.Schema(b)
	store, err := postgres.Open(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	return store
}

// benchEngineOn is benchEngine over store.
func benchEngineOn(b *testing.B, store vigil.Store, cacheSize int) (*auth.Engine, vigil.Token, *benchStore) {
	b.Helper()
	counted := &benchStore{Store: store}
	e := testkit.Engine(counted, auth.Options{
		Policy:    vigil.Policy{Lifetime: 168 * time.Hour, IdleTimeout: 30 * time.Minute},
		CacheSize: cacheSize, PollInterval: 50 * time.Millisecond,
	})
	testkit.Run(b, e) // stops before the store closes
	cur := testkit.SignIn(b, e, auth.NewUser{Username: "bench", Role: vigil.RolePatient, Password: "a quiet evening by the river"},
		auth.Actor{IP: "127.0.0.1"})
	// Wait until the revocation follower has run once, so the cache is on.
	ctx := context.Background()
	for range 200 {
		if _, err := e.Check(ctx, cur.Token, true); err != nil {
			b.Fatal(err)
		}
		if e.CacheLen() > 0 || cacheSize < 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	counted.touches.Store(0)
	return e, cur.Token, counted
}

// benchStore counts the activity writes the engine makes.
type benchStore struct {
	vigil.Store
	touches atomic.Int64
}

func (s *benchStore) TouchSessions(ctx context.Context, touches []vigil.Touch) error {
	s.touches.Add(int64(len(touches)))
	return s.Store.TouchSessions(ctx, touches)
}

// reportWrites reports store writes per 1,000 checks.
func reportWrites(b *testing.B, s *benchStore) {
	b.ReportMetric(float64(s.touches.Load())*1000/float64(b.N), "writes/1000req")
}

// BenchmarkCheckCacheHit is the hot path: a warm session checked with
// activity (written at most once per 18 s of a 30-minute idle timeout).
func BenchmarkCheckCacheHit(b *testing.B) {
	e, tok, st := benchEngine(b, 0)
	benchChecks(b, e, tok, st)
}

// BenchmarkCheckCacheHitParallel is the hot path from every core at once.
func BenchmarkCheckCacheHitParallel(b *testing.B) {
	e, tok, st := benchEngine(b, 0)
	benchParallel(b, e.Check, tok, st)
}

// BenchmarkVerifyCacheHit is the forward-auth hot path: the cached value
// itself, shared, without the token (see Engine.Verify).
func BenchmarkVerifyCacheHit(b *testing.B) {
	e, tok, st := benchEngine(b, 0)
	benchWith(b, verifyFunc(e), tok, st)
}

// BenchmarkVerifyCacheHitParallel is Verify from every core at once.
func BenchmarkVerifyCacheHitParallel(b *testing.B) {
	e, tok, st := benchEngine(b, 0)
	benchParallel(b, verifyFunc(e), tok, st)
}

// checkFunc is Engine.Check, or Engine.Verify through verifyFunc.
type checkFunc func(ctx context.Context, tok vigil.Token, activity bool) (*auth.Current, error)

// verifyFunc is e.Verify as a checkFunc (the result is discarded by the
// benchmarks, so it costs no allocation).
func verifyFunc(e *auth.Engine) checkFunc {
	return func(ctx context.Context, tok vigil.Token, activity bool) (*auth.Current, error) {
		_, err := e.Verify(ctx, tok, activity)
		return nil, err
	}
}

// benchParallel runs check on tok, with activity, from every core.
func benchParallel(b *testing.B, check checkFunc, tok vigil.Token, st *benchStore) {
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := check(ctx, tok, true); err != nil {
				b.Fatal(err)
			}
		}
	})
	reportWrites(b, st)
}

// BenchmarkCheckCacheMiss reads the session from SQLite on every check.
func BenchmarkCheckCacheMiss(b *testing.B) {
	e, tok, st := benchEngine(b, -1)
	benchChecks(b, e, tok, st)
}

// BenchmarkTokenHash is the SHA-256 of a token, part of every check.
func BenchmarkTokenHash(b *testing.B) {
	tok := vigil.NewToken()
	b.ReportAllocs()
	for b.Loop() {
		_ = tok.Hash()
	}
}

// BenchmarkCheckCacheHitPostgres is the hot path with PostgreSQL behind it:
// the same as on SQLite, since a warm session touches no store.
func BenchmarkCheckCacheHitPostgres(b *testing.B) {
	e, tok, st := benchEngineOn(b, benchPostgres(b), 0)
	benchChecks(b, e, tok, st)
}

// BenchmarkCheckCacheMissPostgres reads the session from PostgreSQL (one
// round trip on loopback) on every check.
func BenchmarkCheckCacheMissPostgres(b *testing.B) {
	e, tok, st := benchEngineOn(b, benchPostgres(b), -1)
	benchChecks(b, e, tok, st)
}

// benchChecks checks tok on e, with activity, b.N times.
func benchChecks(b *testing.B, e *auth.Engine, tok vigil.Token, st *benchStore) {
	benchWith(b, e.Check, tok, st)
}

// benchWith runs check on tok, with activity, b.N times.
func benchWith(b *testing.B, check checkFunc, tok vigil.Token, st *benchStore) {
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := check(ctx, tok, true); err != nil {
			b.Fatal(err)
		}
	}
	reportWrites(b, st)
}
