package password

import (
	"context"
	"errors"
	"slices"
	"testing"
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
		"abcdefghijklmnop", "\xff\t11111111", "ＰＡＳＳＷＯＲＤ", "\ufdfa"} {
		f.Add(s, "alice")
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
	})
}
