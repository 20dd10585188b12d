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

// BenchmarkVerifyLegacy verifies the right password against a hash of
// each format at the parameters its library writes by default (or a
// common choice), in this process: the cost of a brought-over user's
// sign-ins until the first one rehashes it. A wrong password costs the
// same. argon2id at DefaultParams is there to compare.
func BenchmarkVerifyLegacy(b *testing.B) {
	const pw = "correct horse battery staple"
	salt := "sixteen-chars-sl"
	withoutCount := strings.Replace(werkzeugPBKDF2(pw, salt, "pbkdf2:sha256:1", 260_000), "pbkdf2:sha256:1$", "pbkdf2:sha256$", 1)
	for _, c := range []struct{ name, hash string }{
		{"argon2id-m19456-t2-p1", mustHash(b, pw)},
		{"argon2i-m65536-t3-p4", argon2iOf(pw, Params{Memory: 65536, Time: 3, Threads: 4, KeyLen: 32})},
		{"bcrypt-10", bcryptHashOf(pw, 10)},
		{"bcrypt-12", bcryptHashOf(pw, 12)},
		{"werkzeug-pbkdf2-sha256-600000", werkzeugPBKDF2(pw, salt, "pbkdf2:sha256:600000", 600_000)},
		{"werkzeug-pbkdf2-sha256-1000000", werkzeugPBKDF2(pw, salt, "pbkdf2:sha256:1000000", 1_000_000)},
		{"werkzeug-pbkdf2-sha256-no-count", withoutCount},
		{"werkzeug-pbkdf2-sha512-600000", werkzeugPBKDF2(pw, salt, "pbkdf2:sha512:600000", 600_000)},
		{"werkzeug-scrypt-32768-8-1", werkzeugScrypt(pw, salt, 32768, 8, 1)},
		{"django-pbkdf2-sha256-1000000", djangoPBKDF2(pw, salt, 1_000_000)},
		{"passlib-pbkdf2-sha256-29000", passlibPBKDF2(pw, []byte(salt), 29_000)},
		{"salted-sha256", saltedSHA256Of(pw, []byte(salt))},
	} {
		h := NewHasher(DefaultParams(), 1)
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if ok, _, err := h.Verify(context.Background(), pw, c.hash); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
		})
	}
}

func mustHash(b *testing.B, pw string) string {
	phc, err := NewHasher(DefaultParams(), 1).Hash(context.Background(), pw)
	if err != nil {
		b.Fatal(err)
	}
	return phc
}
