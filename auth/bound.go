package auth

import (
	"strings"
	"unicode/utf8"
)

// ellipsis ends a value that was cut.
const ellipsis = "…"

// bounded returns s as a store may keep it whatever a client sent: valid
// UTF-8 without NUL (each run of invalid bytes, and each NUL, becomes
// U+FFFD; PostgreSQL's text refuses both) and at most n bytes (n > 3). A
// longer value is cut on a character boundary and ends in "…", so a cut
// value never equals a whole one such as a username. A clean, short s is
// returned as is, without allocating.
func bounded(s string, n int) string {
	if len(s) <= n && utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	cut := len(s) > 4*n // nothing past 4n bytes can show: do not clean it
	if cut {
		s = s[:4*n]
	}
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
	if len(s) <= n && !cut {
		return s
	}
	i := min(len(s), n-len(ellipsis))
	for i > 0 && i < len(s) && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + ellipsis
}
