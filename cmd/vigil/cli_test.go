package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestExitStatus: 0 done, 1 failed, 2 usage (SPEC §1), for serve as for
// the other commands; a command-line command is stopped only by the
// settings it uses.
func TestExitStatus(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vigil.db")
	tests := []struct {
		name string
		args []string
		env  map[string]string
		code int
		says string
	}{
		{"no command", nil, nil, exitUsage, "no command given"},
		{"unknown command", []string{"frobnicate"}, nil, exitUsage, "frobnicate"},
		{"serve, unknown flag", []string{"serve", "--frob"}, nil, exitUsage, "unknown flag --frob"},
		{"serve, an argument", []string{"serve", "now"}, nil, exitUsage, `unexpected argument "now"`},
		{"serve, a bad value and a bad twin", []string{"serve", "--idle-timeout", "soon"}, map[string]string{"VIGIL_ADDR": "nowhere"},
			exitUsage, "VIGIL_ADDR"},
		{"user list, unknown flag", []string{"user", "list", "--frob", "--db", db}, nil, exitUsage, "frob"},
		{"user list", []string{"user", "list", "--db", db}, nil, exitOK, ""},
		{"user list beside a serve-only setting serve refuses", []string{"user", "list", "--db", db},
			map[string]string{"VIGIL_PUBLIC_PATHS": "/x", "VIGIL_ADDR": "nowhere"}, exitOK, ""},
		{"user list with a bad policy setting", []string{"user", "list", "--db", db},
			map[string]string{"VIGIL_RESET_TOKEN_TTL": "soon"}, exitFail, "VIGIL_RESET_TOKEN_TTL"},
		{"sessions revoke of nobody", []string{"sessions", "revoke", "nobody", "--db", db}, nil, exitFail, "No such user."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), tt.args, func(k string) string { return tt.env[k] }, strings.NewReader(""), &out, &errb)
			if code != tt.code || !strings.Contains(errb.String(), tt.says) {
				t.Errorf("vigil %s: exit %d, stderr %q; want exit %d and %q", strings.Join(tt.args, " "), code, errb.String(), tt.code, tt.says)
			}
		})
	}
}

// TestAuditSaysWhenItCutsTheList: `vigil audit` shows the newest events up
// to --limit and says on stderr when more match; not when all are shown.
func TestAuditSaysWhenItCutsTheList(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vigil.db")
	vigilCLI := cliOn(db)
	for _, name := range []string{"ann", "ben", "cat"} {
		if code, _, errs := vigilCLI("user", "add", name, "--role", "patient"); code != 0 {
			t.Fatalf("user add %s: %s", name, errs)
		}
	}
	code, out, errs := vigilCLI("audit", "--event", "user_created", "--limit", "2", "--json")
	if code != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(errs, "showing the newest 2 events; more match") {
		t.Errorf("audit --limit 2 of 3: exit %d, %d lines, stderr %q", code, strings.Count(out, "\n"), errs)
	}
	code, out, errs = vigilCLI("audit", "--event", "user_created", "--limit", "3", "--json")
	if code != 0 || strings.Count(out, "\n") != 3 || errs != "" {
		t.Errorf("audit --limit 3 of 3: exit %d, %d lines, stderr %q", code, strings.Count(out, "\n"), errs)
	}
}

// cliOn returns a function that runs a command on database db with no
// environment and empty standard input: its exit status, stdout, stderr.
func cliOn(db string) func(args ...string) (int, string, string) {
	return func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), append(args, "--db", db), noEnv, strings.NewReader(""), &out, &errb)
		return code, out.String(), errb.String()
	}
}
