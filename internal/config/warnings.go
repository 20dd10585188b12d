package config

import (
	"fmt"

	"github.com/vigilauth/vigil"
)

// Warnings returns what is allowed but most likely not meant, one sentence
// each, for serve to log at start (and compliance to show): a setting that
// has no effect because another one always ends the session first.
func (c *Config) Warnings() []string {
	var w []string
	p := c.Policy()
	for _, role := range vigil.Roles {
		l := p.For(role)
		if l.IdleTimeout <= 0 || l.Lifetime <= 0 || l.IdleTimeout < l.Lifetime {
			continue
		}
		w = append(w, fmt.Sprintf("the idle timeout of %s sessions (%s) is not shorter than their lifetime (%s): "+
			"sessions always end at the lifetime and never for inactivity; shorten the idle timeout "+
			"(--idle-timeout, --role-idle-timeout) or lengthen the lifetime (--lifetime, --role-lifetime)",
			role, l.IdleTimeout, l.Lifetime))
	}
	return w
}
