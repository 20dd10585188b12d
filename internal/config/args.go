package config

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"
)

// ParseInterspersed parses args against fs, letting flags stand before or
// after the positional arguments, and returns the positional arguments in
// order. It accepts --flag=value, --flag value and the one-dash forms;
// a boolean flag takes no separate value (--json, --json=false); "--" ends
// the flags and everything after it is positional; "-" alone is positional.
//
// It returns flag.ErrHelp when -h or --help is given and fs defines neither,
// and otherwise an error describing the first unknown flag, missing value or
// value the flag refused. It writes nothing: printing usage is the caller's
// choice, and fs's ErrorHandling is not consulted. On success fs.Args()
// returns the positional arguments too.
func ParseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	pos, problems, help := scan(fs, args)
	if help {
		return pos, flag.ErrHelp
	}
	if len(problems) > 0 {
		return pos, errors.New(problems[0])
	}
	// Records the positionals as fs.Args() and marks fs parsed; a leading
	// "--" keeps the flag package from reading them as flags.
	if err := fs.Parse(append([]string{"--"}, pos...)); err != nil {
		return pos, err
	}
	return pos, nil
}

// Env applies the environment twin (see EnvName) of every flag in fs that
// was not set on the command line, so call it after ParseInterspersed. An
// empty variable counts as unset. It returns a problem for each value the
// flag refused, naming the variable, e.g. `VIGIL_JSON "maybe": invalid
// boolean`; the flags it could set are set even then.
func Env(fs *flag.FlagSet, getenv func(string) string) []string {
	if getenv == nil {
		return nil
	}
	set := setFlags(fs)
	var problems []string
	fs.VisitAll(func(f *flag.Flag) {
		name := EnvName(f.Name)
		v := getenv(name)
		if set[f.Name] || v == "" {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			problems = append(problems, fmt.Sprintf("%s %q: %s", name, v, describe(f.Value, err)))
		}
	})
	return problems
}

// EnvName returns the environment twin of the flag called name:
// "idle-timeout" -> "VIGIL_IDLE_TIMEOUT".
func EnvName(name string) string {
	return "VIGIL_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// scan walks args, setting flags in fs and collecting the positionals and
// every problem rather than stopping at the first, which `serve` needs to
// list all problems at once. help reports -h/--help when fs lacks them.
func scan(fs *flag.FlagSet, args []string) (pos, problems []string, help bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(pos, args[i+1:]...), problems, help
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(a[1:], "-"), "=")
		if name == "" || name[0] == '-' {
			problems = append(problems, fmt.Sprintf("bad flag syntax: %s", a))
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			if name == "help" || name == "h" {
				help = true
				continue
			}
			problems = append(problems, "unknown flag --"+name)
			// Most likely "--unknown value": skip the value so it is not
			// also reported as a stray positional argument.
			if !hasValue && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				i++
			}
			continue
		}
		if !hasValue {
			switch {
			case isBool(f.Value):
				value = "true"
			case i+1 < len(args):
				i++
				value = args[i]
			default:
				problems = append(problems, fmt.Sprintf("flag --%s needs a value", name))
				continue
			}
		}
		if err := fs.Set(name, value); err != nil {
			problems = append(problems, fmt.Sprintf("--%s %q: %s", name, value, describe(f.Value, err)))
		}
	}
	return pos, problems, help
}

// setFlags returns the names of the flags set in fs so far.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

func isBool(v flag.Value) bool {
	b, ok := v.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// describe turns the flag package's terse "parse error" into what was
// expected; any other error is kept as it is.
func describe(v flag.Value, err error) string {
	g, ok := v.(flag.Getter)
	if !ok || err.Error() != "parse error" {
		return err.Error()
	}
	switch g.Get().(type) {
	case bool:
		return "invalid boolean"
	case time.Duration:
		return "invalid duration"
	case int, int64, uint, uint64:
		return "invalid integer"
	case float64:
		return "invalid number"
	}
	return err.Error()
}
