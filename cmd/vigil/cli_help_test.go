package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommandHelp: COMMAND --help prints that command's usage and every
// flag it takes with its environment twin, exit 0, and nothing of the
// other commands.
func TestCommandHelp(t *testing.T) {
	vigilCLI := cliOn(filepath.Join(t.TempDir(), "vigil.db"))
	for cmd, flags := range map[string][]string{
		"user add":        {"--role VALUE", "--email VALUE", "--password-stdin", "VIGIL_ROLE", "--db VALUE"},
		"user list":       {"--json", "VIGIL_JSON"},
		"sessions revoke": {"--db VALUE"},
		"audit":           {"--since VALUE", "--limit VALUE", "--event VALUE"},
	} {
		code, out, errs := vigilCLI(append(strings.Fields(cmd), "--help")...)
		if code != 0 || errs != "" || !strings.HasPrefix(out, "Usage: vigil "+cmd) {
			t.Errorf("%s --help: exit %d, stderr %q, out %q", cmd, code, errs, out)
			continue
		}
		for _, want := range flags {
			if !strings.Contains(out, want) {
				t.Errorf("%s --help does not name %q:\n%s", cmd, want, out)
			}
		}
		if strings.Contains(out, "compliance") {
			t.Errorf("%s --help prints the whole summary:\n%s", cmd, out)
		}
	}
}

// TestUserAddNeedsARole: without --role, user add is a usage error that
// says the flag is required and names the roles; nothing is created.
func TestUserAddNeedsARole(t *testing.T) {
	vigilCLI := cliOn(filepath.Join(t.TempDir(), "vigil.db"))
	code, out, errs := vigilCLI("user", "add", "bob")
	if code != 2 || out != "" || !strings.Contains(errs, "--role is required (patient, clinician or admin)") {
		t.Fatalf("user add without --role: exit %d, out %q, stderr %q", code, out, errs)
	}
	if _, out, _ := vigilCLI("user", "list", "--json"); out != "" {
		t.Fatalf("a user was created anyway: %q", out)
	}
}

// TestDBThatCannotWork: --db naming a database vigil does not speak is a
// usage error; a SQLite file in a folder that does not exist fails with
// the folder named (no file or folder is created). Both for commands and
// serve.
func TestDBThatCannotWork(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no", "such", "vigil.db")
	for _, tc := range []struct {
		db, says string
		code     int
	}{
		{"mysql://db.internal/vigil", `vigil does not speak "mysql"`, 2},
		{"sqlite:///var/lib/vigil.db", `vigil does not speak "sqlite"`, 2},
		{missing, "the folder " + filepath.Dir(missing) + " does not exist", 1},
	} {
		for _, args := range [][]string{{"user", "list"}, {"migrate"}} {
			code, _, errs := run2(append(args, "--db", tc.db)...)
			if code != tc.code || !strings.Contains(errs, tc.says) {
				t.Errorf("%v --db %s: exit %d, stderr %q; want exit %d saying %q", args, tc.db, code, errs, tc.code, tc.says)
			}
		}
	}
	code, _, errs := run2("serve", "--addr", "127.0.0.1:0", "--db", missing)
	if code != 1 || !strings.Contains(errs, "does not exist") {
		t.Errorf("serve --db %s: exit %d, stderr %q", missing, code, errs)
	}
	if _, err := os.Stat(filepath.Dir(filepath.Dir(missing))); err == nil {
		t.Errorf("a folder was created: %s", filepath.Dir(filepath.Dir(missing)))
	}
}

// TestEmptyListsSaySo: a table with nothing in it says so in words; the
// JSON form stays empty.
func TestEmptyListsSaySo(t *testing.T) {
	vigilCLI := cliOn(filepath.Join(t.TempDir(), "vigil.db"))
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"user", "list"}, "no users yet"},
		{[]string{"sessions", "list"}, "no live sessions"},
		{[]string{"audit", "--event", "login_failed"}, "no audit events match"},
	} {
		code, out, errs := vigilCLI(tc.args...)
		if code != 0 || !strings.HasPrefix(out, tc.says) || errs != "" {
			t.Errorf("%v: exit %d, out %q, stderr %q; want %q", tc.args, code, out, errs, tc.says)
		}
		code, out, _ = vigilCLI(append(tc.args, "--json")...)
		if code != 0 || out != "" {
			t.Errorf("%v --json: exit %d, out %q; want nothing", tc.args, code, out)
		}
	}
	if code, _, errs := vigilCLI("user", "add", "ann", "--role", "patient"); code != 0 {
		t.Fatal(errs)
	}
	if _, out, _ := vigilCLI("sessions", "list", "ann"); !strings.HasPrefix(out, "no live sessions of ann") {
		t.Errorf("sessions list ann: %q", out)
	}
}

// run2 runs a command as given, with no environment and empty standard input.
func run2(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, noEnv, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// TestServeWarnsOfAnIdleTimeoutThatCannotFire: serve starts, and its log
// says which role's idle timeout can never end a session.
func TestServeWarnsOfAnIdleTimeoutThatCannotFire(t *testing.T) {
	srv := startServer(t, "", "--dev", "--lifetime", "1h", "--idle-timeout", "2h", "--role-idle-timeout", "patient=10m,admin=10m")
	log := srv.stderr.String()
	if !strings.Contains(log, "setting without effect") || !strings.Contains(log, "clinician sessions (2h0m0s) is not shorter than their lifetime (1h0m0s)") {
		t.Fatalf("serve's log does not warn about the clinician idle timeout:\n%s", log)
	}
	if strings.Contains(log, "patient sessions") {
		t.Fatalf("serve warns about a role whose timeout is fine:\n%s", log)
	}
}
