package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/pgtest"
)

// auditBackend is a database the audit commands run on, and the way an
// attacker with its password would change it behind vigil's back.
type auditBackend struct {
	name string
	db   func(t *testing.T) string
	exec func(t *testing.T, db, query string)
}

var auditBackends = []auditBackend{
	{"SQLite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "vigil.db") },
		func(t *testing.T, db, query string) {
			t.Helper()
			conn, err := sql.Open("sqlite", db)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.Exec(query); err != nil {
				t.Fatalf("%s: %v", query, err)
			}
		}},
	{"PostgreSQL", func(t *testing.T) string { _, url := pgtest.Schema(t); return url },
		func(t *testing.T, db, query string) {
			t.Helper()
			conn, err := pgx.Connect(context.Background(), db)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(context.Background())
			if _, err := conn.Exec(context.Background(), query); err != nil {
				t.Fatalf("%s: %v", query, err)
			}
		}},
}

// fillAudit appends n events to db, as the server would.
func fillAudit(t *testing.T, db string, n int) {
	t.Helper()
	ctx := context.Background()
	s, err := openStore(ctx, db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range n {
		e := &vigil.Event{Time: time.Now(), Username: fmt.Sprintf("user%d", i%3), Actor: "cli",
			Category: vigil.CategoryAuthentication, Event: vigil.EventLoginSucceeded, IP: "192.0.2.7"}
		if err := s.AppendEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
}

// keygen makes a key in a fresh folder and returns its path.
func keygen(t *testing.T, vigilCLI func(...string) (int, string, string)) string {
	t.Helper()
	key := filepath.Join(t.TempDir(), "audit.key")
	if code, out, errs := vigilCLI("audit", "keygen", key); code != 0 || !strings.Contains(out, "written to "+key) {
		t.Fatalf("audit keygen: exit %d, %q, %q", code, out, errs)
	}
	return key
}

// TestAuditVerifyFindsTampering: an attacker edits, deletes, swaps or cuts
// rows with SQL; vigil audit verify exits 1 and names the first seq
// concerned; on the untouched database it exits 0.
func TestAuditVerifyFindsTampering(t *testing.T) {
	for _, b := range auditBackends {
		t.Run(b.name, func(t *testing.T) {
			if b.name == "PostgreSQL" {
				pgtest.BaseURL(t)
			}
			for _, tc := range []struct {
				name, sql string
				seq       int
			}{
				{"none", "", 0},
				{"edit a field", `UPDATE audit_events SET username = 'nobody' WHERE seq = 4`, 4},
				{"delete a row", `DELETE FROM audit_events WHERE seq = 6`, 6},
				{"swap two rows", `UPDATE audit_events SET seq = -7 WHERE seq = 7; UPDATE audit_events SET seq = 7 WHERE seq = 8; UPDATE audit_events SET seq = 8 WHERE seq = -7`, 7},
				{"truncate the tail after a checkpoint", `DELETE FROM audit_events WHERE seq > 10`, 11},
				{"forge a checkpoint", `UPDATE audit_checkpoints SET time = time - interval '1 hour' WHERE seq = 10`, 10},
			} {
				if tc.name == "forge a checkpoint" && b.name == "SQLite" {
					tc.sql = `UPDATE audit_checkpoints SET time = time - 3600000000 WHERE seq = 10`
				}
				t.Run(tc.name, func(t *testing.T) {
					db := b.db(t)
					vigilCLI := cliOn(db)
					key := keygen(t, vigilCLI)
					fillAudit(t, db, 10)
					if code, out, errs := vigilCLI("audit", "checkpoint", "--audit-key-file", key); code != 0 || !strings.Contains(out, "1 checkpoint(s) written (signed by key") {
						t.Fatalf("audit checkpoint: exit %d, %q, %q", code, out, errs)
					}
					fillAudit(t, db, 5)
					if tc.sql != "" {
						b.exec(t, db, tc.sql)
					}
					code, out, errs := vigilCLI("audit", "verify", "--public-key", key+".pub")
					if tc.seq == 0 {
						if code != 0 || !strings.HasPrefix(out, "audit chain intact: 15 events, seq 1 to 15\n") ||
							!strings.Contains(out, "every signature verified") || !strings.Contains(out, "events seq 11 to 15 follow the newest checkpoint") {
							t.Errorf("verify: exit %d, %q, %q", code, out, errs)
						}
						return
					}
					want := fmt.Sprintf("audit chain BROKEN at seq %d: ", tc.seq)
					if code != 1 || !strings.HasPrefix(out, want) || !strings.Contains(errs, fmt.Sprintf("broken at seq %d", tc.seq)) {
						t.Errorf("after %s: exit %d, stdout %q, stderr %q; want exit 1 and %q", tc.name, code, out, errs, want)
					}
				})
			}
		})
	}
}

// TestAuditVerifyKeys: without a key the chain is checked and verify says
// the signatures were not; with a key file others may read, it refuses.
func TestAuditVerifyKeys(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vigil.db")
	vigilCLI := cliOn(db)
	fillAudit(t, db, 3)
	code, out, _ := vigilCLI("audit", "verify")
	if code != 0 || !strings.Contains(out, "no checkpoints: nothing signs the chain") {
		t.Errorf("verify with no checkpoint: exit %d, %q", code, out)
	}
	if code, out, _ := vigilCLI("audit", "checkpoint"); code != 0 || !strings.Contains(out, "unsigned: no --audit-key-file") {
		t.Errorf("checkpoint without a key: exit %d, %q", code, out)
	}
	if code, out, _ := vigilCLI("audit", "verify"); code != 0 || !strings.Contains(out, "1 checkpoints, all unsigned") {
		t.Errorf("verify of unsigned checkpoints: exit %d, %q", code, out)
	}
	key := keygen(t, vigilCLI)
	fillAudit(t, db, 2)
	vigilCLI("audit", "checkpoint", "--key-file", key)
	if code, out, _ := vigilCLI("audit", "verify"); code != 0 || !strings.Contains(out, "signatures NOT checked") {
		t.Errorf("verify without keys: exit %d, %q", code, out)
	}
	fillAudit(t, db, 1)
	if code, _, errs := vigilCLI("audit", "checkpoint"); code != 1 || !strings.Contains(errs, "none is written without --audit-key-file") {
		t.Errorf("checkpoint without the key after signed ones: exit %d, %q", code, errs)
	}
	if code, out, _ := vigilCLI("audit", "verify", "--audit-key-file", key, "--json"); code != 0 ||
		!strings.Contains(out, `"intact":true`) || !strings.Contains(out, `"signatures_checked":true`) {
		t.Errorf("verify --json with the key: exit %d, %q", code, out)
	}
	os.Chmod(key, 0o644)
	if code, _, errs := vigilCLI("audit", "verify", "--audit-key-file", key); code != 1 || !strings.Contains(errs, "chmod 600") {
		t.Errorf("verify with a world-readable key: exit %d, %q", code, errs)
	}
	if code, _, errs := vigilCLI("audit", "keygen", key); code != 1 || !strings.Contains(errs, "never overwritten") {
		t.Errorf("keygen over a key: exit %d, %q", code, errs)
	}
}

// signedDB returns a SQLite database of 12 events with signed checkpoints
// at 5 and 10 and 12, how to run commands on it, and its key file.
func signedDB(t *testing.T) (func(...string) (int, string, string), string, string) {
	t.Helper()
	db := filepath.Join(t.TempDir(), "vigil.db")
	vigilCLI := cliOn(db)
	key := keygen(t, vigilCLI)
	fillAudit(t, db, 12)
	if code, _, errs := vigilCLI("audit", "checkpoint", "--audit-key-file", key, "--every", "5"); code != 0 {
		t.Fatalf("audit checkpoint: %s", errs)
	}
	return vigilCLI, db, key
}

// TestAuditExport: an export to a file is private, verifies on its own,
// and an edit to it is found; CSV goes to standard output.
func TestAuditExport(t *testing.T) {
	vigilCLI, _, key := signedDB(t)
	out := filepath.Join(t.TempDir(), "audit.jsonl")
	code, _, errs := vigilCLI("audit", "export", "--out", out, "--since", "1h")
	if code != 0 || !strings.Contains(errs, "exported 12 events (seq 1 to 12) and 3 checkpoints") {
		t.Fatalf("export: exit %d, %q", code, errs)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the export's mode: %v, %v", fi.Mode().Perm(), err)
	}
	if code, got, _ := vigilCLI("audit", "verify", "--file", out, "--public-key", key+".pub"); code != 0 || !strings.HasPrefix(got, "audit export intact: 12 events") {
		t.Errorf("verify --file: exit %d, %q", code, got)
	}
	if code, _, errs := vigilCLI("audit", "export", "--out", out); code != 1 || !strings.Contains(errs, "never overwrites") {
		t.Errorf("export over a file: exit %d, %q", code, errs)
	}
	text, _ := os.ReadFile(out)
	edited := filepath.Join(t.TempDir(), "edited.jsonl")
	os.WriteFile(edited, []byte(strings.Replace(string(text), `"user1"`, `"user2"`, 1)), 0o600)
	if code, got, _ := vigilCLI("audit", "verify", "--file", edited); code != 1 || !strings.HasPrefix(got, "audit export BROKEN at seq 2: event seq 2 was altered") {
		t.Errorf("verify --file of an edited export: exit %d, %q", code, got)
	}
	code, csv, _ := vigilCLI("audit", "export", "--format", "csv", "--until", "2000-01-01T00:00:00Z")
	if code != 0 || !strings.HasPrefix(csv, "type,seq,prev,hash,time,") || strings.Count(csv, "\n") != 1 {
		t.Errorf("CSV export of nothing: exit %d, %q", code, csv)
	}
	for _, args := range [][]string{{"--format", "xml"}, {"--since", "yesterday"}, {"--until", "later"}} {
		if code, _, _ := vigilCLI(append([]string{"audit", "export"}, args...)...); code != 2 {
			t.Errorf("export %v: exit %d, want 2", args, code)
		}
	}
}

// TestAuditPrune: retention deletes whole segments and verify says where
// the chain begins.
func TestAuditPrune(t *testing.T) {
	vigilCLI, db, key := signedDB(t)
	fillAudit(t, db, 2)
	if code, out, errs := vigilCLI("audit", "prune", "--audit-retention", "1ns", "--public-key", key+".pub"); code != 0 || out != "12 event(s) deleted\n" {
		t.Fatalf("prune: exit %d, %q, %q", code, out, errs)
	}
	code, out, _ := vigilCLI("audit", "verify", "--public-key", key+".pub")
	if code != 0 || !strings.Contains(out, "audit chain intact: 2 events, seq 13 to 14") ||
		!strings.Contains(out, "the chain begins at seq 13 after retention pruned 12 events") {
		t.Errorf("verify after pruning: exit %d, %q", code, out)
	}
	if code, _, _ := vigilCLI("audit", "prune"); code != 2 {
		t.Errorf("prune without --audit-retention: exit %d, want 2", code)
	}
}

// TestAuditVerifyNoDatabase: verify never creates the database it is to
// check.
func TestAuditVerifyNoDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "missing.db")
	if code, _, errs := cliOn(db)("audit", "verify"); code != 1 || !strings.Contains(errs, "does not exist") {
		t.Errorf("verify of a missing file: exit %d, %q", code, errs)
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("verify created the database")
	}
	if code, _, _ := cliOn(db)("audit", "verify", "extra"); code != 2 {
		t.Errorf("verify with an argument: exit %d, want 2", code)
	}
}
