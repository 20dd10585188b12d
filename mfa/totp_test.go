package mfa

import (
	"bytes"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The seeds of RFC 6238 Appendix B: the ASCII digits repeated to the
// length of each hash's output.
var (
	seed1   = []byte("12345678901234567890")
	seed256 = []byte("12345678901234567890123456789012")
	seed512 = []byte("1234567890123456789012345678901234567890123456789012345678901234")
)

// TestRFC6238Vectors checks every row of RFC 6238 Appendix B's table
// (8 digits, 30-second steps): the code, and that Verify accepts it at
// that time, returning the time's step.
func TestRFC6238Vectors(t *testing.T) {
	rows := []struct {
		unix                 int64
		step                 int64
		sha1, sha256, sha512 string
	}{
		{59, 0x1, "94287082", "46119246", "90693936"},
		{1111111109, 0x23523EC, "07081804", "68084774", "25091201"},
		{1111111111, 0x23523ED, "14050471", "67062674", "99943326"},
		{1234567890, 0x273EF07, "89005924", "91819424", "93441116"},
		{2000000000, 0x3F940AA, "69279037", "90698825", "38618901"},
		{20000000000, 0x27BC86AA, "65353130", "77737706", "47863826"},
	}
	for _, r := range rows {
		at := time.Unix(r.unix, 0)
		for _, c := range []struct {
			alg  Algorithm
			seed []byte
			want string
		}{{SHA1, seed1, r.sha1}, {SHA256, seed256, r.sha256}, {SHA512, seed512, r.sha512}} {
			p := Params{Algorithm: c.alg, Digits: 8, Period: 30}
			if got := p.Step(at); got != r.step {
				t.Errorf("Step(%d) = %#x, want %#x", r.unix, got, r.step)
			}
			if got := p.Code(c.seed, p.Step(at)); got != c.want {
				t.Errorf("%v at %d: Code = %s, want %s", c.alg, r.unix, got, c.want)
			}
			if step, err := p.Verify(c.seed, c.want, at, 0); err != nil || step != r.step {
				t.Errorf("%v at %d: Verify(%s) = %#x, %v; want %#x", c.alg, r.unix, c.want, step, err, r.step)
			}
		}
	}
}

// TestRFC4226Vectors: the HOTP values of RFC 4226 Appendix D, which TOTP's
// 6-digit SHA-1 codes are at steps 0 to 9.
func TestRFC4226Vectors(t *testing.T) {
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for i, w := range want {
		if got := TOTP.Code(seed1, int64(i)); got != w {
			t.Errorf("HOTP count %d = %s, want %s", i, got, w)
		}
	}
}

// now is a time in the middle of a step.
var now = time.Date(2026, 3, 14, 9, 26, 45, 0, time.UTC)

func TestSkew(t *testing.T) {
	cur := TOTP.Step(now)
	for d := int64(-3); d <= 3; d++ {
		code := TOTP.Code(seed1, cur+d)
		step, err := TOTP.Verify(seed1, code, now, 0)
		if d >= -Skew && d <= Skew {
			if err != nil || step != cur+d {
				t.Errorf("code of step %+d: Verify = %d, %v; want step %d", d, step, err, cur+d)
			}
		} else if !errors.Is(err, ErrInvalidCode) {
			t.Errorf("code of step %+d: Verify = %d, %v; want ErrInvalidCode", d, step, err)
		}
	}
	// A phone 29 seconds slow, at either edge of the server's step.
	start := time.Unix(cur*30, 0)
	for _, at := range []time.Time{start, start.Add(29 * time.Second)} {
		code := TOTP.Code(seed1, TOTP.Step(at.Add(-29*time.Second)))
		if _, err := TOTP.Verify(seed1, code, at, 0); err != nil {
			t.Errorf("a code 29 s old at %v: %v", at, err)
		}
	}
}

func TestReplayRefused(t *testing.T) {
	cur := TOTP.Step(now)
	code := TOTP.Code(seed1, cur)
	last, err := TOTP.Verify(seed1, code, now, 0)
	if err != nil || last != cur {
		t.Fatalf("first use: %d, %v", last, err)
	}
	if _, err := TOTP.Verify(seed1, code, now, last); !errors.Is(err, ErrReusedCode) {
		t.Errorf("second use of the code = %v, want ErrReusedCode", err)
	}
	// The previous step's code, still inside the skew, is older than the
	// last accepted one: refused too.
	if _, err := TOTP.Verify(seed1, TOTP.Code(seed1, cur-1), now, last); !errors.Is(err, ErrReusedCode) {
		t.Errorf("an earlier step's code after a later one = %v, want ErrReusedCode", err)
	}
	// The next step's code is new.
	next, err := TOTP.Verify(seed1, TOTP.Code(seed1, cur+1), now.Add(30*time.Second), last)
	if err != nil || next != cur+1 {
		t.Errorf("the next step's code = %d, %v; want %d", next, err, cur+1)
	}
	// A wrong code stays wrong, not "reused".
	if _, err := TOTP.Verify(seed1, wrong(code), now, last); !errors.Is(err, ErrInvalidCode) {
		t.Errorf("a wrong code after a use = %v, want ErrInvalidCode", err)
	}
}

// wrong returns a 6-digit code that is not code.
func wrong(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}

// TestEarliestOfTwoMatchingSteps: with RFC 6238's SHA-1 seed, steps
// 62075368 and 62075369 share the code 235522 (found by search). Verify
// takes the earlier one, so the later step's use is still open; once the
// earlier was used, the same code is accepted once more, for the later.
func TestEarliestOfTwoMatchingSteps(t *testing.T) {
	const a, b, code = 62075368, 62075369, "235522"
	if TOTP.Code(seed1, a) != code || TOTP.Code(seed1, b) != code {
		t.Fatalf("codes %s, %s; the test's premise is wrong", TOTP.Code(seed1, a), TOTP.Code(seed1, b))
	}
	at := time.Unix(b*30+10, 0)
	if step, err := TOTP.Verify(seed1, code, at, 0); err != nil || step != a {
		t.Errorf("Verify = %d, %v; want the earlier step %d", step, err, a)
	}
	if step, err := TOTP.Verify(seed1, code, at, a); err != nil || step != b {
		t.Errorf("Verify after %d = %d, %v; want %d", a, step, err, b)
	}
	if _, err := TOTP.Verify(seed1, code, at, b); !errors.Is(err, ErrReusedCode) {
		t.Errorf("Verify after %d = %v, want ErrReusedCode", b, err)
	}
}

func TestSpacesAccepted(t *testing.T) {
	code := TOTP.Code(seed1, TOTP.Step(now))
	for _, in := range []string{code[:3] + " " + code[3:], " " + code + " ", strings.Join(strings.Split(code, ""), " ")} {
		if _, err := TOTP.Verify(seed1, in, now, 0); err != nil {
			t.Errorf("Verify(%q) = %v, want accepted", in, err)
		}
	}
}

// TestBadInputRefused: anything but 6 ASCII digits (spaces aside) is
// ErrInvalidCode, without a panic.
func TestBadInputRefused(t *testing.T) {
	code := TOTP.Code(seed1, TOTP.Step(now))
	for _, in := range []string{
		"", " ", code[:5], code + "0", "0" + code, code[:5] + "a", "12345x", "+12345", "-12345",
		"１２３４５６", // fullwidth digits
		"١٢٣٤٥٦", // Arabic-Indic digits
		"۱۲۳۴۵۶", // Extended Arabic-Indic
		code[:3] + "\x00" + code[3:], code[:3] + "\t" + code[3:], code + "\n",
		strings.Repeat(code, 1000), "\xff\xfe\xfd\xfc\xfb\xfa", code[:3] + "-" + code[3:],
	} {
		if _, err := TOTP.Verify(seed1, in, now, 0); !errors.Is(err, ErrInvalidCode) {
			t.Errorf("Verify(%q) = %v, want ErrInvalidCode", in, err)
		}
	}
	if _, err := TOTP.Verify(nil, code, now, 0); !errors.Is(err, ErrInvalidCode) {
		t.Errorf("Verify with no secret = %v, want ErrInvalidCode", err)
	}
	for _, p := range []Params{{SHA1, 5, 30}, {SHA1, 9, 30}, {0, 6, 30}, {SHA1, 6, 0}, {SHA1, 6, -30}, {Algorithm(9), 6, 30}} {
		if c := p.Code(seed1, 1); c != "" {
			t.Errorf("%+v: Code = %q, want empty", p, c)
		}
		if _, err := p.Verify(seed1, "123456", now, 0); !errors.Is(err, ErrInvalidCode) {
			t.Errorf("%+v: Verify = %v, want ErrInvalidCode", p, err)
		}
		if _, err := p.URI("vigil", "alice", seed1); err == nil {
			t.Errorf("%+v: URI accepted", p)
		}
	}
}

// FuzzVerify: no input panics, and whatever is accepted is the code of the
// step returned, spaces aside.
func FuzzVerify(f *testing.F) {
	for _, s := range []string{"287082", "287 082", "١٢٣٤٥٦", "", "99999999999"} {
		f.Add(s, int64(0))
	}
	f.Fuzz(func(t *testing.T, code string, last int64) {
		at := time.Unix(45, 0) // step 1: the code 287082
		step, err := TOTP.Verify(seed1, code, at, last)
		if err != nil {
			return
		}
		if step <= last || strings.ReplaceAll(code, " ", "") != TOTP.Code(seed1, step) {
			t.Fatalf("Verify(%q, last %d) accepted step %d, whose code is %s", code, last, step, TOTP.Code(seed1, step))
		}
	})
}

func TestStepBeforeEpoch(t *testing.T) {
	if s := TOTP.Step(time.Unix(-1, 0)); s != -1 {
		t.Errorf("Step(-1 s) = %d, want -1", s)
	}
	if s := TOTP.Step(time.Unix(-30, 0)); s != -1 {
		t.Errorf("Step(-30 s) = %d, want -1", s)
	}
}

func TestNewSecret(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	if len(a) != 20 || bytes.Equal(a, b) || bytes.Equal(a, make([]byte, 20)) {
		t.Errorf("NewSecret = %x, %x; want two different 160-bit secrets", a, b)
	}
}

func TestSecretText(t *testing.T) {
	secret := []byte("12345678901234567890")
	text := SecretText(secret)
	if want := "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"; text != want {
		t.Errorf("SecretText = %q, want %q", text, want)
	}
	for _, in := range []string{text, strings.ToLower(text), strings.ReplaceAll(text, " ", ""), strings.ReplaceAll(text, " ", "-")} {
		got, err := ParseSecretText(in)
		if err != nil || !bytes.Equal(got, secret) {
			t.Errorf("ParseSecretText(%q) = %x, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "GEZD1", "ÉÉÉÉ", "GEZD GNBV GY3T QOJ!"} {
		if _, err := ParseSecretText(in); err == nil {
			t.Errorf("ParseSecretText(%q) accepted", in)
		}
	}
	if odd := SecretText([]byte("abc")); odd != "MFRG G" {
		t.Errorf("SecretText of 3 bytes = %q", odd)
	}
}

func TestURI(t *testing.T) {
	secret := []byte("Hello!\xde\xad\xbe\xef")
	got, err := TOTP.URI("ACME Co", "john.doe@email.com", secret)
	want := "otpauth://totp/ACME%20Co:john.doe@email.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30"
	if err != nil || got != want {
		t.Errorf("URI = %q, %v\nwant %q (Google's Key Uri Format example)", got, err, want)
	}

	// What an app's URI parser reads back, for names with every kind of
	// character the format must escape.
	issuer, account := "Clinique Zoë & Fils/Paris?#+%=", "dr.o'brien+test@clinic.example"
	uri, err := TOTP.URI(issuer, account, secret)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(uri, " +") {
		t.Errorf("URI %q has a raw '+' or space, which apps may read as a space", uri)
	}
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatalf("url.Parse(%q): %v", uri, err)
	}
	label := strings.TrimPrefix(u.Path, "/")
	if u.Scheme != "otpauth" || u.Host != "totp" || label != issuer+":"+account {
		t.Errorf("parsed %q: scheme %q host %q label %q", uri, u.Scheme, u.Host, label)
	}
	q := u.Query()
	if q.Get("issuer") != issuer || q.Get("secret") != "JBSWY3DPEHPK3PXP" || q.Get("digits") != "6" ||
		q.Get("period") != "30" || q.Get("algorithm") != "SHA1" {
		t.Errorf("parsed query %v", q)
	}
	if strings.Count(uri, ":") != 2 { // the scheme's and the label's separator
		t.Errorf("URI %q has a colon besides the separator", uri)
	}

	for _, c := range [][2]string{{"", "alice"}, {"vigil", ""}, {"a:b", "alice"}, {"vigil", "al:ice"},
		{"vig\nil", "alice"}, {"vigil", "alice\x00"}, {"\xff", "alice"}} {
		if _, err := TOTP.URI(c[0], c[1], secret); err == nil {
			t.Errorf("URI(%q, %q) accepted", c[0], c[1])
		}
	}
	if _, err := TOTP.URI("vigil", "alice", nil); err == nil {
		t.Error("URI with an empty secret accepted")
	}
}
