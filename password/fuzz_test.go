package password

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func FuzzVerify(f *testing.F) {
	h := NewHasher(cheap, 0)
	good, _ := h.Hash(context.Background(), "correct horse battery staple")
	for _, s := range append([]string{good, "", "$", "$argon2id$v=19$m=,t=,p=$$",
		"$argon2id$v=19$m=4294967295,t=4294967295,p=255$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA"},
		referenceVectors...) {
		f.Add(s, "password")
	}
	f.Fuzz(func(t *testing.T, phc, password string) {
		p, salt, key, err := decodePHC(phc)
		if err != nil {
			ok, rehash, verr := h.Verify(context.Background(), password, phc)
			if ok || rehash || !(errors.Is(verr, ErrMalformedHash) || errors.Is(verr, ErrUnsupportedHash)) {
				t.Fatalf("Verify(%q) = %v, %v, %v after a parse error", phc, ok, rehash, verr)
			}
			return
		}
		if again := encodePHC(p, salt, key); again != phc {
			t.Fatalf("accepted %q, which is not canonical (%q)", phc, again)
		}
		if p.Memory > 1024 || p.Time > 4 {
			return // valid but too costly for a fuzz iteration
		}
		if _, _, err := h.Verify(context.Background(), password, phc); err != nil {
			t.Fatalf("Verify(%q) = %v after a clean parse", phc, err)
		}
	})
}

func FuzzCheck(f *testing.F) {
	p := NewPolicy(15)
	for _, s := range []string{"", "correct horse battery staple", "password123!!!", "aaaaaaaaaaaaaaaa",
		"abcdefghijklmnop", "\xff\t11111111", "ＰＡＳＳＷＯＲＤ", "\ufdfa",
		"purple walrus juggles lanterns", "qwertyuiopasdfghjkl", "パスワードパスワードパスワードパス",
		"4@8({[<369|1!70$5+2%4@8({[<369|1", "мой пароль очень длинный", "12/04/1987 and 01-01-2000",
		"4l1c3 l0ves gr33n tea", "vigil is my password"} {
		f.Add(s, "alice")
	}
	known := []string{msgShort15, msgTooLong, msgBadUTF8, msgControl, msgCommon, msgService, msgUsername, msgPattern}
	for w := range numWeaknesses {
		known = append(known, w.message())
	}
	f.Fuzz(func(t *testing.T, password, username string) {
		problems := p.Check(password, username)
		n := utf8.RuneCountInString(Normalize(password))
		short := slices.Contains(problems, "must be at least 15 characters")
		long := slices.Contains(problems, msgTooLong)
		if short != (n < 15) || long != (n > 256) {
			t.Fatalf("%d characters: problems %q", n, problems)
		}
		if len(slices.Compact(slices.Clone(problems))) != len(problems) {
			t.Fatalf("a problem listed twice: %q", problems)
		}
		for _, pr := range problems {
			// A fixed sentence: never the password or a part of it.
			if !slices.Contains(known, pr) {
				t.Fatalf("problem %q is not one of the policy's sentences", pr)
			}
		}
	})
}

// FuzzEstimate runs the guess estimate on any text Check would give it
// (valid UTF-8 without control characters), of any length and script: it
// must not panic, and its answer must lie between 1 guess and what brute
// force on the estimated characters takes (zxcvbn gives 10 guesses a
// character, at least 11, and adds 1 for a reading of one piece).
func FuzzEstimate(f *testing.F) {
	words := newWordLists()
	for _, s := range []string{"purple walrus juggles lanterns", "パスワードパスワードパスワードパス",
		"мой пароль очень длинный", "4@8({[<369|1!70$5+2%", "x", "ab", "ιωάννης ιωάννης", "🐢 slow 🏁",
		"2024-01-01 1qaz2wsx", "c0rrect h0rse", "ａｌｉｃｅ vigil"} {
		f.Add(s, "alice")
	}
	f.Fuzz(func(t *testing.T, password, username string) {
		n := Normalize(password)
		if !utf8.ValidString(n) || strings.IndexFunc(n, unicode.IsControl) >= 0 {
			return
		}
		log10, reasons := words.estimate(n, username)
		runes := utf8.RuneCountInString(firstRunes(joinWords(n), estimateRunes))
		bound := math.Log10(max(math.Pow(10, float64(runes)), 11) + 1) // plus 1: zxcvbn's 10,000^0
		if math.IsNaN(log10) || log10 < 0 || log10 > bound+1e-9 {
			t.Fatalf("estimate(%q) = 10^%v guesses for %d characters", n, log10, runes)
		}
		for _, w := range reasons {
			if w < 0 || w >= numWeaknesses {
				t.Fatalf("estimate(%q): weakness %d", n, w)
			}
		}
	})
}
