package auditlog

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
)

// The first lines of the key files.
const (
	privateKeyFormat = "vigil-audit-key/v1"
	publicKeyFormat  = "vigil-audit-public-key/v1"
)

// maxKeyFile bounds what a key file may hold; a real one has under 200
// bytes.
const maxKeyFile = 4 << 10

// PublicKey checks checkpoints' signatures.
type PublicKey struct {
	ID  string // KeyID(Key)
	Key ed25519.PublicKey
}

// PrivateKey signs checkpoints.
type PrivateKey struct {
	ID  string
	key ed25519.PrivateKey
}

// KeyID names a public key: the first 8 bytes of its SHA-256, in hex. Each
// checkpoint carries the id of the key that signed it, so that a verifier
// given several keys (after a key change) knows which to use.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// GenerateKey returns a new key from crypto/rand.
func GenerateKey() (*PrivateKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	return &PrivateKey{ID: KeyID(pub), key: priv}, nil
}

// Public returns k's public key.
func (k *PrivateKey) Public() PublicKey {
	return PublicKey{ID: k.ID, Key: k.key.Public().(ed25519.PublicKey)}
}

// Sign signs c with k, setting its KeyID and Signature.
func (k *PrivateKey) Sign(c *Checkpoint) {
	c.KeyID = k.ID
	c.Signature = ed25519.Sign(k.key, c.Message())
}

// WriteKeyFiles writes k to path, readable by its owner alone (0600), and
// its public key to path+".pub" (0644), for whoever verifies. It refuses to
// replace either file: an audit key that is lost cannot be made again, and
// the checkpoints it signed could no longer be checked.
func WriteKeyFiles(path string, k *PrivateKey) error {
	pub := path + ".pub"
	for _, p := range []string{path, pub} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("%s exists: an audit key is never overwritten (choose another name)", p)
		}
	}
	seed := base64.StdEncoding.EncodeToString(k.key.Seed())
	priv := fmt.Sprintf("%s\n# vigil's audit signing key: keep it secret, mode 0600; its public key is in %s\nkey-id: %s\ned25519-seed: %s\n",
		privateKeyFormat, pubName(pub), k.ID, seed)
	if err := writeNew(path, priv, 0o600); err != nil {
		return err
	}
	p := k.Public()
	text := fmt.Sprintf("%s\nkey-id: %s\ned25519-public: %s\n", publicKeyFormat, p.ID, base64.StdEncoding.EncodeToString(p.Key))
	if err := writeNew(pub, text, 0o644); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// pubName is the public key file's base name, for the comment.
func pubName(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[i+1:]
	}
	return path
}

// writeNew creates path (failing if it exists) with mode perm and writes
// text to it, removing it again if the write fails.
func writeNew(path, text string, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// LoadPrivateKey reads a key file written by WriteKeyFiles. It refuses a
// file that others may read or write, or that its group may write
// (OWASP ASVS 5.0 13.3.1: secrets kept where only the service reads them):
// a leaked audit key lets whoever holds it sign a rewritten history. Group
// read is allowed, for a key given to the service's group.
func LoadPrivateKey(path string) (*PrivateKey, error) {
	if err := checkMode(path); err != nil {
		return nil, err
	}
	fields, err := readKeyFile(path, privateKeyFormat)
	if err != nil {
		return nil, err
	}
	seed, err := keyBytes(fields, "ed25519-seed", ed25519.SeedSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	k := &PrivateKey{ID: KeyID(priv.Public().(ed25519.PublicKey)), key: priv}
	if fields["key-id"] != k.ID {
		return nil, fmt.Errorf("%s: key-id %q does not match its key (%s): the file is damaged", path, fields["key-id"], k.ID)
	}
	return k, nil
}

// LoadPublicKey reads a public key file, or a private key file (under
// LoadPrivateKey's rules) for its public key.
func LoadPublicKey(path string) (PublicKey, error) {
	first, err := firstLine(path)
	if err != nil {
		return PublicKey{}, err
	}
	if first == privateKeyFormat {
		k, err := LoadPrivateKey(path)
		if err != nil {
			return PublicKey{}, err
		}
		return k.Public(), nil
	}
	fields, err := readKeyFile(path, publicKeyFormat)
	if err != nil {
		return PublicKey{}, err
	}
	b, err := keyBytes(fields, "ed25519-public", ed25519.PublicKeySize)
	if err != nil {
		return PublicKey{}, fmt.Errorf("%s: %w", path, err)
	}
	p := PublicKey{ID: KeyID(b), Key: b}
	if fields["key-id"] != p.ID {
		return PublicKey{}, fmt.Errorf("%s: key-id %q does not match its key (%s): the file is damaged", path, fields["key-id"], p.ID)
	}
	return p, nil
}

// checkMode refuses a key file others may read or write, or its group
// write. Windows has no such modes.
func checkMode(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	if runtime.GOOS == "windows" {
		return nil
	}
	if perm := fi.Mode().Perm(); perm&0o027 != 0 {
		return fmt.Errorf("%s has mode %04o: an audit key must not be readable by others nor writable by its group (chmod 600 %s)", path, perm, path)
	}
	return nil
}

// firstLine returns the first line of path.
func firstLine(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	line, err := bufio.NewReader(io.LimitReader(f, maxKeyFile)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// readKeyFile reads path's "name: value" lines after its format line,
// which must be format. Blank lines and lines starting with '#' are
// skipped.
func readKeyFile(path, format string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) > maxKeyFile {
		return nil, fmt.Errorf("%s: not an audit key file (over %d bytes)", path, maxKeyFile)
	}
	lines := strings.Split(string(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))), "\n")
	if lines[0] != format {
		return nil, fmt.Errorf("%s: not an audit key file: the first line must be %q", path, format)
	}
	fields := map[string]string{}
	for _, l := range lines[1:] {
		if l = strings.TrimSpace(l); l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			return nil, fmt.Errorf("%s: line %q is not \"name: value\"", path, l)
		}
		fields[strings.TrimSpace(name)] = strings.TrimSpace(value)
	}
	return fields, nil
}

// keyBytes decodes the base64 field name, which must hold n bytes.
func keyBytes(fields map[string]string, name string, n int) ([]byte, error) {
	v, ok := fields[name]
	if !ok {
		return nil, fmt.Errorf("no %s line", name)
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(b) != n {
		return nil, fmt.Errorf("%s: want %d bytes in base64", name, n)
	}
	return b, nil
}
