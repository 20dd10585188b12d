package auditlog_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/vigilauth/vigil/auditlog"
)

// newKeyFile writes a new key to a fresh folder and returns its path.
func newKeyFile(t *testing.T) (string, *auditlog.PrivateKey) {
	t.Helper()
	k, err := auditlog.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "audit.key")
	if err := auditlog.WriteKeyFiles(path, k); err != nil {
		t.Fatal(err)
	}
	return path, k
}

func TestKeyFiles(t *testing.T) {
	path, k := newKeyFile(t)
	if runtime.GOOS != "windows" {
		for p, want := range map[string]os.FileMode{path: 0o600, path + ".pub": 0o644} {
			if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
				t.Errorf("%s: mode %v, %v; want %v", p, fi.Mode().Perm(), err, want)
			}
		}
	}
	loaded, err := auditlog.LoadPrivateKey(path)
	if err != nil || loaded.ID != k.ID || len(k.ID) != 16 {
		t.Fatalf("LoadPrivateKey = %v, %v; want key %s", loaded, err, k.ID)
	}
	for _, p := range []string{path + ".pub", path} {
		pub, err := auditlog.LoadPublicKey(p)
		if err != nil || pub.ID != k.ID {
			t.Fatalf("LoadPublicKey(%s) = %v, %v", p, pub.ID, err)
		}
		ring := auditlog.NewKeyring(pub)
		if rep := verifyOne(t, ring, loaded.Sign); !rep.Intact() || rep.Signed != 1 {
			t.Errorf("a checkpoint signed with the file's key: %v", rep.Lines())
		}
	}
	if err := auditlog.WriteKeyFiles(path, k); err == nil || !strings.Contains(err.Error(), "never overwritten") {
		t.Errorf("writing over the key: %v", err)
	}
}

func TestKeyFileRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no file modes")
	}
	for _, mode := range []os.FileMode{0o644, 0o604, 0o620, 0o666} {
		path, _ := newKeyFile(t)
		os.Chmod(path, mode)
		if _, err := auditlog.LoadPrivateKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("mode %04o: LoadPrivateKey = %v, want a refusal", mode, err)
		}
		if _, err := auditlog.LoadPublicKey(path); err == nil {
			t.Errorf("mode %04o: LoadPublicKey of the private file accepted it", mode)
		}
	}
	path, _ := newKeyFile(t)
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := auditlog.LoadPrivateKey(path); err != nil {
		t.Errorf("mode 0640 (the service's group): %v", err)
	}
}

func TestKeyFileDamaged(t *testing.T) {
	path, k := newKeyFile(t)
	text, _ := os.ReadFile(path)
	pub, _ := os.ReadFile(path + ".pub")
	other, _ := auditlog.GenerateKey()
	for name, content := range map[string]string{
		"key id":      strings.Replace(string(text), k.ID, other.ID, 1),
		"public id":   strings.Replace(string(pub), k.ID, other.ID, 1),
		"format":      strings.Replace(string(text), "vigil-audit-key/v1", "vigil-audit-key/v9", 1),
		"no seed":     "vigil-audit-key/v1\nkey-id: " + k.ID + "\n",
		"short seed":  "vigil-audit-key/v1\nkey-id: " + k.ID + "\ned25519-seed: AAAA\n",
		"not base64":  "vigil-audit-key/v1\nkey-id: " + k.ID + "\ned25519-seed: ***\n",
		"not a field": "vigil-audit-key/v1\nkey-id " + k.ID + "\n",
		"empty":       "",
		"huge":        "vigil-audit-key/v1\n" + strings.Repeat("#", 5000),
	} {
		p := filepath.Join(t.TempDir(), "k")
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, errPriv := auditlog.LoadPrivateKey(p)
		_, errPub := auditlog.LoadPublicKey(p)
		if errPriv == nil || errPub == nil {
			t.Errorf("%s: LoadPrivateKey = %v, LoadPublicKey = %v; want both refused", name, errPriv, errPub)
		}
	}
}

// FuzzLoadPublicKey: whatever a key file holds, loading it returns a key or
// an error, never panics.
func FuzzLoadPublicKey(f *testing.F) {
	f.Add([]byte("vigil-audit-public-key/v1\nkey-id: 0011223344556677\ned25519-public: AAAA\n"))
	f.Add([]byte("vigil-audit-key/v1\r\n# c\r\nkey-id: x\r\ned25519-seed: " + strings.Repeat("A", 43) + "=\r\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(dir, "k")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		auditlog.LoadPublicKey(p)
		auditlog.LoadPrivateKey(p)
	})
}
