package password

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// vector is a password hash made by the library that writes its format
// (testdata/legacy_vectors.py).
type vector struct {
	Format, Password, Hash, Lib string
}

// formats are the names Identify gives, one per format.
var formats = []string{
	"argon2id", "argon2i", "bcrypt",
	"werkzeug-pbkdf2-sha1", "werkzeug-pbkdf2-sha256", "werkzeug-pbkdf2-sha512", "werkzeug-scrypt",
	"django-pbkdf2-sha256", "django-pbkdf2-sha1",
	"passlib-pbkdf2-sha256", "passlib-pbkdf2-sha512", "passlib-pbkdf2-sha1",
	"salted-sha256",
}

func readVectors(t testing.TB, r io.Reader) []vector {
	t.Helper()
	var vs []vector
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var v vector
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("vector %q: %v", sc.Text(), err)
		}
		vs = append(vs, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return vs
}

func committedVectors(t testing.TB) []vector {
	t.Helper()
	f, err := os.Open("testdata/legacy_vectors.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return readVectors(t, f)
}

// TestLegacyVectors verifies the committed hashes, made by Werkzeug 2.2
// and 3.1, bcrypt, passlib (its own pbkdf2 and Django's), argon2-cffi and
// hashlib: every format, $2a$, $2b$ and $2y$, non-ASCII passwords,
// passwords NFKC changes, the empty password and empty salts.
func TestLegacyVectors(t *testing.T) {
	vs := committedVectors(t)
	seen := map[string]bool{}
	for _, v := range vs {
		seen[v.Format] = true
		for _, p := range []string{"$2a$", "$2b$", "$2y$", "$$", "pbkdf2$", "pbkdf2:sha256$", "scrypt:32768:8:1$"} {
			if strings.HasPrefix(v.Hash, p) || (p == "$$" && strings.Contains(v.Hash, p)) {
				seen[p] = true
			}
		}
		if Normalize(v.Password) != v.Password {
			seen["not NFKC"] = true
		}
		if strings.Contains(v.Lib, "werkzeug 3.") {
			seen["werkzeug 3"] = true
		}
	}
	for _, want := range append(slices.Clone(formats), "$2a$", "$2b$", "$2y$", "$$", "pbkdf2$",
		"pbkdf2:sha256$", "scrypt:32768:8:1$", "not NFKC", "werkzeug 3") {
		if !seen[want] {
			t.Errorf("no vector for %s", want)
		}
	}
	checkVectors(t, vs)
}

// TestLegacyVectorsFresh has the libraries make new hashes, with new
// salts, and verifies them: Debian's /usr/bin/python3 with
// python3-werkzeug, python3-bcrypt and python3-passlib (and python3-argon2
// for argon2), as .ci/run installs them.
func TestLegacyVectorsFresh(t *testing.T) {
	const python = "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Skipf("%s not found: the committed vectors alone are verified (TestLegacyVectors)", python)
	}
	cmd := exec.Command(python, "testdata/legacy_vectors.py")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) && ee.ExitCode() == 3 {
		t.Skipf("the Python libraries are not installed (apt-get install python3-werkzeug python3-bcrypt python3-passlib python3-argon2): %s", stderr.String())
	}
	if err != nil {
		t.Fatalf("legacy_vectors.py: %v\n%s", err, stderr.String())
	}
	vs := readVectors(t, bytes.NewReader(out))
	if len(vs) < 50 {
		t.Fatalf("only %d vectors made:\n%s", len(vs), stderr.String())
	}
	t.Logf("%d fresh vectors; left out:\n%s", len(vs), stderr.String())
	checkVectors(t, vs)
}

// checkVectors verifies each vector: Identify names its format, the right
// password matches and is reported for a rehash, and wrong ones (changed
// within the first 72 bytes, which bcrypt reads) do not match. A vector at
// a library's default cost (up to seconds under the race detector) gets
// the right password only: a wrong one costs the same, and the format's
// cheap vectors try wrong ones.
func checkVectors(t *testing.T, vs []vector) {
	h := NewHasher(cheap, 0)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i, v := range vs {
		wg.Go(func() {
			if got, err := Identify(v.Hash); got != v.Format || err != nil {
				t.Errorf("vector %d (%s): Identify(%q) = %q, %v; want %q", i, v.Lib, v.Hash, got, err, v.Format)
				return
			}
			ok, rehash, err := h.Verify(ctx, v.Password, v.Hash)
			if !ok || !rehash || err != nil {
				t.Errorf("vector %d (%s): Verify(%q, %q) = %v, %v, %v; want true, true, nil", i, v.Lib, v.Password, v.Hash, ok, rehash, err)
			}
			if sh, _ := parseStored(v.Hash); sh.work() > 100*time.Millisecond {
				return
			}
			for _, wrong := range wrongPasswords(v.Password) {
				if ok, rehash, err := h.Verify(ctx, wrong, v.Hash); ok || rehash || err != nil {
					t.Errorf("vector %d (%s): Verify(wrong %q, %q) = %v, %v, %v; want false, false, nil", i, v.Lib, wrong, v.Hash, ok, rehash, err)
				}
			}
		})
	}
	wg.Wait()
}

// wrongPasswords are near misses of pw: a letter before it, and it
// without its first character.
func wrongPasswords(pw string) []string {
	wrong := []string{"X" + pw}
	if pw != "" {
		_, n := utf8.DecodeRuneInString(pw)
		wrong = append(wrong, pw[n:])
	}
	return wrong
}
