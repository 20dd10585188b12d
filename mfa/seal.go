package mfa

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// A Keyring seals secrets at rest (TOTP secrets, in vigil.FactorStore)
// with the keys of the --secret-key-file, so that a copy of the database
// alone (a backup, a replica, a dump) gives no one a user's second factor.
//
// # The key file
//
// A text file, one key a line: an id, a space, and 32 random bytes in
// standard base64. Blank lines and lines starting with '#' are ignored.
//
//	# vigil secret keys: the first key seals, every key opens.
//	k20261201 <32 random bytes in base64: 44 characters>
//	k20260601 <the key before it>
//
// Ids are 1 to 32 letters, digits, '-' or '_', each used once. The file
// must be a regular file that others cannot read or write, and that the
// group cannot write (0600 or 0640): LoadKeyring refuses it otherwise,
// and refuses a missing file, an empty one, and a key that is not 32
// bytes. CreateKeyFile makes a new file with one key, mode 0600.
//
// # Sealing
//
// Seal encrypts with the first key, by AES-256-GCM (crypto/cipher, a
// NIST-approved AEAD) with a random 96-bit nonce, and binds the key's id
// and the caller's context (the row the value belongs to: TOTPContext for
// a user's TOTP secret) as associated data: a sealed value copied to
// another user's row, or relabelled with another key's id, does not open.
// A sealed value is text, "v1:" + key id + ":" + base64url(nonce ‖
// ciphertext ‖ tag), so that an operator can count the rows still sealed
// with an old key (WHERE secret LIKE 'v1:k20260601:%'). Random 96-bit
// nonces are safe for 2^32 seals per key (NIST SP 800-38D §8.3), far
// beyond the enrolments of any deployment.
//
// # Rotating a key
//
//  1. Add a new key at the end of the file on every instance (AddKey with
//     first false) and restart them: every instance can now open what
//     the new key seals, and still seals with the old one.
//  2. Move the new key to the first line on every instance (AddKey with
//     first true does steps 1 and 2 at once on a single instance) and
//     restart them: new secrets are sealed with it.
//  3. Re-seal what the old key sealed: Keyring.Stale tells which values
//     those are; the sign-in flow re-seals a TOTP secret when it is used
//     (vigil.FactorStore.ResealTOTP, which replaces only the value it
//     read), and a command can re-seal the rest.
//  4. When no row names the old key's id, remove its line.
//
// Losing every key that sealed a secret loses that secret: its user must
// enrol again (an administrator resets their factors). Keep the key file
// in the backups of the configuration, never with the database's.
type Keyring struct {
	keys []sealKey // the first seals
}

// sealKey is one key of a Keyring.
type sealKey struct {
	id   string
	aead cipher.AEAD
}

// KeyBytes is the size of a key: AES-256.
const KeyBytes = 32

// maxKeyFile bounds the key file's size: a few keys of some 60 bytes.
const maxKeyFile = 64 << 10

// Errors of Open.
var (
	// ErrUnknownKey: the value was sealed with a key the file no longer
	// (or never) had.
	ErrUnknownKey = errors.New("mfa: sealed with a key not in the secret key file")
	// ErrNotSealed: the value is not a sealed value, or it was changed, or
	// it belongs to another context (another row).
	ErrNotSealed = errors.New("mfa: not a sealed value of this context, or altered")
)

// sealVersion prefixes every sealed value.
const sealVersion = "v1"

// LoadKeyring reads the key file at path (see Keyring). Its errors name
// the path and say what is wrong: missing, not a regular file, readable or
// writable by others, empty, or a line it cannot parse.
func LoadKeyring(path string) (*Keyring, error) {
	if path == "" {
		return nil, errors.New("mfa: no secret key file given")
	}
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("mfa: secret key file %s does not exist; create one with a new key first: %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("mfa: secret key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("mfa: secret key file %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); runtime.GOOS != "windows" && perm&0o027 != 0 {
		return nil, fmt.Errorf("mfa: secret key file %s has mode %04o: others may read or write it, or the group write it; chmod 600 it", path, perm)
	}
	if fi.Size() > maxKeyFile {
		return nil, fmt.Errorf("mfa: secret key file %s is %d bytes, more than a key file's %d", path, fi.Size(), maxKeyFile)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("mfa: secret key file: %w", err)
	}
	k, err := ParseKeyring(data)
	if err != nil {
		return nil, fmt.Errorf("mfa: secret key file %s: %w", path, err)
	}
	return k, nil
}

// ParseKeyring reads a key file's contents (see Keyring).
func ParseKeyring(data []byte) (*Keyring, error) {
	k := &Keyring{}
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			return nil, fmt.Errorf("line %d: want a key id, a space and the key in base64", n)
		}
		id, enc := fields[0], fields[1]
		if !validKeyID(id) {
			return nil, fmt.Errorf("line %d: a key id is 1 to 32 letters, digits, '-' or '_'", n)
		}
		if seen[id] {
			return nil, fmt.Errorf("line %d: key id %s is used twice", n, id)
		}
		seen[id] = true
		key, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			return nil, fmt.Errorf("line %d: key %s is not base64", n, id)
		}
		if len(key) != KeyBytes {
			return nil, fmt.Errorf("line %d: key %s has %d bytes, want %d", n, id, len(key), KeyBytes)
		}
		aead, err := newAEAD(key)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		k.keys = append(k.keys, sealKey{id: id, aead: aead})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(k.keys) == 0 {
		return nil, errors.New("holds no key")
	}
	return k, nil
}

// newAEAD returns AES-256-GCM with random nonces for key.
func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCMWithRandomNonce(block)
}

// validKeyID reports whether id can name a key.
func validKeyID(id string) bool {
	if id == "" || len(id) > 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// TOTPContext is the context a user's TOTP secret is sealed in: the row
// it belongs to.
func TOTPContext(userID int64) string { return "totp/user/" + strconv.FormatInt(userID, 10) }

// additional returns the associated data of a value sealed with key id in
// context.
func additional(id, context string) []byte {
	return []byte("vigil sealed " + sealVersion + "\x00" + id + "\x00" + context)
}

// KeyID returns the id of the key that seals.
func (k *Keyring) KeyID() string { return k.keys[0].id }

// Seal encrypts plain for context with the first key (see Keyring).
func (k *Keyring) Seal(plain []byte, context string) string {
	key := k.keys[0]
	ct := key.aead.Seal(nil, nil, plain, additional(key.id, context))
	return sealVersion + ":" + key.id + ":" + base64.RawURLEncoding.EncodeToString(ct)
}

// Open decrypts a value Seal returned for the same context, with whichever
// key of the ring sealed it. ErrUnknownKey if the ring has no key of the
// value's id; ErrNotSealed if the value is malformed, altered, or sealed
// for another context.
func (k *Keyring) Open(sealed, context string) ([]byte, error) {
	id, ct, ok := parseSealed(sealed)
	if !ok {
		return nil, ErrNotSealed
	}
	for _, key := range k.keys {
		if key.id != id {
			continue
		}
		plain, err := key.aead.Open(nil, nil, ct, additional(id, context))
		if err != nil {
			return nil, ErrNotSealed
		}
		return plain, nil
	}
	return nil, ErrUnknownKey
}

// Stale reports whether sealed was sealed with a key other than the one
// that seals now (or is no sealed value): the caller re-seals it (Open,
// then Seal) during a rotation.
func (k *Keyring) Stale(sealed string) bool {
	id, _, ok := parseSealed(sealed)
	return !ok || id != k.KeyID()
}

// parseSealed splits a sealed value into its key id and ciphertext.
func parseSealed(sealed string) (string, []byte, bool) {
	version, rest, ok := strings.Cut(sealed, ":")
	if !ok || version != sealVersion {
		return "", nil, false
	}
	id, enc, ok := strings.Cut(rest, ":")
	if !ok || !validKeyID(id) {
		return "", nil, false
	}
	ct, err := base64.RawURLEncoding.Strict().DecodeString(enc)
	if err != nil {
		return "", nil, false
	}
	return id, ct, true
}

// keyLine returns a key file's line for a new key named id.
func keyLine(id string) (string, error) {
	if !validKeyID(id) {
		return "", fmt.Errorf("mfa: key id %q: a key id is 1 to 32 letters, digits, '-' or '_'", id)
	}
	key := make([]byte, KeyBytes)
	rand.Read(key) // never returns an error (Go 1.24+ crypto/rand)
	return id + " " + base64.StdEncoding.EncodeToString(key) + "\n", nil
}

// keyFileHeader opens every key file written here.
const keyFileHeader = "# vigil secret keys (--secret-key-file): the first key seals, every key opens.\n" +
	"# One key a line: an id and 32 random bytes in base64. Keep this file mode 0600.\n"

// CreateKeyFile creates a key file at path holding one new key named id,
// with mode 0600. It never overwrites: an existing path is an error
// (wrapping fs.ErrExist).
func CreateKeyFile(path, id string) error {
	line, err := keyLine(id)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("mfa: creating the secret key file: %w", err)
	}
	_, err = f.WriteString(keyFileHeader + line)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("mfa: writing the secret key file: %w", err)
	}
	return nil
}

// AddKey adds a new key named id to the key file at path: first (it seals
// from the next start on) or last (it only opens, step 1 of a rotation; see
// Keyring). The file must load (LoadKeyring) and must not have the id
// already. It is replaced whole (a new file, renamed over it), mode 0600,
// so a crash leaves the old file or the new one, never half of one.
func AddKey(path, id string, first bool) error {
	if _, err := LoadKeyring(path); err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("mfa: secret key file: %w", err)
	}
	line, err := keyLine(id)
	if err != nil {
		return err
	}
	text := string(data)
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	if first {
		text = insertFirst(text, line)
	} else {
		text += line
	}
	if _, err := ParseKeyring([]byte(text)); err != nil {
		return fmt.Errorf("mfa: adding key %s: %w", id, err)
	}
	return replaceFile(path, text)
}

// insertFirst inserts line before the first key line of text (after its
// leading comments).
func insertFirst(text, line string) string {
	at := 0
	for at < len(text) {
		end := len(text)
		if nl := strings.IndexByte(text[at:], '\n'); nl >= 0 {
			end = at + nl + 1
		}
		l := strings.TrimSpace(text[at:end])
		if l != "" && !strings.HasPrefix(l, "#") {
			break
		}
		at = end
	}
	return text[:at] + line + text[at:]
}

// replaceFile writes text to a new file beside path, mode 0600, and
// renames it over path.
func replaceFile(path, text string) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".vigil-keys-*")
	if err != nil {
		return fmt.Errorf("mfa: replacing the secret key file: %w", err)
	}
	tmp := f.Name()
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.WriteString(text)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("mfa: replacing the secret key file: %w", err)
	}
	return nil
}
