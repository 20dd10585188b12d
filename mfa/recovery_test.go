package mfa

import (
	"regexp"
	"strings"
	"testing"

	"github.com/vigilauth/vigil"
)

var codeForm = regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){5}$`)

func TestNewRecoveryCodes(t *testing.T) {
	codes, hashes := NewRecoveryCodes()
	if len(codes) != 10 || len(hashes) != 10 {
		t.Fatalf("%d codes, %d hashes; want 10 of each", len(codes), len(hashes))
	}
	seen := map[string]bool{}
	seenHash := map[vigil.TokenHash]bool{}
	for i, c := range codes {
		if !codeForm.MatchString(c) {
			t.Errorf("code %q is not six groups of four Crockford symbols", c)
		}
		if seen[c] || seenHash[hashes[i]] {
			t.Errorf("code %q repeats", c)
		}
		seen[c], seenHash[hashes[i]] = true, true
		if h, ok := HashRecoveryCode(c); !ok || h != hashes[i] {
			t.Errorf("HashRecoveryCode(%q) = %x, %v; want the hash returned with it", c, h, ok)
		}
	}
	other, _ := NewRecoveryCodes()
	for _, c := range other {
		if seen[c] {
			t.Errorf("two sets share %q", c)
		}
	}
}

// TestRecoveryCodeAsTyped: case, spaces and hyphens do not matter, and the
// letters a person types for 1 and 0 are read as them.
func TestRecoveryCodeAsTyped(t *testing.T) {
	const code = "7k3m-q9xd-4hjn-r2vb-6cye-w810"
	want, ok := HashRecoveryCode(code)
	if !ok {
		t.Fatal("a well-formed code refused")
	}
	for _, typed := range []string{
		strings.ToUpper(code),
		strings.ReplaceAll(code, "-", ""),
		strings.ReplaceAll(code, "-", " "),
		" 7K3M Q9XD-4hjn r2vb-6CYE w810 ",
		"7k3m-q9xd-4hjn-r2vb-6cye-w8lo", // l for 1, o for 0
		"7k3m-q9xd-4hjn-r2vb-6cye-w8IO", // I for 1, O for 0
		"7k3mq9-xd4hjn-r2vb6c-yew810",   // grouped wrongly
	} {
		if got, ok := HashRecoveryCode(typed); !ok || got != want {
			t.Errorf("HashRecoveryCode(%q) = %x, %v; want the code's hash", typed, got, ok)
		}
	}
	if other, _ := HashRecoveryCode("7k3m-q9xd-4hjn-r2vb-6cye-w811"); other == want {
		t.Error("two codes share a hash")
	}
}

func TestRecoveryCodeRefused(t *testing.T) {
	for _, typed := range []string{
		"", "123456", "123 456", // a TOTP code
		"7k3m-q9xd-4hjn-r2vb-6cye-w81",   // 23 symbols
		"7k3m-q9xd-4hjn-r2vb-6cye-w8100", // 25
		"7k3m-q9xd-4hjn-r2vb-6cye-w8u0",  // u is not in the alphabet
		"7k3m-q9xd-4hjn-r2vb-6cye-w8_0", "7k3m-q9xd-4hjn-r2vb-6cye-w8\x000",
		"7k3m-q9xd-4hjn-r2vb-6cye-w8é", "７k3m-q9xd-4hjn-r2vb-6cye-w810", "7k3m\tq9xd-4hjn-r2vb-6cye-w810",
		strings.Repeat("-", 200) + "7k3mq9xd4hjnr2vb6cyew810", strings.Repeat("7k3m", 1000), "\xff\xfe",
	} {
		if h, ok := HashRecoveryCode(typed); ok || h != (vigil.TokenHash{}) {
			t.Errorf("HashRecoveryCode(%q) = %x, %v; want refused", typed, h, ok)
		}
	}
}

func FuzzHashRecoveryCode(f *testing.F) {
	f.Add("7k3m-q9xd-4hjn-r2vb-6cye-w810")
	f.Add("123456")
	f.Fuzz(func(t *testing.T, typed string) {
		h, ok := HashRecoveryCode(typed)
		if !ok {
			return
		}
		// What is accepted is 24 symbols, once separators are dropped.
		n := len(strings.NewReplacer(" ", "", "-", "").Replace(typed))
		if n != 24 || h == (vigil.TokenHash{}) {
			t.Fatalf("HashRecoveryCode(%q) accepted %d symbols", typed, n)
		}
	})
}
