package webhook

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestLoadSecrets(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	newer, older := NewSecret(), vectorSecret
	got, err := LoadSecrets(write("ok", "# newest first\n\n"+newer+"\n  "+older+"  \n", 0o600))
	if err != nil || len(got) != 2 || string(got[1]) != string(mustSecret(t, older)) {
		t.Fatalf("LoadSecrets = %d secrets, %v; want both, in order", len(got), err)
	}
	if _, err := LoadSecrets(write("empty", "# nothing yet\n", 0o600)); err == nil {
		t.Error("a file with no secret was accepted")
	}
	_, err = LoadSecrets(write("bad", newer+"\nwhsec_tooshort-but-secret\n", 0o600))
	if err == nil || !strings.Contains(err.Error(), "line 2") || strings.Contains(err.Error(), "tooshort") {
		t.Errorf("a bad line: %v, want its number and not its text", err)
	}
	if runtime.GOOS != "windows" {
		if _, err := LoadSecrets(write("open", newer+"\n", 0o644)); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("a file others can read: %v, want refused", err)
		}
	}
}
