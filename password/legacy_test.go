package password

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/scrypt"
)

// Hashes written here as the other systems write them, for the cases the
// Python libraries do not cover and for the benchmarks (at their default
// costs). TestLegacyVectors checks the formats themselves against the
// libraries.

func werkzeugPBKDF2(pw, salt, method string, iterations int) string {
	newHash, size := sha256.New, sha256.Size
	if strings.Contains(method, "sha512") {
		newHash, size = sha512.New, sha512.Size
	}
	key, _ := pbkdf2.Key(newHash, pw, []byte(salt), iterations, size)
	return method + "$" + salt + "$" + hex.EncodeToString(key)
}

func werkzeugScrypt(pw, salt string, n, r, p int) string {
	key, _ := scrypt.Key([]byte(pw), []byte(salt), n, r, p, 64)
	return fmt.Sprintf("scrypt:%d:%d:%d$%s$%x", n, r, p, salt, key)
}

func djangoPBKDF2(pw, salt string, iterations int) string {
	key, _ := pbkdf2.Key(sha256.New, pw, []byte(salt), iterations, 32)
	return fmt.Sprintf("pbkdf2_sha256$%d$%s$%s", iterations, salt, base64.StdEncoding.EncodeToString(key))
}

func passlibPBKDF2(pw string, salt []byte, iterations int) string {
	key, _ := pbkdf2.Key(sha256.New, pw, salt, iterations, 32)
	ab64 := func(b []byte) string { return strings.ReplaceAll(base64.RawStdEncoding.EncodeToString(b), "+", ".") }
	return fmt.Sprintf("$pbkdf2-sha256$%d$%s$%s", iterations, ab64(salt), ab64(key))
}

func bcryptHashOf(pw string, cost int) string {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
	if err != nil {
		panic(err)
	}
	return string(h)
}

func saltedSHA256Of(pw string, salt []byte) string {
	sum := sha256.Sum256(append(append([]byte{}, salt...), pw...))
	return fmt.Sprintf("salted-sha256$%x$%x", salt, sum)
}

func argon2iOf(pw string, p Params) string {
	salt := []byte("sixteen byte slt")
	key := argon2.Key([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return strings.Replace(encodePHC(p, salt, key), "$argon2id$", "$argon2i$", 1)
}

// TestIdentifyRefuses: a hash in no format vigil reads, or in a variant
// it cannot compute, is unsupported; one badly written or asking for
// more work than the limits is malformed; each says why.
func TestIdentifyRefuses(t *testing.T) {
	const hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	bcryptTail := "$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"
	django := djangoPBKDF2("pw", "salt", 1000)
	passlib := passlibPBKDF2("pw", []byte("salt"), 1000)
	cases := []struct {
		name, hash string
		want       error
		reason     string
	}{
		{"plain text", "hunter2", ErrUnsupportedHash, "not a format"},
		{"md5 crypt", "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/", ErrUnsupportedHash, "not a format"},
		{"Werkzeug HMAC", "sha256$salt$" + hex64, ErrUnsupportedHash, "not a format"},
		{"too long", "pbkdf2:sha256:1000$" + strings.Repeat("s", 1000) + "$" + hex64, ErrMalformedHash, "longer than 1024"},

		{"bcrypt $2x$", "$2x$10" + bcryptTail, ErrUnsupportedHash, "$2a$, $2b$, $2y$"},
		{"bcrypt $2$", "$2$10" + bcryptTail, ErrUnsupportedHash, "$2a$"},
		{"bcrypt cost 17", "$2b$17" + bcryptTail, ErrMalformedHash, "not in [04, 16]"},
		{"bcrypt cost 31", "$2b$31" + bcryptTail, ErrMalformedHash, "not in [04, 16]"},
		{"bcrypt cost 03", "$2b$03" + bcryptTail, ErrMalformedHash, "not in"},
		{"bcrypt cost +5", "$2b$+5" + bcryptTail, ErrMalformedHash, "not in"},
		{"bcrypt short", "$2b$10" + bcryptTail[:52], ErrMalformedHash, "53 characters"},
		{"bcrypt bad character", "$2b$10" + strings.Replace(bcryptTail, "h", "!", 1), ErrMalformedHash, "bcrypt base64"},
		{"bcrypt line break", "$2b$10" + strings.Replace(bcryptTail, "h", "\n", 1), ErrMalformedHash, "bcrypt base64"},

		{"pbkdf2 iterations over the limit", werkzeugPBKDF2("pw", "salt", "pbkdf2:sha256:5000001", 1), ErrMalformedHash, "above the limit of 5000000"},
		{"pbkdf2 iterations zero", "pbkdf2:sha256:0$salt$" + hex64, ErrMalformedHash, "not a positive decimal"},
		{"pbkdf2 iterations leading zero", "pbkdf2:sha256:01000$salt$" + hex64, ErrMalformedHash, "not a positive decimal"},
		{"pbkdf2 iterations huge", "pbkdf2:sha256:99999999999999999999999$salt$" + hex64, ErrMalformedHash, "above the limit"},
		{"werkzeug md5", "pbkdf2:md5:1000$salt$0123456789abcdef0123456789abcdef", ErrUnsupportedHash, "sha1, sha256, sha512"},
		{"werkzeug upper-case hex", "pbkdf2:sha256:1000$salt$" + strings.ToUpper(hex64), ErrMalformedHash, "lower-case hex"},
		{"werkzeug short hex", "pbkdf2:sha256:1000$salt$" + hex64[:62], ErrMalformedHash, "64 lower-case hex"},
		{"werkzeug sha512 key of sha256", "pbkdf2:sha512:1000$salt$" + hex64, ErrMalformedHash, "128 lower-case hex"},
		{"werkzeug no hash", "pbkdf2:sha256:1000$salt", ErrMalformedHash, "<method>$<salt>$<hash>"},
		{"werkzeug empty count", "pbkdf2:sha256:$salt$" + hex64, ErrMalformedHash, "not a positive decimal"},
		{"werkzeug extra argument", "pbkdf2:sha256:1000:1$salt$" + hex64, ErrMalformedHash, "pbkdf2:<hash>:<iterations>"},

		{"scrypt N not a power of 2", werkzeugScrypt("pw", "salt", 1000, 8, 1), ErrMalformedHash, "power of 2"},
		{"scrypt N 1", "scrypt:1:8:1$salt$" + hex64 + hex64, ErrMalformedHash, "power of 2"},
		{"scrypt memory over the limit", "scrypt:1048576:8:1$salt$" + hex64 + hex64, ErrMalformedHash, "memory"},
		{"scrypt work over the limit", "scrypt:16384:8:64$salt$" + hex64 + hex64, ErrMalformedHash, "N·r·p"},
		{"scrypt r zero", "scrypt:16384:0:1$salt$" + hex64 + hex64, ErrMalformedHash, "positive decimal"},
		{"scrypt two parameters", "scrypt:16384:8$salt$" + hex64 + hex64, ErrMalformedHash, "scrypt:<N>:<r>:<p>"},
		{"scrypt short key", "scrypt:16384:8:1$salt$" + hex64, ErrMalformedHash, "128 lower-case hex"},

		{"django empty salt", strings.Replace(django, "$salt$", "$$", 1), ErrMalformedHash, "empty salt"},
		{"django unpadded", strings.TrimRight(django, "="), ErrMalformedHash, "padded base64"},
		{"django line break", django[:30] + "\n" + django[30:], ErrMalformedHash, "padded base64"},
		{"django sha1 key for sha256", "pbkdf2_sha256$1000$salt$E/tphNQ0LFbmV4holibeD6RyIdc=", ErrMalformedHash, "32 bytes"},
		{"django md5", strings.Replace(django, "pbkdf2_sha256", "pbkdf2_md5", 1), ErrUnsupportedHash, "pbkdf2_sha256, pbkdf2_sha1"},
		{"django missing field", "pbkdf2_sha256$1000$salt", ErrMalformedHash, "want pbkdf2_sha256$"},
		{"django iterations over the limit", strings.Replace(django, "$1000$", "$6000000$", 1), ErrMalformedHash, "above the limit"},

		{"passlib sha384", strings.Replace(passlib, "pbkdf2-sha256", "pbkdf2-sha384", 1), ErrUnsupportedHash, "pbkdf2-sha512"},
		{"passlib no checksum", passlib[:strings.LastIndexByte(passlib, '$')], ErrMalformedHash, "<checksum>"},
		{"passlib short checksum", passlib[:len(passlib)-4], ErrMalformedHash, "32 bytes"},
		{"passlib bad salt", strings.Replace(passlib, "$c2FsdA$", "$c2F*dA$", 1), ErrMalformedHash, "salt"},
		{"passlib padded", passlib + "=", ErrMalformedHash, "checksum"},
		{"passlib rounds zero", strings.Replace(passlib, "$1000$", "$0$", 1), ErrMalformedHash, "positive decimal"},

		{"salted-sha256 upper-case", "salted-sha256$AB$" + hex64, ErrMalformedHash, "lower-case hex"},
		{"salted-sha256 odd salt", "salted-sha256$abc$" + hex64, ErrMalformedHash, "lower-case hex"},
		{"salted-sha256 long salt", "salted-sha256$" + hex64 + hex64 + "00$" + hex64, ErrMalformedHash, "longer than 64"},
		{"salted-sha256 short digest", "salted-sha256$ab$" + hex64[:62], ErrMalformedHash, "64 lower-case hex"},
		{"salted-sha256 extra field", "salted-sha256$ab$" + hex64 + "$", ErrMalformedHash, "want salted-sha256$"},

		{"argon2 memory × time over the limit", "$argon2i$v=19$m=1048576,t=3,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", ErrMalformedHash, "memory × time"},
		{"argon2d", "$argon2d$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", ErrUnsupportedHash, "argon2id or argon2i"},
	}
	h := NewHasher(cheap, 1)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			format, err := Identify(c.hash)
			if format != "" || !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.reason) {
				t.Fatalf("Identify(%q) = %q, %v; want %v saying %q", c.hash, format, err, c.want, c.reason)
			}
			if ok, rehash, verr := h.Verify(context.Background(), "pw", c.hash); ok || rehash || !errors.Is(verr, c.want) {
				t.Fatalf("Verify = %v, %v, %v; want false, false, %v", ok, rehash, verr, c.want)
			}
		})
	}
}

// TestIdentifyAtTheLimits: hashes at each limit are accepted (Identify
// computes nothing).
func TestIdentifyAtTheLimits(t *testing.T) {
	const hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for hash, want := range map[string]string{
		"$2y$16$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW":                            "bcrypt",
		"$2a$04$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW":                            "bcrypt",
		"pbkdf2:sha256:5000000$salt$" + hex64:                                                     "werkzeug-pbkdf2-sha256",
		"pbkdf2:sha1$salt$" + hex64[:40]:                                                          "werkzeug-pbkdf2-sha1",
		"pbkdf2:sha512:1$$" + hex64 + hex64:                                                       "werkzeug-pbkdf2-sha512",
		"scrypt:262144:8:2$salt$" + hex64 + hex64:                                                 "werkzeug-scrypt",
		"scrypt$salt$" + hex64 + hex64:                                                            "werkzeug-scrypt",
		"pbkdf2_sha1$5000000$s$E/tphNQ0LFbmV4holibeD6RyIdc=":                                      "django-pbkdf2-sha1",
		"$pbkdf2$5000000$$drFxjrf4UptpHtrbj/Ljm/AR8aE":                                            "passlib-pbkdf2-sha1",
		"$pbkdf2$1$$drFxjrf4UptpHtrbj+Ljm/AR8aE":                                                  "passlib-pbkdf2-sha1",
		"salted-sha256$$" + hex64:                                                                 "salted-sha256",
		"salted-sha256$" + hex64 + hex64 + "$" + hex64:                                            "salted-sha256",
		"$argon2i$v=19$m=2097152,t=1,p=4$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4": "argon2i",
	} {
		if got, err := Identify(hash); got != want || err != nil {
			t.Errorf("Identify(%q) = %q, %v; want %q", hash, got, err, want)
		}
	}
}

// TestWerkzeugWithoutCount: Werkzeug checks "pbkdf2:<hash>$…" with the
// default count of its own release; each release's is accepted, and
// "pbkdf2$…" (read from 2.3 on) only with those of 2.3 and later.
func TestWerkzeugWithoutCount(t *testing.T) {
	h := NewHasher(cheap, 0)
	ctx := context.Background()
	for _, n := range []int{1_000, 50_000, 150_000} { // the others: TestLegacyVectors
		hash := strings.Replace(werkzeugPBKDF2("pw", "salt", "pbkdf2:sha512:1", n), "pbkdf2:sha512:1$", "pbkdf2:sha512$", 1)
		if ok, rehash, err := h.Verify(ctx, "pw", hash); !ok || !rehash || err != nil {
			t.Errorf("%d iterations: Verify = %v, %v, %v", n, ok, rehash, err)
		}
	}
	for _, c := range []struct {
		n    int
		want bool
	}{{260_000, false}, {600_000, true}} {
		hash := werkzeugPBKDF2("pw", "salt", "pbkdf2", c.n)
		if ok, _, err := h.Verify(ctx, "pw", hash); ok != c.want || err != nil {
			t.Errorf("pbkdf2$ with %d iterations: Verify = %v, %v; want %v", c.n, ok, err, c.want)
		}
	}
	if ok, _, _ := h.Verify(ctx, "pw", werkzeugPBKDF2("pw", "salt", "pbkdf2:sha256", 2000)); ok {
		t.Error("a count that was never a default verified")
	}
}

// TestLegacyNFKC: a hash made elsewhere is of the password as typed
// there, and is tried with it first; the NFKC form is tried too, as for
// vigil's own hashes. After the rehash, the password verifies as any
// other of vigil's.
func TestLegacyNFKC(t *testing.T) {
	h := NewHasher(cheap, 0)
	ctx := context.Background()
	const ligature, plain = "\ufb01nancial report", "financial report"
	cases := []struct {
		name, hashed, typed string
		want                bool
	}{
		{"typed as hashed, which NFKC changes", ligature, ligature, true},
		{"NFKC form of what was typed", plain, ligature, true},
		{"typed as hashed", plain, plain, true},
		// The hash is of the ligature's bytes: "financial" is another
		// password there, as it was for the system that made the hash.
		{"another password for that system", ligature, plain, false},
	}
	for _, c := range cases {
		for _, hash := range []string{werkzeugPBKDF2(c.hashed, "salt", "pbkdf2:sha256:1000", 1000),
			bcryptHashOf(c.hashed, 4), saltedSHA256Of(c.hashed, []byte("salt"))} {
			ok, rehash, err := h.Verify(ctx, c.typed, hash)
			if ok != c.want || rehash != c.want || err != nil {
				t.Errorf("%s: Verify(%q, hash of %q) = %v, %v, %v; want %v", c.name, c.typed, c.hashed, ok, rehash, err, c.want)
			}
			if !ok {
				continue
			}
			again, _ := h.Hash(ctx, c.typed)
			for _, pw := range []string{ligature, plain} {
				if ok, rehash, _ := h.Verify(ctx, pw, again); !ok || rehash {
					t.Errorf("%s: the new hash does not verify %q without a rehash: %v, %v", c.name, pw, ok, rehash)
				}
			}
		}
	}
}

// TestArgon2idTypedFormRehashed: an argon2id hash from elsewhere, with the
// hasher's own parameters but of a password NFKC changes, matches the
// password as typed and is rehashed (of its NFKC form); vigil's own hash of
// that password is not.
func TestArgon2idTypedFormRehashed(t *testing.T) {
	h := NewHasher(cheap, 0)
	ctx := context.Background()
	const typed = "cafe\u0301 noir"
	salt := []byte("sixteen byte slt")
	imported := encodePHC(cheap, salt, argon2.IDKey([]byte(typed), salt, cheap.Time, cheap.Memory, cheap.Threads, cheap.KeyLen))
	if ok, rehash, err := h.Verify(ctx, typed, imported); !ok || !rehash || err != nil {
		t.Errorf("imported argon2id: Verify = %v, %v, %v; want true, true, nil", ok, rehash, err)
	}
	own, _ := h.Hash(ctx, typed)
	if ok, rehash, err := h.Verify(ctx, typed, own); !ok || rehash || err != nil {
		t.Errorf("vigil's own: Verify = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
}

// TestArgon2iWithOtherParams: argon2i hashes verify with their own
// parameters, and are always rehashed (to argon2id).
func TestArgon2iWithOtherParams(t *testing.T) {
	h := NewHasher(cheap, 0)
	for _, p := range []Params{cheap, {Memory: 512, Time: 3, Threads: 4, KeyLen: 16}, {Memory: 96, Time: 1, Threads: 1, KeyLen: 64}} {
		hash := argon2iOf("pw", p)
		if ok, rehash, err := h.Verify(context.Background(), "pw", hash); !ok || !rehash || err != nil {
			t.Errorf("%s: Verify = %v, %v, %v; want true, true, nil", hash, ok, rehash, err)
		}
		if ok, _, _ := h.Verify(context.Background(), "pW", hash); ok {
			t.Errorf("%s: a wrong password verified", hash)
		}
	}
}

// TestBcrypt72Bytes: bcrypt reads the first 72 bytes of a password; a
// hash made by a library that cut a longer one verifies with it, and
// with any password of those 72 bytes, as it did there.
func TestBcrypt72Bytes(t *testing.T) {
	h := NewHasher(cheap, 0)
	long := strings.Repeat("0123456789", 10)
	hash := bcryptHashOf(long[:72], 4)
	for pw, want := range map[string]bool{long: true, long[:72]: true, long[:72] + "anything": true, long[:71]: false} {
		if ok, _, err := h.Verify(context.Background(), pw, hash); ok != want || err != nil {
			t.Errorf("Verify(%d bytes) = %v, %v; want %v", len(pw), ok, err, want)
		}
	}
}

// TestLegacyWaitsForASlot: a legacy hash is verified in one of the
// hasher's slots like argon2id: with every slot taken, Verify waits, and
// returns when its context ends without computing.
func TestLegacyWaitsForASlot(t *testing.T) {
	h := NewHasher(cheap, 1)
	_ = h.slots.acquire(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, _, err := h.Verify(ctx, "pw", bcryptHashOf("pw", 4))
		done <- err
	}()
	waiting(t, h.slots, 1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Verify = %v; want context.Canceled", err)
	}
	h.slots.release()
}
