package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/vigilauth/vigil/password"
)

// Exit statuses (SPEC §1).
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// usageError is a mistake in the command line: exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// env is what every command gets.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

const topUsage = `Usage: vigil COMMAND [flags]

Commands:
  serve [flags]                       run the server (vigil serve --help)
  user add USERNAME --role ROLE [--clinician-id ID] [--password-stdin]
  user list [--json]
  user disable USERNAME               and revoke every session of the user
  user enable USERNAME
  user reset USERNAME                 print a one-time password-reset token
  sessions list [USERNAME] [--json]
  sessions revoke USERNAME            every session of the user
  audit [--user U] [--event E] [--since 1h|RFC3339] [--limit N] [--json]
  compliance [--json|--markdown] [--strict] [policy flags]
                                      the policy report against NIST, ASVS and HIPAA;
                                      exit 1 when a requirement is not met
  migrate                             create or update the database schema
  version

Every command takes --db (VIGIL_DB): a SQLite path (default vigil.db).
`

// run is the whole program: main only supplies the process's context,
// arguments, environment and streams. It returns the exit status.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	err := dispatch(ctx, e, args)
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		msg := ue.msg
		if !strings.Contains(msg, "\n(run vigil") {
			msg += "\n(run vigil help for usage)"
		}
		fmt.Fprintf(stderr, "vigil: %s\n", msg)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "vigil: %s\n", strings.TrimSpace(err.Error()))
		return exitFail
	}
}

func dispatch(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, topUsage)
		return usagef("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, e, rest)
	case "user":
		return userCmd(ctx, e, rest)
	case "sessions":
		return sessionsCmd(ctx, e, rest)
	case "audit":
		return auditCmd(ctx, e, rest)
	case "compliance":
		return complianceCmd(ctx, e, rest)
	case "migrate":
		return migrateCmd(ctx, e, rest)
	case workerCommand:
		// Not listed in the help: serve starts it (see hashWorkers).
		return password.ServeWorker(e.stdin, e.stdout, hashNice)
	case "version", "--version":
		fmt.Fprintf(e.stdout, "vigil %s\n", version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, topUsage)
		return nil
	}
	return usagef("unknown command %q", cmd)
}
