// Package config turns command-line flags and their VIGIL_* environment twins
// into a validated Config for `vigil serve` (SPEC §1), and offers the flag
// helpers the other CLI commands share.
//
// Every flag has an environment twin: --idle-timeout ⇔ VIGIL_IDLE_TIMEOUT
// (see EnvName). A flag on the command line wins over its twin, and a twin
// wins over the default. An empty environment variable counts as unset.
//
// Load never stops at the first mistake: it reports every problem at once in
// one *Error, so an operator fixes a bad configuration in one round.
//
// ParseInterspersed lets flags stand before or after positional arguments
// (`vigil user add alice --role patient` is `vigil user add --role patient
// alice`), and Env applies the environment twins of a command's flags.
package config
