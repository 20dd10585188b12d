package password

import (
	"slices"
	"strings"
	"testing"

	"github.com/trustelem/zxcvbn/frequency"
)

const msgShort15 = "must be at least 15 characters"

func TestCheck(t *testing.T) {
	p := NewPolicy(15)
	cases := []struct {
		name, password, username string
		want                     []string // exactly these problems, in order
	}{
		{"good passphrase", "purple walrus juggles lanterns", "alice", nil},
		{"good passphrase with digits", "violet tuesday umbrella 42", "alice", nil},
		{"good non-Latin passphrase", "мой пароль очень длинный", "alice", nil},
		{"good emoji passphrase", "🐢 slow turtles win races 🏁", "alice", nil},
		{"exactly the minimum", "Xk9#mQ2$vL7!pRz", "alice", nil},
		{"exactly the maximum", passphrase(256), "alice", nil},
		{"empty", "", "alice", []string{msgShort15}},
		{"short", "tiny pass", "alice", []string{msgShort15}},
		{"one below the minimum", "Xk9#mQ2$vL7!pR", "alice", []string{msgShort15}},
		{"short after normalization", "re\u0301sume\u0301 cafe\u0301s", "alice", []string{msgShort15}},
		{"long enough after normalization", "\ufb03 \ufb04 \ufb01 \ufb02 \ufb00 work", "alice", nil},
		{"one over the maximum", passphrase(257), "alice", []string{msgTooLong}},
		{"5000 characters", passphrase(5000), "alice", []string{msgTooLong}},
		{"common, long enough policy aside", "password", "alice", []string{msgShort15, msgCommon}},
		{"common plus digits", "password12345678", "alice", []string{msgCommon}},
		{"common plus symbols", "iloveyou!!!!!!!!", "alice", []string{msgCommon}},
		{"common padded both ends", "2024Sunshine!!!!", "alice", []string{msgCommon}},
		{"common ending in a digit, padded", "trustno1!!!!!!!!", "alice", []string{msgCommon}},
		{"common repeated", "passwordpassword", "alice", []string{msgCommon}},
		{"common repeated with separators", "monkey-monkey-monkey", "alice", []string{msgCommon}},
		{"common repeated, last cut short", "dragondragondrag", "alice", []string{msgCommon}},
		{"common in fullwidth", "ＰＡＳＳＷＯＲＤ１２３４５６７８", "alice", []string{msgCommon}},
		{"service name", "Vigil2024!!!!!!!!", "alice", []string{msgService}},
		{"service name repeated", "vigilvigilvigil", "alice", []string{msgService}},
		{"username inside", "my name is alice and I like tea", "alice", []string{msgUsername}},
		{"username other case", "my name is ALICE and I like tea", "Alice", []string{msgUsername}},
		{"username fullwidth", "my name is ａｌｉｃｅ and I like tea", "alice", []string{msgUsername}},
		{"username too short to check", "al is my friend, we like tea", "al", nil},
		{"repeated character", "zzzzzzzzzzzzzzzz", "alice", []string{msgPattern}},
		{"repeated short piece", "xqxqxqxqxqxqxqxq", "alice", []string{msgPattern}},
		{"repeated character plus digit", "zzzzzzzzzzzzzzz1", "alice", []string{msgPattern}},
		{"ascending letters", "abcdefghijklmnop", "alice", []string{msgPattern}},
		{"descending letters", "zyxwvutsrqponmlk", "alice", []string{msgPattern}},
		{"digits wrapping", "7890123456789012", "alice", []string{msgPattern}},
		{"descending digits", "9876543210987654", "alice", []string{msgPattern}},
		{"control character", "correct horse\tbattery staple", "alice", []string{msgControl}},
		{"invalid UTF-8", "correct horse \xff battery staple", "alice", []string{msgBadUTF8}},
		{"every problem at once", "\xff\t11111111", "1111",
			[]string{msgShort15, msgBadUTF8, msgControl, msgCommon, msgUsername, msgPattern}},
		{"every problem of a long one", strings.Repeat("password", 40) + "\x00", "word",
			[]string{msgTooLong, msgControl, msgCommon, msgUsername}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := p.Check(c.password, c.username); !slices.Equal(got, c.want) {
				t.Fatalf("Check = %q; want %q", got, c.want)
			}
		})
	}
}

// passphrase returns n characters of an ordinary passphrase: common words
// in turn, then "!".
func passphrase(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		b.WriteString(commonWords[i%len(commonWords)] + " ")
	}
	return b.String()[:n-1] + "!"
}

func TestCheckFlagsListedPasswords(t *testing.T) {
	p := NewPolicy(1)
	list := frequency.FrequencyLists["passwords"]
	if len(p.words.common) < 10000 {
		t.Fatalf("blocklist has %d entries; SPEC wants at least 10,000", len(p.words.common))
	}
	for _, pw := range append(list[:200:200], list[len(list)-50:]...) {
		if !slices.Contains(p.Check(pw, ""), msgCommon) {
			t.Errorf("Check(%q) does not report it as common", pw)
		}
	}
}

func TestPolicyLengths(t *testing.T) {
	for _, c := range []struct{ in, want int }{{15, 15}, {8, 8}, {0, 1}, {-5, 1}, {1000, 256}} {
		p := NewPolicy(c.in)
		if p.MinLength() != c.want || p.MaxLength() != 256 {
			t.Errorf("NewPolicy(%d): lengths %d..%d; want %d..256", c.in, p.MinLength(), p.MaxLength(), c.want)
		}
	}
	if got := NewPolicy(8).Check("sevn ch", ""); !slices.Equal(got, []string{"must be at least 8 characters"}) {
		t.Errorf("Check = %q", got)
	}
}

func TestDescribe(t *testing.T) {
	d := NewPolicy(17).Describe()
	all := strings.Join(d, "\n")
	for _, want := range []string{"17 characters", "256 characters", "commonly used", "username",
		"keyboard patterns", "10 billion"} {
		if !strings.Contains(all, want) {
			t.Errorf("Describe() does not mention %q:\n%s", want, all)
		}
	}
}

func TestRepeatedUnit(t *testing.T) {
	cases := []struct {
		in, unit string
		ok       bool
	}{
		{"", "", false}, {"a", "", false}, {"aa", "a", true}, {"abab", "ab", true},
		{"abcab", "", false}, {"ababa", "ab", true}, {"héhé", "hé", true},
		{"passwordpasswordpass", "password", true}, {"abcdef", "", false},
	}
	for _, c := range cases {
		u, ok := repeatedUnit(c.in)
		if ok != c.ok || (ok && u != c.unit) {
			t.Errorf("repeatedUnit(%q) = %q, %v; want %q, %v", c.in, u, ok, c.unit, c.ok)
		}
	}
}
