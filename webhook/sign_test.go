package webhook

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The Standard Webhooks specification's test vector, which its reference
// libraries check (standard-webhooks/standard-webhooks, libraries' tests).
const (
	vectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorUnix   = 1614265330
	vectorBody   = `{"test": 2432232314}`
	vectorSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func mustSecret(t *testing.T, s string) Secret {
	t.Helper()
	k, err := ParseSecret(s)
	if err != nil {
		t.Fatalf("ParseSecret(%q): %v", s, err)
	}
	return k
}

func TestSignMatchesTheSpecVector(t *testing.T) {
	k := mustSecret(t, vectorSecret)
	if got := Sign([]Secret{k}, vectorID, time.Unix(vectorUnix, 0), []byte(vectorBody)); got != vectorSig {
		t.Errorf("Sign = %q, want %q", got, vectorSig)
	}
	if _, err := ParseSecret(strings.TrimPrefix(vectorSecret, "whsec_")); err != nil {
		t.Errorf("a secret without its prefix: %v", err)
	}
}

func TestVerify(t *testing.T) {
	k := mustSecret(t, vectorSecret)
	old := mustSecret(t, NewSecret())
	at := time.Unix(vectorUnix, 0)
	headers := func(sig string) http.Header {
		h := http.Header{}
		h.Set(HeaderID, vectorID)
		h.Set(HeaderTimestamp, "1614265330")
		h.Set(HeaderSignature, sig)
		return h
	}
	both := Sign([]Secret{old, k}, vectorID, at, []byte(vectorBody))
	if n := len(strings.Fields(both)); n != 2 {
		t.Fatalf("two secrets gave %d signatures: %q", n, both)
	}
	cases := []struct {
		name    string
		secrets []Secret
		h       http.Header
		body    string
		now     time.Time
		want    error
	}{
		{"the vector", []Secret{k}, headers(vectorSig), vectorBody, at, nil},
		{"4 minutes late", []Secret{k}, headers(vectorSig), vectorBody, at.Add(4 * time.Minute), nil},
		{"6 minutes late", []Secret{k}, headers(vectorSig), vectorBody, at.Add(6 * time.Minute), ErrTimestamp},
		{"6 minutes early", []Secret{k}, headers(vectorSig), vectorBody, at.Add(-6 * time.Minute), ErrTimestamp},
		{"another body", []Secret{k}, headers(vectorSig), `{"test": 2432232315}`, at, ErrSignature},
		{"another secret", []Secret{old}, headers(vectorSig), vectorBody, at, ErrSignature},
		{"rotation: either secret", []Secret{k}, headers(both), vectorBody, at, nil},
		{"rotation: the old one", []Secret{old}, headers(both), vectorBody, at, nil},
		{"a v1a signature first", []Secret{k}, headers("v1a,AAAA " + vectorSig), vectorBody, at, nil},
		{"garbage", []Secret{k}, headers("v1,not-base64!"), vectorBody, at, ErrSignature},
		{"no headers", []Secret{k}, http.Header{}, vectorBody, at, ErrNoHeaders},
	}
	for _, c := range cases {
		if err := Verify(c.secrets, c.h, []byte(c.body), c.now); !errors.Is(err, c.want) {
			t.Errorf("%s: Verify = %v, want %v", c.name, err, c.want)
		}
	}
}

func TestParseSecretRefuses(t *testing.T) {
	for _, s := range []string{"", "whsec_", "whsec_c2hvcnQ=", "whsec_not base64!", "whsec_" + strings.Repeat("QUFB", 30)} {
		if _, err := ParseSecret(s); !errors.Is(err, ErrBadSecret) {
			t.Errorf("ParseSecret(%q) = %v, want ErrBadSecret", s, err)
		}
	}
}
