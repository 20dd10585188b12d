package config

import "flag"

// PolicyFlags defines serve's policy flags (--lifetime, --idle-timeout,
// --role-lifetime, --role-idle-timeout, --max-sessions, --reauth-window,
// --password-min-length, --reset-token-ttl) on fs, for a command that
// reports on the policy a server started with them would apply. Once fs is
// parsed, the returned function reads them and their environment twins as
// serve does, a flag winning over its twin and a twin over the default,
// and returns the policy settings or an *Error listing every problem, each
// naming the flag or variable that gave the value.
func PolicyFlags(fs *flag.FlagSet) func(getenv func(string) string) (*Config, error) {
	type given struct {
		name string
		raw  *rawValue
	}
	var flags []given
	for _, o := range options(&Config{}) {
		if policyOptions[o.name] {
			g := given{o.name, &rawValue{}}
			fs.Var(g.raw, o.name, o.usage)
			flags = append(flags, g)
		}
	}
	return func(getenv func(string) string) (*Config, error) {
		set := setFlags(fs)
		var args []string
		for _, g := range flags {
			if set[g.name] {
				args = append(args, "--"+g.name+"="+g.raw.s)
			}
		}
		c, _, err := loadOnly(args, getenv, policyOptions)
		return c, err
	}
}
