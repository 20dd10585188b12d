package main

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vigilauth/vigil/internal/config"
)

// deployGuide is docs/deploy.md.
func deployGuide(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../docs/deploy.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDeployUnitVerifies: systemd accepts docs/deploy/vigil.service
// without a warning (an unknown or misspelt key is only a warning to
// systemd, and would silently drop a protection).
func TestDeployUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	unit, err := os.ReadFile("../../docs/deploy/vigil.service")
	if err != nil {
		t.Fatal(err)
	}
	// systemd checks that the program exists: point it at this test binary.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(unit, []byte("ExecStart=/usr/local/bin/vigil serve")) {
		t.Fatal("the unit does not run /usr/local/bin/vigil serve")
	}
	path := filepath.Join(t.TempDir(), "vigil.service")
	if err := os.WriteFile(path, bytes.ReplaceAll(unit, []byte("/usr/local/bin/vigil"), []byte(self)), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(analyze, "verify", path)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// TestDeployEnvFileIsAccepted: the env file the guide shows is a valid
// configuration for `vigil serve`, read as systemd's EnvironmentFile gives it.
func TestDeployEnvFileIsAccepted(t *testing.T) {
	block := regexp.MustCompile("(?s)```sh\n(VIGIL_ADDR=.*?)```").FindStringSubmatch(deployGuide(t))
	if block == nil {
		t.Fatal("docs/deploy.md shows no env file starting with VIGIL_ADDR=")
	}
	env := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(block[1]), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok || !strings.HasPrefix(k, "VIGIL_") {
			t.Fatalf("env file line %q is not NAME=value", line)
		}
		env[k] = v
	}
	if _, _, err := config.Load(nil, func(k string) string { return env[k] }); err != nil {
		t.Fatalf("the guide's env file: %v", err)
	}
}

// TestDeploySQLiteBackupRestores: the guide's online backup, taken with
// the sqlite3 shell while vigil serves and writes, is a database vigil
// starts on, with the users and passwords of the original.
func TestDeploySQLiteBackupRestores(t *testing.T) {
	sqlite3, err := exec.LookPath("sqlite3")
	if err != nil {
		t.Skip("sqlite3 is not installed (Debian package sqlite3)")
	}
	if !strings.Contains(deployGuide(t), `sqlite3 /var/lib/vigil/vigil.db ".backup '`) {
		t.Fatal("docs/deploy.md no longer shows the sqlite3 .backup command this test runs")
	}
	srv := startServer(t, "", "--dev")
	srv.addUser(t, "ann", "clinician", alicePW)
	d := srv.device(t)
	expect(t, "sign in before the backup", d.Login("ann", alicePW), http.StatusOK)

	dst := filepath.Join(t.TempDir(), "backup.db")
	if out, err := exec.Command(sqlite3, srv.DB, ".backup '"+dst+"'").CombinedOutput(); err != nil {
		t.Fatalf("sqlite3 .backup: %v\n%s", err, out)
	}
	restored := startServer(t, dst, "--dev")
	expect(t, "sign in on the restored copy", restored.device(t).Login("ann", alicePW), http.StatusOK)
	if code, out, errs := restored.cli(t, "", "user", "list"); code != 0 || !strings.Contains(out, "ann") {
		t.Fatalf("user list on the copy: exit %d, %q, %q", code, out, errs)
	}
}
