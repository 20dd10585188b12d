package auth

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzBounded: whatever a client sends, the stored form is at most n bytes
// of valid UTF-8 without NUL; a value that fits once cleaned is kept (a
// clean one as it is), and a cut one ends in "…".
func FuzzBounded(f *testing.F) {
	f.Add("alice", 8)
	f.Add(strings.Repeat("é", 40), 9)
	f.Add("a\x00b\xff\xfec", 4)
	f.Add(strings.Repeat("\xff", 100), 5)
	f.Fuzz(func(t *testing.T, s string, n int) {
		n = 4 + abs(n)%2048
		got := bounded(s, n)
		if len(got) > n || !utf8.ValidString(got) || strings.IndexByte(got, 0) >= 0 {
			t.Fatalf("bounded(%q, %d) = %q: %d bytes, valid UTF-8 %v", s, n, got, len(got), utf8.ValidString(got))
		}
		whole := strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
		if len(whole) <= n && len(s) <= 4*n && got != whole {
			t.Fatalf("bounded(%q, %d) = %q, want %q", s, n, got, whole)
		}
		if len(whole) > n && !strings.HasSuffix(got, ellipsis) {
			t.Fatalf("bounded(%q, %d) = %q, want a cut ending in …", s, n, got)
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
