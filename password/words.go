package password

import (
	"strings"
	"unicode"

	"github.com/trustelem/zxcvbn/frequency"
)

// wordLists are the blocklists Check looks password forms up in, and the
// context words of the guess estimate.
type wordLists struct {
	common       map[string]struct{} // commonly used and breached passwords
	service      map[string]struct{} // the service's own names
	serviceNames []string            // the same, in order
	phrases      []string            // well-known passphrases, letters only
}

// newWordLists builds the blocklists. The common list is the "passwords"
// frequency list of zxcvbn (30,000 passwords most seen in breaches),
// lowercased and normalized like the passwords compared with it.
func newWordLists() *wordLists {
	src := frequency.FrequencyLists["passwords"]
	common := make(map[string]struct{}, len(src))
	for _, w := range src {
		common[strings.ToLower(Normalize(w))] = struct{}{}
	}
	// NIST SP 800-63B-4 §3.1.1.2: context-specific words such as the
	// name of the service.
	names := []string{"vigil", "vigilauth"}
	service := make(map[string]struct{}, len(names))
	for _, n := range names {
		service[n] = struct{}{}
	}
	// Passphrases known from their use as examples (xkcd 936, the typing
	// pangram, placeholder text, famous lines), letters only: a password
	// containing one is expected (NIST SP 800-63B-4 §3.1.1.2).
	phrases := []string{"correcthorsebatterystaple", "thequickbrownfoxjumpsoverthelazydog",
		"loremipsumdolorsitamet", "tobeornottobe", "maytheforcebewithyou", "onetwothreefourfive"}
	return &wordLists{common: common, service: service, serviceNames: names, phrases: phrases}
}

// anyCommon reports whether any of forms is a common password.
func (l *wordLists) anyCommon(forms []string) bool { return anyIn(l.common, forms) }

// anyService reports whether any of forms is the service's name.
func (l *wordLists) anyService(forms []string) bool { return anyIn(l.service, forms) }

// anyIn reports whether any of forms is in set.
func anyIn(set map[string]struct{}, forms []string) bool {
	for _, f := range forms {
		if _, ok := set[f]; ok {
			return true
		}
	}
	return false
}

// forms returns what a lowercase password is looked up as in the
// blocklists, so that padding or repeating a listed word does not hide it:
//   - the password itself ("password");
//   - without the digits, punctuation, symbols and spaces at its start and
//     end ("2024password123!!" → "password");
//   - without only the punctuation, symbols and spaces at its start and end
//     ("trustno1!!!" → "trustno1");
//   - for each of those that is one piece written at least twice in a row
//     (the last copy may be cut short), that piece, with and without its
//     padding ("passwordpassword", "password-password-pass" → "password").
//
// There are at most nine forms, each found in linear time.
func forms(lower string) []string {
	var out []string
	for _, s := range cores(lower) {
		if s == "" {
			continue
		}
		out = append(out, s)
		if u, ok := repeatedUnit(s); ok {
			out = append(out, u, strings.TrimFunc(u, notLetter))
		}
	}
	return out
}

// cores returns lower, lower without the non-letters at its start and end,
// and lower without the characters that are neither letters nor digits at
// its start and end.
func cores(lower string) [3]string {
	return [3]string{lower, strings.TrimFunc(lower, notLetter), strings.TrimFunc(lower, isPadding)}
}

// notLetter reports whether r is anything but a letter.
func notLetter(r rune) bool { return !unicode.IsLetter(r) }

// isPadding reports whether r is neither a letter nor a digit.
func isPadding(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) }
