package webhook_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/pgtest"
	"github.com/vigilauth/vigil/postgres"
	"github.com/vigilauth/vigil/sqlite"
	"github.com/vigilauth/vigil/webhook"
)

// BenchmarkDeliverSQLite and BenchmarkDeliverPostgres: a worker's
// delivery of a backlog to one receiver on loopback answering 204, per
// message: claim (batches of 16), sign, POST, record. The messages are
// written outside the timer (a password change each).
func BenchmarkDeliverSQLite(b *testing.B) {
	s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "vigil.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	benchDeliver(b, s)
}

func BenchmarkDeliverPostgres(b *testing.B) {
	pgtest.BaseURL(b)
	_, url := pgtest.Schema(b)
	s, err := postgres.Open(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	benchDeliver(b, s)
}

func benchDeliver(b *testing.B, s vigil.Store) {
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	secret, err := webhook.ParseSecret(webhook.NewSecret())
	if err != nil {
		b.Fatal(err)
	}
	w, err := webhook.New(s, webhook.Options{Endpoints: []string{srv.URL}, Secrets: []webhook.Secret{secret},
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	u := &vigil.User{Username: "bench", Role: vigil.RolePatient, CreatedAt: time.Now()}
	if err := s.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	const backlog = 100
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for range backlog {
			if err := s.SetPassword(ctx, u.ID, "$argon2id$x", time.Now()); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		for {
			n, err := w.RunOnce(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
	}
	b.StopTimer()
	if got := w.Stats().Delivered; got != uint64(b.N*backlog) {
		b.Fatalf("delivered %d, want %d", got, b.N*backlog)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*backlog), "ns/message")
}
