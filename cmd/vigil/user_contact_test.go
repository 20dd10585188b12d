package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestUserAddEmailAndDisplayName: `vigil user add --email --display-name`
// stores both, normalized, and `vigil user list --json` shows them; a bad
// email fails (exit 1, one line naming it) and creates nobody.
func TestUserAddEmailAndDisplayName(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vigil.db")
	vigilCLI := cliOn(db)
	if code, _, errs := vigilCLI("user", "add", "--email", "Ann.Lee@Clinic.Example", "ann", "--role", "clinician",
		"--display-name", "Dr. Ann Lee"); code != exitOK {
		t.Fatalf("user add ann: exit %d, %s", code, errs)
	}
	if code, _, errs := vigilCLI("user", "add", "ben", "--role", "patient"); code != exitOK {
		t.Fatalf("user add ben: exit %d, %s", code, errs)
	}
	for _, bad := range []struct {
		flags []string
		says  string
	}{
		{[]string{"--email", "cat"}, "Invalid email"},
		{[]string{"--email", "cat@example.org", "--display-name", "Cat\x1b[31m"}, "Invalid display name"},
	} {
		code, _, errs := vigilCLI(append([]string{"user", "add", "cat", "--role", "patient"}, bad.flags...)...)
		if code != exitFail || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, bad.says) {
			t.Errorf("user add cat %q: exit %d, stderr %q; want exit 1 and one line saying %q", bad.flags, code, errs, bad.says)
		}
	}

	code, out, errs := vigilCLI("user", "list", "--json")
	if code != exitOK {
		t.Fatalf("user list --json: exit %d, %s", code, errs)
	}
	got := map[string]map[string]any{}
	for line := range strings.Lines(out) {
		var u map[string]any
		if err := json.Unmarshal([]byte(line), &u); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		got[u["username"].(string)] = u
	}
	if len(got) != 2 || got["cat"] != nil {
		t.Errorf("users %v, want ann and ben only", got)
	}
	if a := got["ann"]; a["email"] != "Ann.Lee@clinic.example" || a["display_name"] != "Dr. Ann Lee" || a["clinician_id"] != "" {
		t.Errorf("ann = %v", a)
	}
	if b, ok := got["ben"]; !ok || b["email"] != "" || b["display_name"] != "" {
		t.Errorf("ben = %v; want empty email and display_name present", b)
	}
}
