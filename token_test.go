package vigil_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vigilauth/vigil"
)

const base64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// FuzzParseToken: ParseToken never panics and accepts only the 43
// characters of unpadded base64url that String gives back unchanged.
func FuzzParseToken(f *testing.F) {
	tok := vigil.NewToken().String()
	for _, s := range []string{
		tok,
		strings.Repeat("A", 43),
		strings.Repeat("_", 43),
		strings.Repeat("A", 42) + "B", // non-zero trailing bits: not canonical
		tok + "=",
		tok[:42],
		tok + "A",
		strings.NewReplacer("-", "+", "_", "/").Replace(tok),
		tok[:20] + "\x00" + tok[21:],
		tok[:20] + "é" + tok[22:],
		"",
		"=",
		strings.Repeat("A", 44),
		strings.Repeat("A", 64),
		strings.Repeat("A", 65),
		strings.Repeat(" ", 43),
		"\n" + tok[1:],
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := vigil.ParseToken(s)
		if err != nil {
			if !errors.Is(err, vigil.ErrMalformedToken) {
				t.Fatalf("%q: error %v is not ErrMalformedToken", s, err)
			}
			if got != (vigil.Token{}) {
				t.Fatalf("%q: a refused text left a non-zero token", s)
			}
			return
		}
		if len(s) != 43 {
			t.Fatalf("%q accepted with length %d", s, len(s))
		}
		if i := strings.IndexFunc(s, func(r rune) bool { return !strings.ContainsRune(base64url, r) }); i >= 0 {
			t.Fatalf("%q accepted with %q at %d", s, s[i], i)
		}
		if got.String() != s {
			t.Fatalf("%q does not round-trip: String() = %q", s, got.String())
		}
		again, err := vigil.ParseToken(got.String())
		if err != nil || again != got {
			t.Fatalf("String() of %q does not parse back", s)
		}
	})
}

// TestTokenRoundTrip: every new token parses back from its text, and the
// hash and CSRF token are stable and differ between tokens.
func TestTokenRoundTrip(t *testing.T) {
	seen := map[vigil.Token]bool{}
	for range 100 {
		tok := vigil.NewToken()
		if seen[tok] {
			t.Fatal("NewToken repeated itself")
		}
		seen[tok] = true
		s := tok.String()
		if len(s) != 43 {
			t.Fatalf("String() %q: length %d", s, len(s))
		}
		back, err := vigil.ParseToken(s)
		if err != nil || back != tok {
			t.Fatalf("ParseToken(%q) = %v, %v", s, back, err)
		}
		if tok.Hash() != back.Hash() || tok.CSRF() != back.CSRF() {
			t.Fatal("hash or CSRF token not stable")
		}
		if tok.CSRF() == s || strings.Contains(tok.CSRF(), s) {
			t.Fatal("the CSRF token reveals the session token")
		}
	}
	a, b := vigil.NewToken(), vigil.NewToken()
	if a.Hash() == b.Hash() || a.CSRF() == b.CSRF() {
		t.Error("two tokens share a hash or CSRF token")
	}
	if vigil.NewID() == vigil.NewID() {
		t.Error("NewID repeated itself")
	}
}
