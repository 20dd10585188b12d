package dbsc_test

import (
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/vigilauth/vigil/dbsc"
)

func TestNewChallenge(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		c, err := dbsc.NewChallenge()
		if err != nil {
			t.Fatal(err)
		}
		b, err := base64.RawURLEncoding.Strict().DecodeString(c)
		if err != nil || len(b) != 32 {
			t.Fatalf("challenge %q: %d bytes, %v", c, len(b), err)
		}
		if seen[c] {
			t.Fatalf("challenge %q twice", c)
		}
		seen[c] = true
	}
}

func TestRegistrationHeader(t *testing.T) {
	got := dbsc.RegistrationHeader("/auth/dbsc/start", "Zm9v-_")
	if want := `(ES256 RS256);path="/auth/dbsc/start";challenge="Zm9v-_"`; got != want {
		t.Fatalf("header %s, want %s", got, want)
	}
	regs, err := dbsc.ParseRegistrationHeader(got)
	want := []dbsc.Registration{{Algs: []string{"ES256", "RS256"}, Path: "/auth/dbsc/start", Challenge: "Zm9v-_", HasChallenge: true}}
	if err != nil || !reflect.DeepEqual(regs, want) {
		t.Fatalf("parsed %+v, %v", regs, err)
	}
	// Quotes and backslashes are escaped; bytes an sf-string cannot hold are
	// percent-encoded, so the value still parses.
	got = dbsc.RegistrationHeader("/a \"b\"\\c\n\xff", "x")
	if want := `(ES256 RS256);path="/a \"b\"\\c%0A%FF";challenge="x"`; got != want {
		t.Fatalf("escaped header %s, want %s", got, want)
	}
}

func TestChallengeHeader(t *testing.T) {
	got := dbsc.ChallengeHeader("c2", "sid")
	if want := `"c2";id="sid"`; got != want {
		t.Fatalf("header %s, want %s", got, want)
	}
	chs, err := dbsc.ParseChallengeHeader(got)
	if err != nil || !reflect.DeepEqual(chs, []dbsc.Challenge{{Challenge: "c2", SessionID: "sid"}}) {
		t.Fatalf("parsed %+v, %v", chs, err)
	}
}

// TestParseRegistrationHeader: the draft's examples and Chromium's rules.
func TestParseRegistrationHeader(t *testing.T) {
	es := []string{"ES256"}
	cases := []struct {
		in   string
		want []dbsc.Registration
	}{
		{`(ES256);path="reg";challenge="cv";authorization="ac"`,
			[]dbsc.Registration{{Algs: es, Path: "reg", Challenge: "cv", HasChallenge: true, Authorization: "ac"}}},
		{`(RS256 ES256);challenge="challenge_value";path="StartSession"`,
			[]dbsc.Registration{{Algs: []string{"RS256", "ES256"}, Path: "StartSession", Challenge: "challenge_value", HasChallenge: true}}},
		// Two offers, as one line or as repeated headers joined with ", ".
		{`(ES256);path="reg1";challenge="cv1";authorization="a", (RS256);path="reg2";challenge="cv2";authorization="b"`,
			[]dbsc.Registration{
				{Algs: es, Path: "reg1", Challenge: "cv1", HasChallenge: true, Authorization: "a"},
				{Algs: []string{"RS256"}, Path: "reg2", Challenge: "cv2", HasChallenge: true, Authorization: "b"}}},
		// Federated parameters are ignored; unknown algorithms are skipped.
		{`(ES256 EdDSA none);path="r";challenge="c";provider_key="abc";provider_session_id="id";provider_url="https://a.test";aik_required=?1`,
			[]dbsc.Registration{{Algs: es, Path: "r", Challenge: "c", HasChallenge: true}}},
		// No challenge: allowed by newer builds.
		{`(ES256);path="r"`, []dbsc.Registration{{Algs: es, Path: "r"}}},
		// Dropped: no path, a path that is a token, a challenge that is a
		// number, no known alg, a bare item instead of an inner list.
		{`(ES256);challenge="c"`, nil},
		{`(ES256);path=reg;challenge="c"`, nil},
		{`(ES256);path="r";challenge=5`, nil},
		{`(PS256);path="r";challenge="c"`, nil},
		{`ES256;path="r";challenge="c"`, nil},
		{`(ES256);path="r";authorization=?1`, nil},
		{`("ES256");path="r"`, nil},
		// One bad, one good.
		{`(ES256);path=1, (ES256);path="ok"`, []dbsc.Registration{{Algs: es, Path: "ok"}}},
	}
	for _, c := range cases {
		got, err := dbsc.ParseRegistrationHeader(c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{`(ES256`, `(ES256);path="r`, `(ES256);path="r",`, `(ES256);PATH="r"`, "(ES256);path=\"\x01\"", `(ES256) x`} {
		if got, err := dbsc.ParseRegistrationHeader(bad); err == nil {
			t.Errorf("%q parsed as %+v", bad, got)
		}
	}
}

func TestParseChallengeHeader(t *testing.T) {
	cases := []struct {
		in   string
		want []dbsc.Challenge
	}{
		{`"new challenge";id="my session"`, []dbsc.Challenge{{"new challenge", "my session"}}},
		{`"c1";id="session 1", "c2";id="session 2"`, []dbsc.Challenge{{"c1", "session 1"}, {"c2", "session 2"}}},
		{`"challenge"`, []dbsc.Challenge{{"challenge", ""}}},
		{`"c";id="s";other=1`, []dbsc.Challenge{{"c", "s"}}},
		{`"c";id=s`, nil},
		{`c;id="s"`, nil},
		{`"";id="s"`, nil},
		{`("c");id="s"`, nil},
	}
	for _, c := range cases {
		got, err := dbsc.ParseChallengeHeader(c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	if _, err := dbsc.ParseChallengeHeader(`"c`); err == nil {
		t.Error("unterminated string parsed")
	}
}

func TestParseSessionID(t *testing.T) {
	long := strings.Repeat("a", dbsc.MaxSessionIDLen)
	good := map[string]string{
		"AbC-_9":              "AbC-_9", // what Chromium sends
		`"AbC-_9"`:            "AbC-_9", // what the draft says
		`"a b\"c\\d"`:         `a b"c\d`,
		`"sid";foo=1;bar`:     "sid",
		"  sid\t":             "sid",
		` "sid" `:             "sid",
		long:                  long,
		`"` + long + `"`:      long,
		"a.b~c!d#e$f%g&h'i*j": "a.b~c!d#e$f%g&h'i*j",
	}
	for in, want := range good {
		if got, err := dbsc.ParseSessionID(in); err != nil || got != want {
			t.Errorf("ParseSessionID(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", "   ", `""`, `"`, `"sid`, `sid"`, "a b", "a,b", "a;b", `a\b`, "a\x00b", "a\x7fb", "é",
		long + "a", `"` + long + `a"`, `"sid" x`, `"sid",`, `"a` + "\x01" + `b"`, `"a\zb"`, `("sid")`, "\x00",
	} {
		if got, err := dbsc.ParseSessionID(in); !errors.Is(err, dbsc.ErrSessionID) {
			t.Errorf("ParseSessionID(%q) = %q, %v; want ErrSessionID", in, got, err)
		}
	}
}

// TestParseSessionIDAllocs: the bare form is what every refresh carries.
func TestParseSessionIDAllocs(t *testing.T) {
	v := "AbCdEfGhIjKlMnOpQrStUv"
	if n := testing.AllocsPerRun(100, func() { _, _ = dbsc.ParseSessionID(v) }); n != 0 {
		t.Fatalf("%v allocations per bare id", n)
	}
}
