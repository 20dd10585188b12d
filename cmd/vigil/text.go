package main

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// printable returns s fit for one cell of the command line's text output:
// every control character (C0, DEL, C1, tab), line or paragraph separator,
// bidirectional override and byte that is not UTF-8 is written as a Go
// escape (\n, \x1b, \u202e), and a backslash as \\, so a value a client
// chose (a username, a user agent, an audit detail) can neither start a
// line of its own, break the table's columns nor reorder what a terminal
// shows: a forged audit line stays visibly part of the field it came in
// (OWASP ASVS 5.0 16.4.1, log injection).
func printable(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case hidden(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case hidden(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == '\\' || hidden(r) {
			return true
		}
		i += size
	}
	return false
}

// hidden reports whether r would not show as itself in a terminal: a
// control or format character (bidi overrides and isolates, zero-width
// characters), or a line or paragraph separator.
func hidden(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}
