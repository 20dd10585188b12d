package config

import (
	"strings"
	"testing"
)

// TestWarningsIdleNotShorterThanLifetime: an idle timeout that can never
// fire before the lifetime is named, role by role; sane settings give no
// warning.
func TestWarningsIdleNotShorterThanLifetime(t *testing.T) {
	c := load(t, nil, nil)
	if w := c.Warnings(); len(w) != 0 {
		t.Fatalf("defaults warn: %q", w)
	}
	c = load(t, []string{"--lifetime", "1h", "--idle-timeout", "2h", "--role-idle-timeout", "admin=10m"}, nil)
	w := c.Warnings()
	if len(w) != 2 || !strings.Contains(w[0], "patient sessions (2h0m0s)") || !strings.Contains(w[1], "clinician") {
		t.Fatalf("idle 2h, lifetime 1h, admin idle 10m: %q; want patient and clinician named", w)
	}
	c = load(t, []string{"--role-lifetime", "clinician=30m", "--idle-timeout", "30m"}, nil)
	if w := c.Warnings(); len(w) != 1 || !strings.Contains(w[0], "clinician sessions (30m0s) is not shorter than their lifetime (30m0s)") {
		t.Fatalf("clinician lifetime = idle timeout: %q", w)
	}
}
