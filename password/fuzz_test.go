package password

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// FuzzVerify: any stored string gets an answer from Verify, never a
// panic: ErrMalformedHash or ErrUnsupportedHash when Identify refuses it,
// else a verification (computed when cheap enough for a fuzz iteration);
// a match is reported for a rehash unless the hash is argon2id. An
// argon2id string it accepts is in the one spelling encodePHC writes.
func FuzzVerify(f *testing.F) {
	h := NewHasher(cheap, 0)
	good, _ := h.Hash(context.Background(), "correct horse battery staple")
	for _, s := range append([]string{good, "", "$", "$argon2id$v=19$m=,t=,p=$$",
		"$argon2id$v=19$m=4294967295,t=4294967295,p=255$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA"},
		referenceVectors...) {
		f.Add(s, "password")
	}
	for _, v := range committedVectors(f) {
		f.Add(v.Hash, v.Password)
	}
	f.Fuzz(func(t *testing.T, stored, password string) {
		sh, err := parseStored(stored)
		format, ierr := Identify(stored)
		if (err == nil) != (ierr == nil) {
			t.Fatalf("parseStored(%q) = %v, Identify = %v", stored, err, ierr)
		}
		if err != nil {
			ok, rehash, verr := h.Verify(context.Background(), password, stored)
			if ok || rehash || !(errors.Is(verr, ErrMalformedHash) || errors.Is(verr, ErrUnsupportedHash)) {
				t.Fatalf("Verify(%q) = %v, %v, %v after a parse error", stored, ok, rehash, verr)
			}
			return
		}
		if a, ok := sh.(*argon2Hash); ok && a.id {
			if again := encodePHC(a.p, a.salt, a.key); again != stored {
				t.Fatalf("accepted %q, which is not canonical (%q)", stored, again)
			}
		}
		if sh.work() > 50*time.Millisecond {
			return // valid but too costly for a fuzz iteration
		}
		ok, rehash, err := h.Verify(context.Background(), password, stored)
		if err != nil {
			t.Fatalf("Verify(%q) = %v after a clean parse", stored, err)
		}
		if ok && !rehash && format != "argon2id" {
			t.Fatalf("Verify(%q) matched a %s hash without a rehash", stored, format)
		}
	})
}

// FuzzIdentify parses stored hashes only (no hash is computed), so it
// explores the parsers faster than FuzzVerify: never a panic, an error
// wrapping one of the two sentinels, or a known format whose prefix
// matches the string.
func FuzzIdentify(f *testing.F) {
	for _, v := range committedVectors(f) {
		f.Add(v.Hash)
	}
	for _, s := range []string{"", "$2b$", "pbkdf2:", "scrypt$", "pbkdf2_sha1$", "$pbkdf2$", "salted-sha256$$",
		"scrypt:4294967296:4294967296:4294967296$$", "pbkdf2:sha256:18446744073709551616$$"} {
		f.Add(s)
	}
	prefixes := map[string][]string{
		"argon2id": {"$argon2id$"}, "argon2i": {"$argon2i$"}, "bcrypt": {"$2a$", "$2b$", "$2y$"},
		"werkzeug-pbkdf2-sha1": {"pbkdf2:sha1"}, "werkzeug-pbkdf2-sha256": {"pbkdf2:sha256", "pbkdf2$"},
		"werkzeug-pbkdf2-sha512": {"pbkdf2:sha512"}, "werkzeug-scrypt": {"scrypt:", "scrypt$"},
		"django-pbkdf2-sha256": {"pbkdf2_sha256$"}, "django-pbkdf2-sha1": {"pbkdf2_sha1$"},
		"passlib-pbkdf2-sha256": {"$pbkdf2-sha256$"}, "passlib-pbkdf2-sha512": {"$pbkdf2-sha512$"},
		"passlib-pbkdf2-sha1": {"$pbkdf2$"}, "salted-sha256": {"salted-sha256$"},
	}
	f.Fuzz(func(t *testing.T, stored string) {
		format, err := Identify(stored)
		if err != nil {
			if format != "" || !(errors.Is(err, ErrMalformedHash) || errors.Is(err, ErrUnsupportedHash)) {
				t.Fatalf("Identify(%q) = %q, %v", stored, format, err)
			}
			return
		}
		if !slices.ContainsFunc(prefixes[format], func(p string) bool { return strings.HasPrefix(stored, p) }) {
			t.Fatalf("Identify(%q) = %q", stored, format)
		}
		if len(stored) > maxStoredLen {
			t.Fatalf("Identify accepted %d bytes", len(stored))
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
