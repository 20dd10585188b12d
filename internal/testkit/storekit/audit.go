package storekit

import (
	"context"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
)

// BenchAppendEvent measures AppendEvent with an event as a login writes
// it, from one goroutine or (parallel) from GOMAXPROCS×32 at once, as a
// busy server's requests append. ns/op is per event; "events/s" is the
// rate over the whole run.
func BenchAppendEvent(b *testing.B, s vigil.AuditLog, parallel bool) {
	ctx := context.Background()
	e := vigil.Event{Time: time.Now(), Username: "alice", Actor: "alice", Category: vigil.CategoryAuthentication,
		Event: vigil.EventLoginSucceeded, IP: "198.51.100.23",
		UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", SessionID: vigil.NewID()}
	appendOne := func() {
		ev := e
		if err := s.AppendEvent(ctx, &ev); err != nil {
			b.Error(err)
		}
	}
	b.ReportAllocs()
	start := time.Now()
	if parallel {
		b.SetParallelism(32)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				appendOne()
			}
		})
	} else {
		for b.Loop() {
			appendOne()
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}
