package auth

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
)

// BenchmarkCacheMemory reports the heap one cached session costs (its slot,
// its strings in the arena and both index maps), for sizing
// --session-cache: `go test -run xxx -bench CacheMemory ./auth`.
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
			c.put(0, &Current{Session: s, User: u, Limits: policy.For(u.Role)})
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/session")
		runtime.KeepAlive(c)
	}
}

// TestCacheKeepsEveryValue: a session put in the cache comes back equal,
// whatever its strings and times (zero times included), without its
// password hash or token; an ended session is not cached.
func TestCacheKeepsEveryValue(t *testing.T) {
	at := time.Date(2026, 11, 28, 9, 30, 15, 123456000, time.UTC)
	policy := vigil.Policy{Lifetime: 168 * time.Hour, IdleTimeout: 30 * time.Minute}
	for _, cur := range []Current{
		{Session: vigil.Session{ID: "s1", TokenHash: vigil.NewToken().Hash(), UserID: 7, CreatedAt: at, LastActivity: at.Add(time.Minute), ReauthAt: at,
			IP: "2001:db8::1", UserAgent: "Mozilla/5.0 (Linux) é"}, User: vigil.User{ID: 7, Username: "alice", Role: vigil.RoleClinician, ClinicianID: "C-17", CreatedAt: at.Add(-time.Hour), LastLogin: at, PasswordChangedAt: at.Add(-2 * time.Hour)}},
		{Session: vigil.Session{ID: "s2", TokenHash: vigil.NewToken().Hash(), UserID: 8, CreatedAt: at}, User: vigil.User{ID: 8, Username: "bob", Role: vigil.RolePatient, Disabled: true}},
		{Session: vigil.Session{ID: "", TokenHash: vigil.NewToken().Hash()}, User: vigil.User{Role: vigil.Role("unknown-role")}},
		{Session: vigil.Session{ID: "s3", TokenHash: vigil.NewToken().Hash(), UserID: 9, CreatedAt: at,
			Binding: vigil.Binding{BoundAt: at.Add(time.Second), CookieHash: vigil.NewToken().Hash(), CookieLapse: at.Add(10 * time.Minute)}},
			User: vigil.User{ID: 9, Username: "carol", Role: vigil.RoleAdmin}},
	} {
		cur.Limits = policy.For(cur.User.Role)
		c := newCache(10)
		in := cur
		in.User.PasswordHash, in.Token = "$argon2id$...", vigil.NewToken()
		c.put(0, &in)
		var got Current
		ok := c.get(cur.Session.TokenHash, &got)
		if !ok || got.Session != cur.Session || got.User != cur.User || got.Limits != cur.Limits || got.Token != (vigil.Token{}) {
			t.Errorf("put %+v\n got %+v (%v)", cur, got, ok)
		}
	}
	c := newCache(10)
	ended := Current{Session: vigil.Session{ID: "s3", TokenHash: vigil.NewToken().Hash(), EndedAt: at, EndReason: vigil.ReasonLogout}}
	c.put(0, &ended)
	if c.len() != 0 {
		t.Error("an ended session was cached")
	}
}

// TestCacheArenaCompaction: when most of the string arena belongs to
// entries that are gone it is rebuilt; the entries still cached read the
// same, and strings handed out before stay what they were.
func TestCacheArenaCompaction(t *testing.T) {
	c := newCache(100)
	ua := strings.Repeat("u", 4000)
	var keep []Current
	for i := range 50 {
		cur := Current{Session: vigil.Session{ID: fmt.Sprintf("keep%02d", i), TokenHash: vigil.NewToken().Hash(), UserAgent: ua + fmt.Sprint(i)}, User: vigil.User{ID: int64(i), Username: fmt.Sprintf("user%02d", i)}}
		c.put(0, &cur)
		keep = append(keep, cur)
	}
	var first Current
	c.get(keep[0].Session.TokenHash, &first)
	before := c.arena.Len()
	for i := range 1000 { // each evicts or is dropped: ~4 MB of dead strings
		cur := Current{Session: vigil.Session{ID: fmt.Sprintf("gone%04d", i), TokenHash: vigil.NewToken().Hash(), UserAgent: ua}, User: vigil.User{ID: 1000}}
		c.put(0, &cur)
		c.dropSession(cur.Session.ID)
	}
	if c.arena.Len() >= before+1000*len(ua) {
		t.Errorf("arena not compacted: %d bytes", c.arena.Len())
	}
	for _, want := range keep {
		var got Current
		ok := c.get(want.Session.TokenHash, &got)
		if !ok || got.Session.ID != want.Session.ID || got.Session.UserAgent != want.Session.UserAgent || got.User.Username != want.User.Username {
			t.Fatalf("after compaction %q reads %+v (%v)", want.Session.ID, got.Session, ok)
		}
	}
	if first.Session.UserAgent != ua+"0" || first.User.Username != "user00" {
		t.Error("a string handed out before compaction changed")
	}
	if c.len() != 50 || len(c.byID) != 50 {
		t.Errorf("%d sessions, %d ids cached, want 50", c.len(), len(c.byID))
	}
}

// TestCacheRotatedTokenIsForgotten: caching a session under a new token
// forgets its old token, so a rotated token cannot be answered from the
// cache.
func TestCacheRotatedTokenIsForgotten(t *testing.T) {
	c := newCache(10)
	old := Current{Session: vigil.Session{ID: "s1", TokenHash: vigil.NewToken().Hash()}}
	c.put(0, &old)
	next := old
	next.Session.TokenHash = vigil.NewToken().Hash()
	c.put(0, &next)
	var got Current
	if c.get(old.Session.TokenHash, &got) {
		t.Error("the rotated token is still cached")
	}
	if !c.get(next.Session.TokenHash, &got) {
		t.Error("the new token is not cached")
	}
	c.dropSession("s1")
	if c.len() != 0 {
		t.Errorf("%d sessions left after dropping the only one", c.len())
	}
}
