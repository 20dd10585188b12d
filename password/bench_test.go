package password

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
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

// BenchmarkCheckGuess checks passwords of 15, 64 and 256 characters that
// meet every blocklist rule, so the guess estimate runs on them: an
// ordinary passphrase, the l33t symbols zxcvbn tries every substitution
// table of (its costliest input), a long repeat of an 8-character piece
// (ASCII and Japanese), and digits that read as dates. Only the first
// estimateRunes characters are estimated, so 64 and 256 cost about what
// 32 costs.
func BenchmarkCheckGuess(b *testing.B) {
	p := NewPolicy(15)
	kinds := []struct{ name, unit string }{
		{"passphrase", "violet tuesday umbrella orbit lantern maple "},
		{"leet", "4@8({[<369|1!70$5+2%"},
		{"leet-mix", "+$9!4{(|4|4([{%{+!!88@@915|47[5<"},
		{"repeat", "xq7#Lp2!"},
		{"repeat-ja", "猫は静かに月を見"},
		{"dates", "19871204200112"},
	}
	for _, n := range []int{15, 64, 256} {
		for _, k := range kinds {
			pw := cycle(k.unit, n)
			b.Run(fmt.Sprintf("%s/%d", k.name, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					p.Check(pw, "alice")
				}
			})
		}
	}
}

// BenchmarkEstimateUncapped shows why only the first estimateRunes
// characters are estimated: zxcvbn's time on l33t symbols grows far faster
// than their number.
func BenchmarkEstimateUncapped(b *testing.B) {
	words := newWordLists()
	for _, n := range []int{16, 32, 64, 128} {
		pw := cycle("4@8({[<369|1!70$5+2%", n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				words.estimateFirst(pw, "alice", n)
			}
		})
	}
}

// cycle returns n characters of unit written again and again.
func cycle(unit string, n int) string {
	rs := []rune(strings.Repeat(unit, n/utf8.RuneCountInString(unit)+1))
	return string(rs[:n])
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
