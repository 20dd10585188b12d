package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/vigilauth/vigil/internal/config"
)

// commandUsage is the help of one command (`vigil user add --help`): its
// lines from topUsage, then each of its flags with its environment twin.
func commandUsage(f *flag.FlagSet) string {
	var b strings.Builder
	name := f.Name()
	lines := strings.Split(topUsage, "\n")
	found := false
	for i, l := range lines {
		if !strings.HasPrefix(l, "  "+name+" ") && l != "  "+name {
			continue
		}
		found = true
		b.WriteString("Usage: vigil " + strings.TrimSpace(l) + "\n")
		// Continuation lines are indented past the command column.
		for _, c := range lines[i+1:] {
			if !strings.HasPrefix(c, strings.Repeat(" ", 10)) {
				break
			}
			b.WriteString("       " + strings.TrimSpace(c) + "\n")
		}
	}
	if !found {
		b.WriteString("Usage: vigil " + name + " [flags]\n")
	}
	b.WriteString("\nFlags (each also read from its environment variable):\n")
	f.VisitAll(func(fl *flag.Flag) {
		arg := ""
		if _, isBool := fl.Value.(interface{ IsBoolFlag() bool }); !isBool {
			arg = " VALUE"
		}
		fmt.Fprintf(&b, "  --%s%s\n        %s (%s", fl.Name, arg, fl.Usage, config.EnvName(fl.Name))
		if fl.DefValue != "" && fl.DefValue != "false" {
			fmt.Fprintf(&b, ", default %s", fl.DefValue)
		}
		b.WriteString(")\n")
	})
	return b.String()
}
