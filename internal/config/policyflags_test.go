package config

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
)

// TestPolicyFlags: the policy flags read as serve reads them — a flag
// before its twin, a twin before the default — while serve's other
// settings are neither taken as flags nor read from the environment, and
// every problem names the flag or the variable that gave it.
func TestPolicyFlags(t *testing.T) {
	load := func(args []string, env map[string]string) (*Config, error) {
		fs := flag.NewFlagSet("report", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		policy := PolicyFlags(fs)
		if _, err := ParseInterspersed(fs, args); err != nil {
			return nil, err
		}
		return policy(func(k string) string { return env[k] })
	}
	c, err := load([]string{"--lifetime", "12h", "--role-idle-timeout=clinician=15m"},
		map[string]string{"VIGIL_LIFETIME": "1h", "VIGIL_IDLE_TIMEOUT": "20m", "VIGIL_ADDR": "nowhere"})
	if err != nil {
		t.Fatal(err)
	}
	if l := c.Policy().For(vigil.RoleClinician); l.Lifetime != 12*time.Hour || l.IdleTimeout != 15*time.Minute || c.IdleTimeout != 20*time.Minute || c.PasswordMinLength != 15 {
		t.Errorf("policy %+v, clinician %+v", c, l)
	}
	if _, err := load([]string{"--addr", "127.0.0.1:1"}, nil); err == nil || !strings.Contains(err.Error(), "--addr") {
		t.Errorf("--addr: %v", err)
	}
	_, err = load([]string{"--max-sessions", "-1"}, map[string]string{"VIGIL_REAUTH_WINDOW": "soon"})
	var e *Error
	if !errors.As(err, &e) || len(e.Problems) != 2 || !strings.HasPrefix(e.Problems[0], `--max-sessions "-1"`) || !strings.HasPrefix(e.Problems[1], `VIGIL_REAUTH_WINDOW "soon"`) {
		t.Errorf("problems: %v", err)
	}
}
