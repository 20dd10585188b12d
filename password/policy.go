package password

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxLength is the longest password accepted, in code points. NIST SP
// 800-63B-4 §3.1.1.2 asks for at least 64; 256 leaves room for passphrases
// while bounding the work one request can cause.
const maxLength = 256

// The problems Check reports, as short sentences about the password.
const (
	msgTooLong  = "must be at most 256 characters"
	msgBadUTF8  = "must be valid UTF-8 text"
	msgControl  = "must not contain control characters"
	msgCommon   = "is a commonly used password"
	msgService  = "must not be based on the name of this service"
	msgUsername = "must not contain your username"
	msgPattern  = "must not be a repeated character or short pattern, or a simple sequence"
)

// Policy judges passwords chosen by users, following NIST SP 800-63B rev. 4
// §3.1.1.2: length limits and a blocklist, no composition rules. It is safe
// for concurrent use.
type Policy struct {
	minLength int
	words     *wordLists
}

// NewPolicy returns a policy requiring at least minLength characters (NIST
// SP 800-63B-4: 15 for a password used as a single factor) and at most 256.
// A minLength below 1 is taken as 1 and one above 256 as 256; validating
// the configured value is the caller's job. NewPolicy builds the blocklist
// (about 30,000 entries), so call it once and share the result.
func NewPolicy(minLength int) *Policy {
	return &Policy{minLength: min(max(minLength, 1), maxLength), words: newWordLists()}
}

// MinLength returns the minimum length in characters (Unicode code points).
func (p *Policy) MinLength() int { return p.minLength }

// MaxLength returns the maximum length in characters (Unicode code points).
func (p *Policy) MaxLength() int { return maxLength }

// Check returns every problem with password for the user named username,
// each a short sentence to show after "Your password" (for example "must
// be at least 15 characters"), or nil when the password is acceptable.
//
// The password is NFKC-normalized first and its length counted in code
// points (NIST SP 800-63B-4 §3.1.1.2). A password that meets every other
// rule is then given zxcvbn's guess estimate (see guessable), which
// reports the patterns that make it easy to guess, never the password or
// its parts. Check does not compare with
// the user's current password; the caller does that with Hasher.Verify.
// It computes no hash; its time is linear in the length of its input plus
// a bounded estimate (only the first 32 characters are estimated).
func (p *Policy) Check(password, username string) []string {
	n := Normalize(password)
	lower := strings.ToLower(n)
	length := utf8.RuneCountInString(n)
	var problems []string
	add := func(bad bool, msg string) {
		if bad {
			problems = append(problems, msg)
		}
	}
	add(length < p.minLength, fmt.Sprintf("must be at least %d characters", p.minLength))
	add(length > maxLength, msgTooLong)
	add(!utf8.ValidString(password), msgBadUTF8)
	add(strings.IndexFunc(n, unicode.IsControl) >= 0, msgControl)
	f := forms(lower)
	add(p.words.anyCommon(f), msgCommon)
	add(p.words.anyService(f), msgService)
	add(containsUsername(lower, username), msgUsername)
	add(isTrivial(lower), msgPattern)
	// The guess estimate (NIST SP 800-63B-4 §3.1.1.2: refuse what is
	// commonly used, expected or compromised) is made for a password that
	// meets every rule above: a blocklist rule has already said what makes
	// it guessable, and a change of length changes the estimate.
	if len(problems) == 0 {
		problems = p.words.guessable(n, username)
	}
	return problems
}

// containsUsername reports whether lower contains the normalized, lowercase
// username (NIST SP 800-63B-4 §3.1.1.2: context-specific words). Names
// shorter than 3 characters are not checked: they would refuse too much.
func containsUsername(lower, username string) bool {
	u := strings.ToLower(Normalize(strings.TrimSpace(username)))
	return utf8.RuneCountInString(u) >= 3 && strings.Contains(lower, u)
}

// Describe returns the rules in plain words, to show before a user chooses
// a password (NIST SP 800-63B-4 §3.1.1.2: tell users the requirements).
func (p *Policy) Describe() []string {
	return []string{
		fmt.Sprintf("At least %d characters. Spaces, punctuation and any Unicode characters are allowed; length is counted in Unicode code points.", p.minLength),
		fmt.Sprintf("At most %d characters.", maxLength),
		"Not a commonly used or breached password, nor one with only digits or symbols added before or after it, nor one repeated.",
		"Not based on the name of this service.",
		"Not containing your username.",
		"Not a repeated character, a short repeated pattern, or a simple sequence such as abcdef or 987654.",
		"Not easy to guess: a password an attacker would find in fewer than 10 billion guesses is refused (zxcvbn's estimate, score 4, which knows common words, names and passwords, keyboard patterns, repeats, sequences, dates, look-alike swaps such as 4 for a, well-known phrases, your username and this service's name). Four or more unrelated words pass.",
		"No control characters such as tabs or line breaks.",
		"Not your current password, when you change it.",
		"No other rules: no required mix of upper and lower case letters, digits or symbols.",
	}
}
