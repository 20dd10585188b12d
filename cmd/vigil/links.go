package main

import (
	"errors"
	"strings"

	"github.com/vigilauth/vigil/internal/config"
)

// resetLink is what a command needs to print vigil's reset link whole:
// the server's --public-url and --route-prefix, given as flags or, like
// every command flag, by their environment twins (VIGIL_PUBLIC_URL,
// VIGIL_ROUTE_PREFIX), which are also serve's.
type resetLink struct {
	command           string
	publicURL, prefix *string
}

// linkFlags adds --public-url and --route-prefix to f.
func linkFlags(f *cliFlags) resetLink {
	return resetLink{
		command:   f.Name(),
		publicURL: f.String("public-url", "", "the server's external origin, for the printed reset link"),
		prefix:    f.String("route-prefix", "", "the server's --route-prefix, for the printed reset link"),
	}
}

// base returns the absolute address of the reset page, or "" without a
// public URL. A value serve would refuse is a usage error here too.
func (l resetLink) base() (string, error) {
	given := map[string]string{
		config.EnvName("public-url"):   *l.publicURL,
		config.EnvName("route-prefix"): *l.prefix,
	}
	c, err := config.LoadLinks(func(k string) string { return given[k] })
	var bad *config.Error
	if errors.As(err, &bad) {
		msg := strings.Join(bad.Problems, "; ")
		for _, name := range []string{"public-url", "route-prefix"} {
			msg = strings.ReplaceAll(msg, config.EnvName(name), "--"+name+" (or "+config.EnvName(name)+")")
		}
		return "", usagef("%s: %s", l.command, msg)
	}
	if err != nil {
		return "", err
	}
	if c.PublicURL == nil {
		return "", nil
	}
	return c.PublicURL.String() + c.RoutePrefix + "/auth/reset", nil
}
