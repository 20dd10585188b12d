package password

import "unicode/utf8"

// minPatternLen is the shortest string judged by isTrivial; shorter ones
// are left to the length rule.
const minPatternLen = 4

// isTrivial reports whether the lowercase password, or what is left of it
// without the padding at its start and end (see cores), is a repeated
// character, a short piece of at most 4 characters repeated ("abababab",
// "123123123"), or a simple sequence ("abcdefgh", "987654321", "7890123").
// These are the first guesses of any attacker (NIST SP 800-63B-4 §3.1.1.2
// blocklist; zxcvbn's repeat and sequence matchers).
func isTrivial(lower string) bool {
	for _, s := range cores(lower) {
		if utf8.RuneCountInString(s) >= minPatternLen && (isShortRepeat(s) || isSequence(s)) {
			return true
		}
	}
	return false
}

// isShortRepeat reports whether s is a piece of at most 4 characters
// written at least twice in a row.
func isShortRepeat(s string) bool {
	u, ok := repeatedUnit(s)
	return ok && utf8.RuneCountInString(u) <= 4
}

// repeatedUnit returns the shortest piece u such that s is u written at
// least twice in a row, the last copy possibly cut short, and whether there
// is one. It works on bytes in linear time (Knuth–Morris–Pratt failure
// function); for valid UTF-8 the piece ends on a character boundary, as
// s[len(u)] equals s[0], which starts a character.
func repeatedUnit(s string) (string, bool) {
	if len(s) < 2 {
		return "", false
	}
	border := make([]int, len(s)) // border[i]: longest proper border of s[:i+1]
	for i := 1; i < len(s); i++ {
		k := border[i-1]
		for k > 0 && s[i] != s[k] {
			k = border[k-1]
		}
		if s[i] == s[k] {
			k++
		}
		border[i] = k
	}
	period := len(s) - border[len(s)-1]
	return s[:period], 2*period <= len(s)
}

// isSequence reports whether every character of s is one step after the
// one before it, or every one a step before: by code point, with digits
// wrapping from 9 to 0 and the letters a–z from z to a.
func isSequence(s string) bool {
	dir, prev := 0, rune(-1)
	for _, r := range s {
		if prev >= 0 {
			d := step(prev, r)
			if d == 0 || (dir != 0 && d != dir) {
				return false
			}
			dir = d
		}
		prev = r
	}
	return dir != 0
}

// step returns 1 if b follows a, -1 if b precedes a, else 0.
func step(a, b rune) int {
	switch {
	case isDigit(a) && isDigit(b):
		return cyclicStep(b-a, 10)
	case isASCIILower(a) && isASCIILower(b):
		return cyclicStep(b-a, 26)
	case b == a+1:
		return 1
	case b == a-1:
		return -1
	}
	return 0
}

// cyclicStep returns 1 or -1 when d is one step forwards or backwards on a
// cycle of n, else 0.
func cyclicStep(d, n rune) int {
	switch (d%n + n) % n {
	case 1:
		return 1
	case n - 1:
		return -1
	}
	return 0
}

func isDigit(r rune) bool      { return '0' <= r && r <= '9' }
func isASCIILower(r rune) bool { return 'a' <= r && r <= 'z' }
