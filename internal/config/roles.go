package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/vigilauth/vigil"
)

// problem is one thing wrong with a value: the offending text (the whole
// value, or one element of a list) and why.
type problem struct {
	value, reason string
}

// parseRoleDurations parses per-role overrides such as
// "clinician=15m, admin=10m". Empty elements are ignored. Every entry must
// be role=duration with a known role, given once, and a positive duration;
// the valid entries are returned even when others are wrong.
func parseRoleDurations(s string) (map[vigil.Role]time.Duration, []problem) {
	var m map[vigil.Role]time.Duration
	var problems []problem
	seen := map[vigil.Role]bool{}
	for _, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		name, text, ok := strings.Cut(entry, "=")
		if !ok {
			problems = append(problems, problem{entry, "want role=duration"})
			continue
		}
		role, err := vigil.ParseRole(strings.TrimSpace(name))
		if err != nil {
			problems = append(problems, problem{entry, err.Error()})
			continue
		}
		if seen[role] {
			problems = append(problems, problem{entry, fmt.Sprintf("role %s given more than once", role)})
			continue
		}
		seen[role] = true
		d, reason := positiveDuration(strings.TrimSpace(text))
		if reason != "" {
			problems = append(problems, problem{entry, reason})
			continue
		}
		if m == nil {
			m = map[vigil.Role]time.Duration{}
		}
		m[role] = d
	}
	return m, problems
}

// positiveDuration parses a Go duration that must be above zero, returning
// why not when it is not.
func positiveDuration(s string) (time.Duration, string) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, "invalid duration (want Go syntax such as 30m or 168h)"
	}
	if d <= 0 {
		return 0, "must be positive"
	}
	return d, ""
}
