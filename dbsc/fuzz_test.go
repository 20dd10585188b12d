package dbsc_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vigilauth/vigil/dbsc"
	"github.com/vigilauth/vigil/dbsc/dbsctest"
)

// FuzzVerifyRegistration: whatever arrives as Secure-Session-Response, the
// answer is a proof or ErrMalformed/ErrSignature, never a panic; a proof has
// a challenge and a key that reads back from its stored JWK.
func FuzzVerifyRegistration(f *testing.F) {
	ec := ecKey(f)
	rs := rsaKey(f, 2048)
	es, _ := dbsctest.RegistrationProof(ec, "challenge", "")
	rsTok, _ := dbsctest.RegistrationProof(rs, "c", "auth")
	other, _ := dbsctest.SignJWT(ecKey(f), dbsctest.Obj{{"alg", "ES256"}, {"typ", "dbsc+jwt"}, {"jwk", dbsctest.PublicJWK(ec.Public())}}, dbsctest.Obj{{"jti", "c"}})
	refresh, _ := dbsctest.RefreshProof(ec, "c")
	for _, s := range []string{es, rsTok, other, refresh, "", ".", "..", "a.b.c", "eyJhbGciOiJub25lIn0.e30.",
		es[:len(es)/2], strings.Replace(es, ".", "..", 1), es + "=", "{}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		p, err := dbsc.VerifyRegistration(tok)
		if err != nil {
			if !errors.Is(err, dbsc.ErrMalformed) && !errors.Is(err, dbsc.ErrSignature) {
				t.Fatalf("error %v is neither ErrMalformed nor ErrSignature", err)
			}
			return
		}
		if len(tok) > dbsc.MaxTokenLen || p.Challenge == "" {
			t.Fatalf("accepted %q as %+v", tok, p)
		}
		k, err := dbsc.ParseKey(p.Key.JWK)
		if err != nil || !k.Equal(p.Key) {
			t.Fatalf("key %s does not read back: %v", p.Key.JWK, err)
		}
		// A registration proof is also a refresh proof for its own key.
		if q, err := dbsc.VerifyRefresh(tok, p.Key); err != nil || q.Challenge != p.Challenge {
			t.Fatalf("VerifyRefresh of a verified registration: %+v, %v", q, err)
		}
	})
}

// FuzzVerifyRefresh: the same for a refresh against a registered key.
func FuzzVerifyRefresh(f *testing.F) {
	ec := ecKey(f)
	reg, _ := dbsctest.RegistrationProof(ec, "c0", "")
	key := registerKey(f, ec)
	good, _ := dbsctest.RefreshProof(ec, "c1")
	other, _ := dbsctest.RefreshProof(ecKey(f), "c1")
	for _, s := range []string{good, other, reg, "", "a.b.c", good + "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		q, err := dbsc.VerifyRefresh(tok, key)
		if err != nil {
			if !errors.Is(err, dbsc.ErrMalformed) && !errors.Is(err, dbsc.ErrSignature) {
				t.Fatalf("error %v", err)
			}
			return
		}
		if q.Challenge == "" || !q.Key.Equal(key) {
			t.Fatalf("accepted %q as %+v", tok, q)
		}
	})
}

// FuzzParseSessionID: an accepted id is non-empty, bounded, printable
// ASCII, and reads back the same from its quoted (sf-string) form.
func FuzzParseSessionID(f *testing.F) {
	for _, s := range []string{"AbC-_9", `"AbC-_9"`, `"a\"b";x=1`, " sid ", "", `"`, "a b", "\x00", `"\\"`,
		strings.Repeat("a", dbsc.MaxSessionIDLen+1)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		id, err := dbsc.ParseSessionID(v)
		if err != nil {
			if !errors.Is(err, dbsc.ErrSessionID) {
				t.Fatalf("error %v", err)
			}
			return
		}
		if id == "" || len(id) > dbsc.MaxSessionIDLen {
			t.Fatalf("%q gave id %q", v, id)
		}
		for i := 0; i < len(id); i++ {
			if id[i] < 0x20 || id[i] > 0x7e {
				t.Fatalf("%q gave id %q with byte %#x", v, id, id[i])
			}
		}
		quoted := `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(id) + `"`
		if again, err := dbsc.ParseSessionID(quoted); err != nil || again != id {
			t.Fatalf("id %q quoted as %s reads back as %q, %v", id, quoted, again, err)
		}
	})
}

// FuzzHeaderBuilders: RegistrationHeader and ChallengeHeader never produce a
// value Chromium could not parse, whatever they are given, and values that
// need no encoding come back unchanged.
func FuzzHeaderBuilders(f *testing.F) {
	f.Add("/auth/dbsc/start", "Zm9vYmFy", "sid")
	f.Add("", "", "")
	f.Add("/a \"b\"\\c", "x\ny", "\xff\x00")
	f.Add("https://a.test/reg?x=1#f", "c;id=\"x\", (ES256)", "s,1")
	f.Fuzz(func(t *testing.T, path, challenge, sid string) {
		regs, err := dbsc.ParseRegistrationHeader(dbsc.RegistrationHeader(path, challenge))
		if err != nil || len(regs) != 1 || len(regs[0].Algs) != 2 || !regs[0].HasChallenge {
			t.Fatalf("RegistrationHeader(%q, %q) = %s parses as %+v, %v", path, challenge, dbsc.RegistrationHeader(path, challenge), regs, err)
		}
		if printable(path) && regs[0].Path != path {
			t.Fatalf("path %q came back %q", path, regs[0].Path)
		}
		if printable(challenge) && regs[0].Challenge != challenge {
			t.Fatalf("challenge %q came back %q", challenge, regs[0].Challenge)
		}
		h := dbsc.ChallengeHeader(challenge, sid)
		chs, err := dbsc.ParseChallengeHeader(h)
		if err != nil {
			t.Fatalf("ChallengeHeader(%q, %q) = %s: %v", challenge, sid, h, err)
		}
		if challenge != "" && (len(chs) != 1 || (printable(challenge) && chs[0].Challenge != challenge) || (printable(sid) && chs[0].SessionID != sid)) {
			t.Fatalf("ChallengeHeader(%q, %q) = %s parses as %+v", challenge, sid, h, chs)
		}
	})
}

// FuzzParseConfig: any body gets a config or an error; an accepted config
// checked against a URL never panics.
func FuzzParseConfig(f *testing.F) {
	f.Add(`{"session_identifier":"sid","refresh_url":"/r","scope":{"origin":"http://127.0.0.1:8080","include_site":false},"credentials":[{"type":"cookie","name":"b","attributes":"Path=/"}]}`)
	f.Add(`{"session_identifier":"s","continue":false}`)
	f.Add(`{"session_identifier":"s","scope":{"include_site":true,"origin":"%%"},"refresh_url":"//x","credentials":[{"type":"cookie","name":"b","attributes":"Domain=.; Path"}]}`)
	from := mustURL(f, "http://127.0.0.1:8080/auth/dbsc/start")
	f.Fuzz(func(t *testing.T, body string) {
		c, err := dbsc.ParseConfig([]byte(body))
		if err != nil {
			return
		}
		if c.SessionIdentifier == "" || len(c.Credentials) == 0 {
			t.Fatalf("accepted %+v", c)
		}
		_, _, _ = c.Check(from)
	})
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
