package auth

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
)

// BenchmarkCacheMemory reports the heap one cached session costs (the
// entry, its strings and both index maps, the user not shared), for
// sizing --session-cache: `go test -run xxx -bench CacheMemory ./auth`.
func BenchmarkCacheMemory(b *testing.B) {
	const n = 100_000
	policy := vigil.Policy{Lifetime: 168 * time.Hour, IdleTimeout: 30 * time.Minute}
	now := time.Now()
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		c := newCache(n)
		for i := range n {
			tok := vigil.NewToken()
			u := vigil.User{ID: int64(i), Username: fmt.Sprintf("user%06d", i), Role: vigil.RoleClinician, ClinicianID: fmt.Sprintf("C-%05d", i), CreatedAt: now}
			s := vigil.Session{ID: vigil.NewID(), TokenHash: tok.Hash(), UserID: u.ID, CreatedAt: now, LastActivity: now, ReauthAt: now,
				IP: fmt.Sprintf("10.1.%d.%d", i/250%250, i%250), UserAgent: fmt.Sprintf("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.%d.0 Safari/537.36", i%1000)}
			cur := &Current{Session: s, User: u, Limits: policy.For(u.Role)}
			compact(cur) // as load does
			c.put(0, cur)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/session")
		runtime.KeepAlive(c)
	}
}

// TestCompactKeepsEveryValue: compacting a session for the cache changes
// where its strings live, never what they say, including empty ones.
func TestCompactKeepsEveryValue(t *testing.T) {
	for _, c := range []Current{
		{Session: vigil.Session{ID: "s1", IP: "203.0.113.9", UserAgent: "Mozilla/5.0 (Linux)"}, User: vigil.User{Username: "alice", Role: vigil.Role("clinician"), ClinicianID: "C-17"}},
		{Session: vigil.Session{ID: "s2"}, User: vigil.User{Username: "bob", Role: vigil.Role("patient")}},
		{Session: vigil.Session{}, User: vigil.User{Role: vigil.Role("unknown-role")}},
	} {
		got := c
		compact(&got)
		if got.Session != c.Session || got.User != c.User {
			t.Errorf("compact(%+v) = %+v", c, got)
		}
	}
}
