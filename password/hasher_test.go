package password

import (
	"context"
	"errors"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// cheap keeps the tests fast under -race; production uses DefaultParams.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// Vectors from the reference implementation's src/test.c (argon2id, v=19,
// password "password", salt "somesalt").
var referenceVectors = []string{
	"$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
	"$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc",
}

func TestDefaultParamsMeetOWASPMinimum(t *testing.T) {
	p := DefaultParams()
	if p.Memory < 19456 || p.Time < 2 || p.Threads < 1 || p.SaltLen < 16 || p.KeyLen < 32 {
		t.Fatalf("DefaultParams() = %+v, below the OWASP minimum", p)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	got := encodePHC(p, make([]byte, 16), make([]byte, 32))
	if !strings.HasPrefix(got, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("PHC string %q does not start with the reference prefix", got)
	}
}

func TestHashVerifyRoundTrip(t *testing.T) {
	h := NewHasher(cheap, 0)
	ctx := context.Background()
	phc, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	format := regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !format.MatchString(phc) {
		t.Fatalf("Hash = %q, not in the reference PHC format", phc)
	}
	ok, rehash, err := h.Verify(ctx, "correct horse battery staple", phc)
	if !ok || rehash || err != nil {
		t.Fatalf("Verify(right password) = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
	again, _ := h.Hash(ctx, "correct horse battery staple")
	if again == phc {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
}

func TestVerifyWrongPassword(t *testing.T) {
	h := NewHasher(cheap, 0)
	phc, _ := h.Hash(context.Background(), "correct horse battery staple")
	for _, pw := range []string{"correct horse battery stapl", "Correct horse battery staple", ""} {
		ok, rehash, err := h.Verify(context.Background(), pw, phc)
		if ok || rehash || err != nil {
			t.Errorf("Verify(%q) = %v, %v, %v; want false, false, nil", pw, ok, rehash, err)
		}
	}
}

func TestVerifyReferenceVectors(t *testing.T) {
	h := NewHasher(cheap, 0)
	for _, v := range referenceVectors {
		ok, rehash, err := h.Verify(context.Background(), "password", v)
		if !ok || !rehash || err != nil {
			t.Errorf("Verify(password, %s) = %v, %v, %v; want true, true, nil", v, ok, rehash, err)
		}
		if ok, _, _ := h.Verify(context.Background(), "passwore", v); ok {
			t.Errorf("Verify(passwore, %s) = true", v)
		}
		p, salt, key, err := decodePHC(v)
		if err != nil || encodePHC(p, salt, key) != v {
			t.Errorf("re-encoding %s gives %q (err %v)", v, encodePHC(p, salt, key), err)
		}
	}
}

func TestVerifyRehashWhenParamsDiffer(t *testing.T) {
	ctx := context.Background()
	old := NewHasher(cheap, 0)
	phc, _ := old.Hash(ctx, "correct horse battery staple")
	stronger := cheap
	stronger.Time = 2
	for _, p := range []Params{stronger, {Memory: 128, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 16}} {
		ok, rehash, err := NewHasher(p, 0).Verify(ctx, "correct horse battery staple", phc)
		if !ok || !rehash || err != nil {
			t.Errorf("params %+v: Verify = %v, %v, %v; want true, true, nil", p, ok, rehash, err)
		}
		ok, rehash, _ = NewHasher(p, 0).Verify(ctx, "wrong", phc)
		if ok || rehash {
			t.Errorf("params %+v: Verify(wrong) = %v, %v; want false, false", p, ok, rehash)
		}
	}
}

func TestVerifyNormalizesUnicode(t *testing.T) {
	h := NewHasher(cheap, 0)
	ctx := context.Background()
	cases := []struct{ stored, typed string }{
		{"\ufb01nancial report", "financial report"},              // "ﬁ" ligature
		{"pin １２３４ blue", "pin 1234 blue"},                        // fullwidth digits
		{"caf\u00e9 au lait", "cafe\u0301 au lait"},               // composed vs combining accent
		{"ＡＢＣ horse", "ABC horse"},                                // fullwidth letters
		{"r\u00e9sum\u00e9", "re\u0301sume\u0301"},                // both ways round
		{"cafe\u0301 au lait", "caf\u00e9 au lait"},               // decomposed stored
		{"\u2163 kings", "IV kings"},                              // Roman numeral four
		{"\u00bd cup", "1\u20442 cup"},                            // vulgar fraction
		{"\u212b ring", "\u00c5 ring"},                            // Angstrom sign
		{"x\u00a0y non-breaking space", "x y non-breaking space"}, // NBSP
	}
	for _, c := range cases {
		phc, err := h.Hash(ctx, c.stored)
		if err != nil {
			t.Fatal(err)
		}
		if ok, _, err := h.Verify(ctx, c.typed, phc); !ok || err != nil {
			t.Errorf("hash of %q does not verify %q (err %v)", c.stored, c.typed, err)
		}
	}
}

func TestNormalize(t *testing.T) {
	if got := Normalize("\ufb01 １２３ e\u0301"); got != "fi 123 \u00e9" {
		t.Fatalf("Normalize = %q", got)
	}
}

func TestVerifyMalformed(t *testing.T) {
	const salt, key = "c29tZXNhbHQ", "nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"
	valid := "$argon2id$v=19$m=256,t=2,p=1$" + salt + "$" + key
	withParams := func(p string) string { return "$argon2id$v=19$" + p + "$" + salt + "$" + key }
	cases := []struct {
		name, phc string
		want      error
	}{
		{"empty", "", ErrUnsupportedHash},
		{"plain text", "password", ErrUnsupportedHash},
		{"only dollars", "$$$$$", ErrUnsupportedHash},
		{"no leading dollar", valid[1:], ErrUnsupportedHash},
		{"trailing dollar", valid + "$", ErrMalformedHash},
		{"argon2d", strings.Replace(valid, "argon2id", "argon2d", 1), ErrUnsupportedHash},
		{"argon2i version 16", strings.Replace(strings.Replace(valid, "argon2id", "argon2i", 1), "v=19", "v=16", 1), ErrUnsupportedHash},
		{"upper-case algorithm", strings.Replace(valid, "argon2id", "ARGON2ID", 1), ErrUnsupportedHash},
		{"version 16", strings.Replace(valid, "v=19", "v=16", 1), ErrUnsupportedHash},
		{"version 019", strings.Replace(valid, "v=19", "v=019", 1), ErrUnsupportedHash},
		{"missing version", "$argon2id$m=256,t=2,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"missing hash", "$argon2id$v=19$m=256,t=2,p=1$" + salt, ErrMalformedHash},
		{"missing salt and hash", "$argon2id$v=19$m=256,t=2,p=1", ErrMalformedHash},
		{"missing params", "$argon2id$v=19$" + salt + "$" + key, ErrMalformedHash},
		{"empty salt", "$argon2id$v=19$m=256,t=2,p=1$$" + key, ErrMalformedHash},
		{"empty hash", "$argon2id$v=19$m=256,t=2,p=1$" + salt + "$", ErrMalformedHash},
		{"bad base64 salt", "$argon2id$v=19$m=256,t=2,p=1$c29t*XNhbHQ$" + key, ErrMalformedHash},
		{"bad base64 hash", "$argon2id$v=19$m=256,t=2,p=1$" + salt + "$nf65EOgLrQMR/uIPnA4r!sF5h7TKyQwu9U1bMCHGi/4", ErrMalformedHash},
		{"padded base64", valid + "=", ErrMalformedHash},
		{"url base64", strings.Replace(valid, "/", "_", 1), ErrMalformedHash},
		{"line break in base64", "$argon2id$v=19$m=256,t=2,p=1$c29tZX\nNhbHQ$" + key, ErrMalformedHash},
		{"carriage return in hash", "$argon2id$v=19$m=256,t=2,p=1$" + salt + "$" + key + "\r", ErrMalformedHash},
		{"non-canonical base64", "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHR$" + key, ErrMalformedHash},
		{"params reordered", withParams("t=2,m=256,p=1"), ErrMalformedHash},
		{"params missing one", withParams("m=256,t=2"), ErrMalformedHash},
		{"params extra", withParams("m=256,t=2,p=1,x=1"), ErrMalformedHash},
		{"params spaces", withParams("m=256, t=2, p=1"), ErrMalformedHash},
		{"params leading zero", withParams("m=0256,t=2,p=1"), ErrMalformedHash},
		{"params sign", withParams("m=+256,t=2,p=1"), ErrMalformedHash},
		{"params negative", withParams("m=-256,t=2,p=1"), ErrMalformedHash},
		{"params hex", withParams("m=0x100,t=2,p=1"), ErrMalformedHash},
		{"params empty value", withParams("m=,t=2,p=1"), ErrMalformedHash},
		{"memory zero", withParams("m=0,t=2,p=1"), ErrMalformedHash},
		{"memory below 8 per lane", withParams("m=16,t=2,p=4"), ErrMalformedHash},
		{"memory 4 GiB", withParams("m=4294967295,t=2,p=1"), ErrMalformedHash},
		{"memory overflows uint32", withParams("m=4294967296,t=2,p=1"), ErrMalformedHash},
		{"memory huge", withParams("m=99999999999999999999999,t=2,p=1"), ErrMalformedHash},
		{"time zero", withParams("m=256,t=0,p=1"), ErrMalformedHash},
		{"time absurd", withParams("m=256,t=1000000,p=1"), ErrMalformedHash},
		{"memory × time above 2 GiB", withParams("m=1048576,t=3,p=1"), ErrMalformedHash},
		{"lanes zero", withParams("m=256,t=2,p=0"), ErrMalformedHash},
		{"lanes 255", withParams("m=4096,t=2,p=255"), ErrMalformedHash},
		{"lanes overflow uint8", withParams("m=4096,t=2,p=257"), ErrMalformedHash},
		{"salt too short", "$argon2id$v=19$m=256,t=2,p=1$c29tZQ$" + key, ErrMalformedHash},
		{"salt too long", "$argon2id$v=19$m=256,t=2,p=1$" + strings.Repeat("AAAA", 30) + "$" + key, ErrMalformedHash},
		{"hash too short", "$argon2id$v=19$m=256,t=2,p=1$" + salt + "$AAAAAAAAAAA", ErrMalformedHash},
		{"hash too long", "$argon2id$v=19$m=256,t=2,p=1$" + salt + "$" + strings.Repeat("AAAA", 50), ErrMalformedHash},
		{"string too long", valid + strings.Repeat("A", 600), ErrMalformedHash},
	}
	h := NewHasher(cheap, 0)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ok, rehash, err := h.Verify(context.Background(), "password", c.phc)
			if ok || rehash || !errors.Is(err, c.want) {
				t.Fatalf("Verify = %v, %v, %v; want false, false, %v", ok, rehash, err, c.want)
			}
		})
	}
	if ok, _, err := h.Verify(context.Background(), "password", valid); !ok || err != nil {
		t.Fatalf("the valid base string does not verify: %v, %v", ok, err)
	}
}

func TestNewHasherRejectsInvalidParams(t *testing.T) {
	for _, p := range []Params{
		{},
		{Memory: 64, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 0, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 16, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 8},
		{Memory: 1 << 22, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 1 << 20, Time: 3, Threads: 1, SaltLen: 16, KeyLen: 32},
	} {
		if err := p.Validate(); !errors.Is(err, ErrInvalidParams) {
			t.Errorf("Validate(%+v) = %v; want ErrInvalidParams", p, err)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewHasher(%+v) did not panic", p)
				}
			}()
			NewHasher(p, 1)
		}()
	}
}

func TestNewHasherDefaultConcurrency(t *testing.T) {
	if got, want := NewHasher(cheap, 0).slots.n, runtime.GOMAXPROCS(0); got != want {
		t.Fatalf("slots = %d; want GOMAXPROCS = %d", got, want)
	}
	if got := NewHasher(cheap, 3).slots.n; got != 3 {
		t.Fatalf("slots = %d; want 3", got)
	}
}

func TestSlotHeldCancelledContext(t *testing.T) {
	h := NewHasher(cheap, 1)
	phc, _ := h.Hash(context.Background(), "correct horse battery staple")
	_ = h.slots.acquire(context.Background()) // another computation holds the only slot
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "pw"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Hash = %v; want context.Canceled", err)
	}
	if ok, _, err := h.Verify(ctx, "correct horse battery staple", phc); ok || !errors.Is(err, context.Canceled) {
		t.Fatalf("Verify = %v, %v; want false, context.Canceled", ok, err)
	}
	h.VerifyDummy(ctx, "pw") // returns instead of waiting for the slot
	h.slots.release()
}

func TestCancelledContextComputesNothingEvenWithFreeSlot(t *testing.T) {
	h := NewHasher(cheap, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "pw"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Hash = %v; want context.Canceled", err)
	}
}

func TestWaitingHashCancelledWhileWaiting(t *testing.T) {
	h := NewHasher(cheap, 1)
	_ = h.slots.acquire(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := h.Hash(ctx, "pw")
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Hash = %v; want context.Canceled", err)
	}
	h.slots.release()
}

func TestWaitingHashRunsWhenSlotFrees(t *testing.T) {
	h := NewHasher(cheap, 1)
	_ = h.slots.acquire(context.Background())
	done := make(chan error)
	go func() {
		_, err := h.Hash(context.Background(), "pw")
		done <- err
	}()
	h.slots.release() // the holder finishes
	if err := <-done; err != nil {
		t.Fatalf("Hash = %v", err)
	}
	if n, _ := h.Running(); n != 0 {
		t.Fatalf("%d slots still taken after all work ended", n)
	}
}

func TestConcurrentUse(t *testing.T) {
	h := NewHasher(cheap, 2)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			pw := strings.Repeat("x", i+1)
			phc, err := h.Hash(context.Background(), pw)
			if err != nil {
				t.Error(err)
				return
			}
			if ok, _, err := h.Verify(context.Background(), pw, phc); !ok || err != nil {
				t.Errorf("Verify = %v, %v", ok, err)
			}
			h.VerifyDummy(context.Background(), pw)
		})
	}
	wg.Wait()
	if n, _ := h.Running(); n != 0 {
		t.Fatalf("%d slots still taken after all work ended", n)
	}
}

func TestVerifyDummyUsesCurrentParams(t *testing.T) {
	h := NewHasher(cheap, 1)
	p, _, _, err := decodePHC(h.dummy)
	if err != nil || p != h.Params() {
		t.Fatalf("dummy hash params = %+v, %v; want %+v", p, err, h.Params())
	}
	for _, pw := range []string{"", "password", "correct horse battery staple"} {
		if ok, _, _ := h.Verify(context.Background(), pw, h.dummy); ok {
			t.Fatalf("the dummy hash matches %q", pw)
		}
		h.VerifyDummy(context.Background(), pw)
	}
	if other := NewHasher(cheap, 1); other.dummy == h.dummy {
		t.Fatal("two hashers share a dummy hash")
	}
}

func TestParams(t *testing.T) {
	if got := NewHasher(cheap, 1).Params(); got != cheap {
		t.Fatalf("Params() = %+v; want %+v", got, cheap)
	}
}
