package password

import (
	"context"
	"strings"
	"testing"
)

// BenchmarkHashDefault measures one hash with DefaultParams: the CPU cost
// of a login on this machine.
func BenchmarkHashDefault(b *testing.B) {
	h := NewHasher(DefaultParams(), 0)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash(context.Background(), "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyDummyDefault measures the cost of a login for an unknown
// user; it should match BenchmarkHashDefault.
func BenchmarkVerifyDummyDefault(b *testing.B) {
	h := NewHasher(DefaultParams(), 0)
	for b.Loop() {
		h.VerifyDummy(context.Background(), "correct horse battery staple")
	}
}

func BenchmarkCheck(b *testing.B) {
	p := NewPolicy(15)
	b.ReportAllocs()
	for b.Loop() {
		p.Check("correct horse battery staple", "alice")
	}
}

// BenchmarkCheck5000 checks a 5,000-character password: linear time.
func BenchmarkCheck5000(b *testing.B) {
	p := NewPolicy(15)
	long := strings.Repeat("a", 4999) + "b"
	b.ReportAllocs()
	for b.Loop() {
		p.Check(long, "alice")
	}
}

func BenchmarkNewPolicy(b *testing.B) {
	for b.Loop() {
		NewPolicy(15)
	}
}

// BenchmarkHashDefaultParallel runs a hash on every core at once (as many
// goroutines as GOMAXPROCS): its ns/op against BenchmarkHashDefault's says
// what the machine's hash throughput is with every core hashing, the
// ceiling of logins per second (two hashes side by side share the
// memory bus and the caches, so n cores rarely give n times one).
func BenchmarkHashDefaultParallel(b *testing.B) {
	h := NewHasher(DefaultParams(), 0)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := h.Hash(context.Background(), "correct horse battery staple"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
