package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeSignsTheAuditChain: serve with --audit-key-file from `vigil
// audit keygen` runs; the chain of what it audited verifies against the
// public key, and `audit checkpoint` with the same key signs it; a key
// file others may read stops the start, naming the flag.
func TestServeSignsTheAuditChain(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "audit.key")
	db := filepath.Join(dir, "vigil.db")
	if code, _, errs := run2("audit", "keygen", key); code != 0 {
		t.Fatalf("audit keygen: exit %d: %s", code, errs)
	}
	srv := startServer(t, db, "--dev", "--audit-key-file", key, "--audit-retention", "52560h")
	if !strings.Contains(srv.stderr.String(), "audit checkpoints signed") {
		t.Fatalf("serve does not say its checkpoints are signed:\n%s", srv.stderr.String())
	}
	srv.addUser(t, "ann", "patient", alicePW)
	d := srv.device(t)
	expect(t, "sign in", d.Login("ann", alicePW), http.StatusOK)
	expect(t, "a wrong password", srv.device(t).Do("POST", "/api/auth/login", map[string]string{"username": "ann", "password": "not her password at all"}), http.StatusUnauthorized)

	if code, out, errs := srv.cli(t, "", "audit", "checkpoint", "--audit-key-file", key); code != 0 || !strings.Contains(out, "signed by key") {
		t.Fatalf("audit checkpoint: exit %d, %q, %q", code, out, errs)
	}
	code, out, errs := srv.cli(t, "", "audit", "verify", "--public-key", key+".pub")
	if code != 0 {
		t.Fatalf("audit verify of serve's chain: exit %d, %q, %q", code, out, errs)
	}

	// A key others may read is refused at start (exit 1), naming the flag.
	open := filepath.Join(dir, "open.key")
	if code, _, errs := run2("audit", "keygen", open); code != 0 {
		t.Fatal(errs)
	}
	if err := os.Chmod(open, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs = run2("serve", "--addr", "127.0.0.1:0", "--db", db, "--dev", "--audit-key-file", open)
	if code != 1 || !strings.Contains(errs, "--audit-key-file") {
		t.Fatalf("serve with a world-readable audit key: exit %d, %q", code, errs)
	}
}

// TestAuditRetentionBounds: --audit-retention is 0 or at least a day.
func TestAuditRetentionBounds(t *testing.T) {
	for _, bad := range []string{"1h", "-24h", "six years"} {
		code, _, errs := run2("serve", "--addr", "127.0.0.1:0", "--audit-retention", bad)
		if code != 2 || !strings.Contains(errs, "--audit-retention") {
			t.Errorf("--audit-retention %s: exit %d, %q", bad, code, errs)
		}
	}
}
