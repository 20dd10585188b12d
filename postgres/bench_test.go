package postgres

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vigilauth/vigil"
)

// BenchmarkSessionByToken is the cost of a session-cache miss: one indexed
// lookup of a session and its user by token hash, among 10,000 sessions,
// over one round trip to the server.
func BenchmarkSessionByToken(b *testing.B) {
	ctx := context.Background()
	s := openEmpty(b)
	alice := &vigil.User{Username: "alice", Role: vigil.RolePatient, CreatedAt: t0}
	if err := s.CreateUser(ctx, alice); err != nil {
		b.Fatal(err)
	}
	hashes := make([]vigil.TokenHash, 10000)
	rows := make([][]any, len(hashes))
	for i := range hashes {
		hashes[i] = vigil.NewToken().Hash()
		rows[i] = []any{vigil.NewID(), hashes[i][:], alice.ID, t0, t0}
	}
	// Loaded in one COPY: this measures the lookup, not CreateSession.
	_, err := s.pool.CopyFrom(ctx, pgx.Identifier{"sessions"},
		[]string{"id", "token_hash", "user_id", "created_at", "last_activity"}, pgx.CopyFromRows(rows))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `ANALYZE sessions`); err != nil {
		b.Fatal(err)
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
