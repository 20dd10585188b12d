package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigilauth/vigil/webhook"
)

// TestWebhooksSecret: vigil webhooks secret writes a secret serve takes
// (mode 0600) and prints the same one; it never overwrites a file, and
// --append adds a second secret for a rotation, both of which then sign.
func TestWebhooksSecret(t *testing.T) {
	dir := t.TempDir()
	cli := cliOn(filepath.Join(dir, "vigil.db"))
	path := filepath.Join(dir, "webhook.secret")

	code, out, errOut := cli("webhooks", "secret", path)
	if code != exitOK {
		t.Fatalf("webhooks secret: exit %d, %s", code, errOut)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	secrets, err := webhook.LoadSecrets(path)
	if err != nil || len(secrets) != 1 {
		t.Fatalf("serve's reading of it: %d secrets, %v", len(secrets), err)
	}
	first, _ := os.ReadFile(path)
	if line := strings.TrimSpace(string(first)); !strings.HasPrefix(line, "whsec_") || !strings.Contains(out, line) {
		t.Errorf("file %q, output %q: want the printed secret in the file", first, out)
	}

	if code, _, errOut := cli("webhooks", "secret", path); code != exitFail || !strings.Contains(errOut, "--append") {
		t.Errorf("a second secret without --append: exit %d, %q", code, errOut)
	}
	if now, _ := os.ReadFile(path); string(now) != string(first) {
		t.Errorf("the refused command changed the file: %q", now)
	}

	if code, _, errOut := cli("webhooks", "secret", "--append", path); code != exitOK {
		t.Fatalf("--append: exit %d, %s", code, errOut)
	}
	if secrets, err := webhook.LoadSecrets(path); err != nil || len(secrets) != 2 {
		t.Errorf("after --append: %d secrets, %v; want 2", len(secrets), err)
	}

	open := filepath.Join(dir, "open.secret")
	if err := os.WriteFile(open, first, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := cli("webhooks", "secret", "--append", open); code != exitFail || !strings.Contains(errOut, "chmod 600") {
		t.Errorf("--append to a file others may read: exit %d, %q", code, errOut)
	}
	if code, _, _ := cli("webhooks", "secret"); code != exitUsage {
		t.Errorf("no FILE: exit %d, want %d", code, exitUsage)
	}
}
