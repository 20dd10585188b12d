package config

import "strings"

// Error is a configuration that cannot be used. Problems lists every
// mistake found, one sentence each, naming the flag or environment variable
// the bad value came from.
type Error struct {
	Problems []string
}

// Error returns "invalid configuration:" followed by the problems, one per
// line.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("invalid configuration:")
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p)
	}
	return b.String()
}
