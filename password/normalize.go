package password

import "golang.org/x/text/unicode/norm"

// Normalize returns s in Unicode normalization form NFKC, the form in which
// passwords are hashed and measured (NIST SP 800-63B-4 §3.1.1.2: normalize
// before hashing), so "ﬁ" and "fi", or fullwidth and ASCII digits, are the
// same password. Hash, Verify and Policy.Check call it themselves. Bytes
// that are not valid UTF-8 are kept as they are.
func Normalize(s string) string {
	return norm.NFKC.String(s)
}
