package vigil_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/vigilauth/vigil"
)

func TestNormalizeEmail(t *testing.T) {
	for in, want := range map[string]string{
		"  Alice@Example.ORG ": "Alice@example.org",
		"bob@example.org":      "bob@example.org",
		"no-at-sign":           "no-at-sign",
		"a@b@Example.org":      "a@b@example.org",
	} {
		if got := vigil.NormalizeEmail(in); got != want {
			t.Errorf("NormalizeEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidateEmail(t *testing.T) {
	good := []string{"", "alice@example.org", "Alice.Smith+vigil@clinic.example", "root@localhost",
		"ä@bücher.example", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 189)}
	for _, s := range good {
		if err := vigil.ValidateEmail(s); err != nil {
			t.Errorf("ValidateEmail(%q) = %v, want nil", s, err)
		}
	}
	bad := map[string]string{
		"alice":                                  "exactly one @",
		"a@b@example.org":                        "exactly one @",
		"@example.org":                           "before the @",
		strings.Repeat("a", 65) + "@example.org": "before the @",
		"alice@":                                 "domain",
		"alice@.example.org":                     "domain",
		"alice@example..org":                     "domain",
		"alice@example.org.":                     "domain",
		"alice@Example.org":                      "lower-case",
		"al ice@example.org":                     "spaces",
		"alice@example.org\u00a0":                "spaces",
		"alice\n@example.org":                    "control",
		"alice@exam\u202eple.org":                "control",
		"alice@ex\xffample.org":                  "UTF-8",
		strings.Repeat("a", 64) + "@" + strings.Repeat("b", 190): "254",
	}
	for s, want := range bad {
		err := vigil.ValidateEmail(s)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateEmail(%q) = %v, want an error saying %q", s, err, want)
		}
	}
}

func TestValidateDisplayName(t *testing.T) {
	good := []string{"", "Dr. Bob Jones", "Zoë O'Brien", "مريم", "张伟", strings.Repeat("é", 128), "Ana 👩\u200d⚕️"}
	for _, s := range good {
		if err := vigil.ValidateDisplayName(s); err != nil {
			t.Errorf("ValidateDisplayName(%q) = %v, want nil", s, err)
		}
	}
	bad := map[string]string{
		strings.Repeat("é", 129): "128",
		"Bob\tJones":             "control",
		"Bob\x00":                "control",
		"Bob \u202eevil":         "control",
		"Bob \u2066x\u2069":      "control",
		"Bob\xc3":                "UTF-8",
		" Bob":                   "space",
		"Bob ":                   "space",
	}
	for s, want := range bad {
		err := vigil.ValidateDisplayName(s)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateDisplayName(%q) = %v, want an error saying %q", s, err, want)
		}
	}
}

// FuzzEmail holds the promises an accepted address keeps for whoever
// stores and shows it: normalizing it again changes nothing, and it has
// the shape ValidateEmail documents.
func FuzzEmail(f *testing.F) {
	for _, s := range []string{"alice@example.org", " A@B.C ", "a@b@c", "@", "a\u202e@b", "\xff@x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := vigil.NormalizeEmail(s)
		if vigil.ValidateEmail(n) != nil || n == "" {
			return
		}
		if vigil.NormalizeEmail(n) != n {
			t.Fatalf("NormalizeEmail is not idempotent on %q", n)
		}
		local, domain, _ := strings.Cut(n, "@")
		if len(n) > vigil.MaxEmailLength || strings.Count(n, "@") != 1 || local == "" || domain == "" ||
			domain != strings.ToLower(domain) || !utf8.ValidString(n) ||
			strings.ContainsFunc(n, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
			t.Fatalf("ValidateEmail accepted %q", n)
		}
	})
}

// FuzzDisplayName: an accepted name is short, valid UTF-8 and free of
// control characters.
func FuzzDisplayName(f *testing.F) {
	for _, s := range []string{"Dr. Bob", "Zoë", "a\tb", "\u202e", "\xc3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if vigil.ValidateDisplayName(s) != nil {
			return
		}
		if utf8.RuneCountInString(s) > vigil.MaxDisplayNameLength || !utf8.ValidString(s) ||
			strings.ContainsFunc(s, unicode.IsControl) {
			t.Fatalf("ValidateDisplayName accepted %q", s)
		}
	})
}
