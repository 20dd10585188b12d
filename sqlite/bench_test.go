package sqlite

import (
	"context"
	"testing"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/testkit/storekit"
)

// BenchmarkSessionByToken is the cost of a session-cache miss: one indexed
// lookup of a session and its user by token hash, among 10,000 sessions.
func BenchmarkSessionByToken(b *testing.B) {
	ctx := context.Background()
	s := open(b, dbPath(b))
	hashes := make([]vigil.TokenHash, 10000)
	for i := range hashes {
		tok := vigil.NewToken()
		storekit.NewSession(b, s, "alice", tok, t0)
		hashes[i] = tok.Hash()
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if _, _, err := s.SessionByToken(ctx, hashes[i%len(hashes)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
