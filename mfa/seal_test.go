package mfa

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// keyFile creates a key file with one key named id in a fresh directory.
func keyFile(t *testing.T, id string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret.keys")
	if err := CreateKeyFile(path, id); err != nil {
		t.Fatal(err)
	}
	return path
}

// load loads path, failing the test on an error.
func load(t *testing.T, path string) *Keyring {
	t.Helper()
	k, err := LoadKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestCreateKeyFile(t *testing.T) {
	path := keyFile(t, "k1")
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v; want mode 0600", fi.Mode(), err)
	}
	k := load(t, path)
	if k.KeyID() != "k1" {
		t.Errorf("KeyID = %q, want k1", k.KeyID())
	}
	if err := CreateKeyFile(path, "k2"); !errors.Is(err, fs.ErrExist) {
		t.Errorf("CreateKeyFile over an existing file = %v, want fs.ErrExist", err)
	}
	if again := load(t, path); again.KeyID() != "k1" {
		t.Error("the refused CreateKeyFile changed the file")
	}
	if err := CreateKeyFile(filepath.Join(t.TempDir(), "x"), "bad id"); err == nil {
		t.Error("CreateKeyFile with an invalid id accepted")
	}
	other := load(t, keyFile(t, "k1"))
	sealed := k.Seal([]byte("secret"), "c")
	if _, err := other.Open(sealed, "c"); !errors.Is(err, ErrNotSealed) {
		t.Errorf("two new files share a key: Open with the other = %v", err)
	}
}

func TestSealOpen(t *testing.T) {
	k := load(t, keyFile(t, "k1"))
	secret := NewSecret()
	ctx := TOTPContext(42)
	a, b := k.Seal(secret, ctx), k.Seal(secret, ctx)
	if a == b {
		t.Error("two seals of one secret are equal: the nonce is not random")
	}
	if !strings.HasPrefix(a, "v1:k1:") {
		t.Errorf("sealed value %q does not name its key", a)
	}
	if strings.Contains(a, base64.RawURLEncoding.EncodeToString(secret)) || strings.Contains(a, b32.EncodeToString(secret)) {
		t.Error("the sealed value shows the secret")
	}
	for _, s := range []string{a, b} {
		got, err := k.Open(s, ctx)
		if err != nil || !bytes.Equal(got, secret) {
			t.Errorf("Open = %x, %v; want %x", got, err, secret)
		}
	}
	// Another row's context: the value was moved.
	if _, err := k.Open(a, TOTPContext(43)); !errors.Is(err, ErrNotSealed) {
		t.Errorf("Open for another user = %v, want ErrNotSealed", err)
	}
	// Any byte changed.
	raw := []byte(a)
	for i := len("v1:k1:"); i < len(raw); i++ {
		c := raw[i]
		raw[i] = map[bool]byte{true: 'B', false: 'A'}[c == 'A']
		if _, err := k.Open(string(raw), ctx); !errors.Is(err, ErrNotSealed) {
			t.Fatalf("Open of a value altered at %d = %v, want ErrNotSealed", i, err)
		}
		raw[i] = c
	}
	for _, bad := range []string{"", "v1", "v1:k1", "v1:k1:", "v2:k1:" + a[6:], "v1:k 1:" + a[6:], "v1:k1:" + a[6:] + "=",
		"v1:k1:!!!!", "v1:k1:" + a[6:20], a + "AA"} {
		if _, err := k.Open(bad, ctx); !errors.Is(err, ErrNotSealed) {
			t.Errorf("Open(%q) = %v, want ErrNotSealed", bad, err)
		}
	}
	if _, err := k.Open("v1:k9:"+a[6:], ctx); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Open with an unknown key id = %v, want ErrUnknownKey", err)
	}
}

// TestKeyIDIsBound: a value relabelled with another key's id does not
// open, even when that key is the one that sealed it under its old name.
func TestKeyIDIsBound(t *testing.T) {
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	k, err := ParseKeyring([]byte("a " + key + "\nb " + key + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	sealed := k.Seal([]byte("secret"), "c")
	if _, err := k.Open("v1:b:"+strings.TrimPrefix(sealed, "v1:a:"), "c"); !errors.Is(err, ErrNotSealed) {
		t.Errorf("Open relabelled to key b = %v, want ErrNotSealed", err)
	}
}

// TestRotation follows the doc's steps on one instance.
func TestRotation(t *testing.T) {
	path := keyFile(t, "old")
	old := load(t, path)
	ctx := TOTPContext(1)
	before := old.Seal([]byte("alice's secret"), ctx)

	// Step 1: a new key that only opens.
	if err := AddKey(path, "new", false); err != nil {
		t.Fatal(err)
	}
	k := load(t, path)
	if k.KeyID() != "old" || k.Stale(before) {
		t.Errorf("after adding a key last: KeyID %q, Stale %v; want old, false", k.KeyID(), k.Stale(before))
	}
	// Step 2: the new key seals. (AddKey with first adds and promotes
	// at once; here a third key shows it.)
	if err := AddKey(path, "newer", true); err != nil {
		t.Fatal(err)
	}
	k = load(t, path)
	if k.KeyID() != "newer" || !k.Stale(before) {
		t.Errorf("after adding a key first: KeyID %q, Stale %v; want newer, true", k.KeyID(), k.Stale(before))
	}
	// Step 3: re-seal.
	plain, err := k.Open(before, ctx)
	if err != nil || string(plain) != "alice's secret" {
		t.Fatalf("Open of the old value after rotation = %q, %v", plain, err)
	}
	after := k.Seal(plain, ctx)
	if k.Stale(after) || !strings.HasPrefix(after, "v1:newer:") {
		t.Errorf("re-sealed value %q is stale", after)
	}
	// Step 4: drop the old key.
	data, _ := os.ReadFile(path)
	var kept []string
	for _, l := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(l, "old ") {
			kept = append(kept, l)
		}
	}
	if err := os.WriteFile(path, []byte(strings.Join(kept, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	k = load(t, path)
	if _, err := k.Open(after, ctx); err != nil {
		t.Errorf("Open of the re-sealed value without the old key: %v", err)
	}
	if _, err := k.Open(before, ctx); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Open of a value of the dropped key = %v, want ErrUnknownKey", err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after AddKey: %v", fi.Mode())
	}
	if err := AddKey(path, "new", true); err == nil {
		t.Error("AddKey with an id the file has accepted")
	}
	if err := AddKey(filepath.Join(t.TempDir(), "none"), "k", true); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("AddKey to a missing file = %v, want fs.ErrNotExist", err)
	}
}

// TestLoadKeyringRefuses: each way a key file can be wrong is refused
// with an error that names the file and the fault.
func TestLoadKeyringRefuses(t *testing.T) {
	dir := t.TempDir()
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	write := func(name, text string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // past the umask
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name, text string
		mode       os.FileMode
		want       string
	}{
		{"world-readable", "k " + key + "\n", 0o644, "mode 0644"},
		{"world-writable", "k " + key + "\n", 0o602, "mode 0602"},
		{"group-writable", "k " + key + "\n", 0o660, "mode 0660"},
		{"empty", "", 0o600, "holds no key"},
		{"comments-only", "# nothing\n\n", 0o600, "holds no key"},
		{"short", "k " + base64.StdEncoding.EncodeToString(make([]byte, 16)) + "\n", 0o600, "has 16 bytes, want 32"},
		{"long", "k " + base64.StdEncoding.EncodeToString(make([]byte, 33)) + "\n", 0o600, "has 33 bytes"},
		{"not-base64", "k !!!!\n", 0o600, "not base64"},
		{"no-key", "k\n", 0o600, "line 1: want a key id"},
		{"three-fields", "k " + key + " extra\n", 0o600, "line 1"},
		{"bad-id", "k/1 " + key + "\n", 0o600, "key id is 1 to 32"},
		{"long-id", strings.Repeat("k", 33) + " " + key + "\n", 0o600, "key id is 1 to 32"},
		{"twice", "# keys\nk " + key + "\nk " + key + "\n", 0o600, "line 3: key id k is used twice"},
	}
	for _, c := range cases {
		p := write(c.name, c.text, c.mode)
		_, err := LoadKeyring(p)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: LoadKeyring = %v; want an error naming %s and saying %q", c.name, err, p, c.want)
		}
	}
	missing := filepath.Join(dir, "missing")
	if _, err := LoadKeyring(missing); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("LoadKeyring of a missing file = %v", err)
	}
	if _, err := LoadKeyring(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("LoadKeyring of a directory = %v", err)
	}
	if _, err := LoadKeyring(""); err == nil {
		t.Error("LoadKeyring of no path accepted")
	}
	// Group-readable is allowed (a service group may read it); comments,
	// blank lines and spaces around are ignored.
	p := write("group-readable", "# keys\n\n  k1 "+key+"  \n# old\nk0 "+key+"\n", 0o640)
	if k, err := LoadKeyring(p); err != nil || k.KeyID() != "k1" {
		t.Errorf("a 0640 file with comments: %v", err)
	}
}
