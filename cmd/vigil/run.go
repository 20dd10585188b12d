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
  user reset-factors USERNAME         remove every second factor of the user
                                      and revoke every session of theirs
  user import FILE [--dry-run] [--partial] [--skip-existing] [--json]
                                      accounts from JSON Lines or CSV, with their
                                      password hashes (- reads standard input)
  sessions list [USERNAME] [--json]
  sessions revoke USERNAME            every session of the user
  audit [--user U] [--event E] [--since 1h|RFC3339] [--limit N] [--json]
  audit verify [--audit-key-file F] [--public-key F.pub] [--file EXPORT] [--json]
                                      check the audit chain and its signed checkpoints;
                                      exit 1 when it is broken, naming where
  audit export [--since T] [--until T] [--format jsonl|csv] [--out FILE]
                                      the audit chain with its proof, streamed
  audit keygen FILE                   a new audit signing key: FILE (0600) and FILE.pub
  audit checkpoint [--audit-key-file F]
                                      sign the newest audit events now
  audit prune --audit-retention D [--audit-key-file F]
                                      delete whole verified segments older than D
  webhooks list [--json]              webhook deliveries given up after 24 hours
  webhooks retry ID                   try one of them again
  webhooks secret FILE [--append]     a new webhook signing secret: FILE (0600)
  compliance [--json|--markdown] [--strict] [policy flags]
                                      the policy report against NIST, ASVS and HIPAA;
                                      exit 1 when a requirement is not met
  migrate                             create or update the database schema
  version

Every command takes --db (VIGIL_DB): a SQLite file path (default vigil.db)
or a postgres:// URL. COMMAND --help prints that command's flags.
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

// command is one command of the CLI: its name as typed ("user add") and
// what runs it with the arguments that follow the name.
type command struct {
	name string
	run  func(ctx context.Context, e *env, args []string) error
}

// commands are the commands dispatch runs, in the order of topUsage; a
// name of two words is a command of a group ("user", "sessions").
var commands = []command{
	{"serve", serve},
	{"user add", userAdd},
	{"user list", userList},
	{"user disable", func(ctx context.Context, e *env, args []string) error {
		return userSetDisabled(ctx, e, "disable", args)
	}},
	{"user enable", func(ctx context.Context, e *env, args []string) error {
		return userSetDisabled(ctx, e, "enable", args)
	}},
	{"user reset", userReset},
	{"user reset-factors", userResetFactors},
	{"user import", userImport},
	{"sessions list", sessionsList},
	{"sessions revoke", sessionsRevoke},
	{"audit", auditGroup},
	{"audit verify", auditVerify},
	{"audit export", auditExport},
	{"audit keygen", auditKeygen},
	{"audit checkpoint", auditCheckpoint},
	{"audit prune", auditPrune},
	{"webhooks list", webhooksList},
	{"webhooks retry", webhooksRetry},
	{"webhooks secret", webhooksSecret},
	{"compliance", complianceCmd},
	{"migrate", migrateCmd},
	{"version", func(_ context.Context, e *env, _ []string) error {
		fmt.Fprintf(e.stdout, "vigil %s\n", version())
		return nil
	}},
	{"help", func(_ context.Context, e *env, _ []string) error {
		fmt.Fprint(e.stdout, topUsage)
		return nil
	}},
}

// aliases are other spellings of commands.
var aliases = map[string]string{"--version": "version", "-h": "help", "--help": "help"}

func dispatch(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, topUsage)
		return usagef("no command given")
	}
	name, rest := args[0], args[1:]
	if name == workerCommand {
		// Not listed in the help: serve starts it (see hashWorkers).
		return password.ServeWorker(e.stdin, e.stdout, hashNice)
	}
	if a, ok := aliases[name]; ok {
		name = a
	}
	var group []string // the commands of the group name is, if it is one
	for _, c := range commands {
		if c.name == name {
			return c.run(ctx, e, rest)
		}
		if g, sub, ok := strings.Cut(c.name, " "); ok && g == name {
			group = append(group, sub)
		}
	}
	if len(group) == 0 {
		return usagef("unknown command %q", name)
	}
	if len(rest) == 0 {
		return usagef("%s: want %s or %s", name, strings.Join(group[:len(group)-1], ", "), group[len(group)-1])
	}
	for _, c := range commands {
		if c.name == name+" "+rest[0] {
			return c.run(ctx, e, rest[1:])
		}
	}
	return usagef("%s: unknown command %q", name, rest[0])
}
