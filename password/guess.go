package password

import (
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/trustelem/zxcvbn/match"
	"github.com/trustelem/zxcvbn/matching"
	"github.com/trustelem/zxcvbn/scoring"
)

// minGuessesLog10 is the least estimated number of guesses, as a power of
// ten, a password must take: 10^10 is zxcvbn's score 4, "very
// unguessable", strong protection against an offline attack on a slow hash
// (NIST SP 800-63B-4 §3.1.1.2: refuse values that are commonly used,
// expected or compromised). Four unrelated common words count as at least
// 10^12 in zxcvbn's model, so such passphrases pass; three common words or
// a word with digits and a year do not.
const minGuessesLog10 = 10

// estimateRunes is how many characters of a password (after joinWords) the
// estimator reads, which bounds the work of a password change.
// zxcvbn's time grows far faster than the length (its l33t matcher tries
// every substitution table against every substring, its scoring every
// split): on l33t symbols, about 1 ms for 16, 8 ms for 32, 35 ms for 64,
// 180 ms for 128 and seconds for 256 on a shared 2-core machine
// (BenchmarkEstimateUncapped). Fifteen characters or more that are not
// built on a pattern take far more than 10^10 guesses within their first
// 32, and a password whose first 32 characters are guessable is refused:
// what follows does not make up for a guessable start in this estimate.
const estimateRunes = 32

// numProxyCodes is how many stand-in codes there are for the characters
// zxcvbn cannot read (see proxyCode).
const numProxyCodes = 32

// Every character of the estimated part can have a code of its own.
const _ uint = numProxyCodes - estimateRunes

// proxyCode returns the stand-in for the k-th distinct character outside
// printable ASCII: a control character, 0x01 to 0x1f or 0x7f. zxcvbn's
// matchers and scoring index bytes, and give wrong answers on multi-byte
// UTF-8; no dictionary word, keyboard, l33t substitution or date contains
// a control character, so a stand-in only takes part in repeats (the same
// character always gets the same code) and in brute force. Codes of
// characters in the order they first appear are 7 apart, so that text does
// not read as one of zxcvbn's sequences (steps of 1 to 5 between
// neighbours). From k = numProxyCodes on, codes are given again.
func proxyCode(k int) byte {
	i := k * 7 % numProxyCodes
	if i == numProxyCodes-1 {
		return 0x7f
	}
	return byte(i + 1)
}

// weakness is a pattern that makes a password guessable.
type weakness int

const (
	weakPhrase weakness = iota
	weakContext
	weakWords
	weakKeyboard
	weakRepeat
	weakSequence
	weakDate
	numWeaknesses
)

// The problems guessable reports, one per weakness, as short sentences
// about the password that name the pattern and never quote it.
const (
	msgWeakPhrase   = "is easy to guess: it contains a well-known phrase"
	msgWeakContext  = "is easy to guess: it is built on your username or the name of this service"
	msgWeakWords    = "is easy to guess: it is made of common words, names or passwords"
	msgWeakKeyboard = "is easy to guess: it follows a keyboard pattern"
	msgWeakRepeat   = "is easy to guess: it repeats a word or a group of characters"
	msgWeakSequence = "is easy to guess: it contains a simple sequence of letters or digits"
	msgWeakDate     = "is easy to guess: it contains a date or a year"
)

// message returns the problem Check reports for w.
func (w weakness) message() string {
	return [numWeaknesses]string{msgWeakPhrase, msgWeakContext, msgWeakWords, msgWeakKeyboard,
		msgWeakRepeat, msgWeakSequence, msgWeakDate}[w]
}

// guessable returns what makes the normalized password n easy to guess
// for the user named username, as problems in a fixed order, or nil: a
// well-known phrase anywhere in it, and the patterns zxcvbn reads in it
// when it estimates fewer than 10^minGuessesLog10 guesses. An estimate
// below that made of brute force alone (only possible with a minimum
// length under 10) is left to the length rule, which the operator chose.
func (l *wordLists) guessable(n, username string) []string {
	var found [numWeaknesses]bool
	letters := strings.Map(keepLetterOrDigit, strings.ToLower(n))
	for _, ph := range l.phrases {
		if strings.Contains(letters, ph) {
			found[weakPhrase] = true
		}
	}
	if log10, reasons := l.estimate(n, username); log10 < minGuessesLog10 {
		for _, w := range reasons {
			found[w] = true
		}
	}
	var out []string
	for w, ok := range found {
		if ok {
			out = append(out, weakness(w).message())
		}
	}
	return out
}

// keepLetterOrDigit is a strings.Map function keeping letters and digits.
func keepLetterOrDigit(r rune) rune {
	if unicode.IsLetter(r) || unicode.IsNumber(r) {
		return r
	}
	return -1
}

// estimate returns zxcvbn's estimate of the guesses password takes, as
// log10, and the weaknesses of the cheapest reading it found. It reads
// the first estimateRunes characters of joinWords(password), with the
// username, the service's names and the well-known phrases as context
// words.
func (l *wordLists) estimate(password, username string) (float64, []weakness) {
	return l.estimateFirst(password, username, estimateRunes)
}

// estimateFirst is estimate reading the first n characters. Beyond
// numProxyCodes characters outside printable ASCII, some share a code.
func (l *wordLists) estimateFirst(password, username string, n int) (float64, []weakness) {
	s := firstRunes(joinWords(password), n)
	p := newProxy(s)
	context := []string{strings.ToLower(Normalize(strings.TrimSpace(username)))}
	context = append(append(context, l.serviceNames...), l.phrases...)
	var inputs []string
	for _, c := range context {
		for _, f := range []string{c, joinWords(c)} {
			if pf, ok := p.mapKnown(f); ok && pf != "" {
				inputs = append(inputs, pf)
			}
		}
	}
	matches := matching.Omnimatch(p.text, inputs)
	best := scoring.MostGuessableMatchSequence(p.text, matches, false)
	// The username and the service's name are known to whoever guesses
	// (NIST SP 800-63B-4 §3.1.1.2: context-specific words), so the
	// password must also be strong enough without them.
	guesses := min(best.Guesses, guessesWithout(p.text, best.Sequence, inputs))
	return math.Log10(guesses), l.reasonsOf(best.Sequence, matches, inputs)
}

// guessesWithout returns zxcvbn's formula for the guesses of seq, a
// reading of text, without its matches of context words: l! times
// the product of the guesses of the l other matches, plus 10,000^(l-1)
// for trying shorter readings first (scoring.MostGuessableMatchSequence).
// With no other match it is 1.
func guessesWithout(text string, seq []*match.Match, context []string) float64 {
	l, product := 0, 1.0
	for _, m := range seq {
		if m.Pattern == "dictionary" && slices.Contains(context, strings.ToLower(m.MatchedWord)) {
			continue
		}
		l++
		product *= float64(l) * scoring.EstimateGuesses(m, text)
	}
	if l == 0 {
		return 1
	}
	return product + math.Pow(scoring.MinGuessesBeforeGrowingSequence, float64(l-1))
}

// reasonsOf returns the weaknesses of the matches in seq, the cheapest
// reading of a password among all its matches. A dictionary word of 5 or
// more characters that is also a sequence, a repeat or a keyboard pattern
// ("123456", "aaaaaa", "qwertyuiop" are listed passwords) is reported as
// that pattern; shorter words, such as "were", are often keyboard patterns
// by chance. Four digits that read as a year from 1900 to 2099 are
// reported as a year whatever zxcvbn took them for (its list of recent
// years ends in 2019, so it reads "2024" as a walk on the keypad).
func (l *wordLists) reasonsOf(seq, all []*match.Match, context []string) []weakness {
	var out []weakness
	for _, m := range seq {
		if m.Pattern != "bruteforce" && isYear(m.Token) {
			out = append(out, weakDate)
			continue
		}
		switch m.Pattern {
		case "dictionary":
			out = append(out, l.wordWeakness(m, all, context))
		case "spatial":
			out = append(out, weakKeyboard)
		case "repeat":
			out = append(out, weakRepeat)
		case "sequence":
			out = append(out, weakSequence)
		case "date", "regex": // zxcvbn's only regex is a recent year
			out = append(out, weakDate)
		}
	}
	return out
}

// isYear reports whether s is four digits from 1900 to 2099.
func isYear(s string) bool {
	return len(s) == 4 && (s[:2] == "19" || s[:2] == "20") && isDigit(rune(s[2])) && isDigit(rune(s[3]))
}

// wordWeakness is the weakness of a dictionary match m.
func (l *wordLists) wordWeakness(m *match.Match, all []*match.Match, context []string) weakness {
	if len(m.Token) >= 5 {
		found := weakWords
		for _, o := range all {
			if o.I > m.I || m.J > o.J {
				continue
			}
			switch {
			case o.Pattern == "sequence":
				return weakSequence
			case o.Pattern == "repeat":
				found = weakRepeat
			case o.Pattern == "spatial" && found == weakWords:
				found = weakKeyboard
			}
		}
		if found != weakWords {
			return found
		}
	}
	switch w := strings.ToLower(m.MatchedWord); {
	case slices.Contains(l.phrases, w):
		return weakPhrase
	case slices.Contains(context, w):
		return weakContext
	}
	return weakWords
}

// isWordSeparator reports whether r may separate the words of a
// passphrase: white space or a punctuation mark commonly used for it.
func isWordSeparator(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune("-_.,+/\\|:;~*=", r)
}

// joinWords returns s without the separators between its words: every run
// of white space and separator punctuation that has a letter or digit on
// both sides is removed ("correct-horse battery" → "correcthorsebattery").
// Separators do not slow down a guesser who tries words with each common
// separator, but zxcvbn reads " horse " as seven random characters.
func joinWords(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i := 0; i < len(rs); {
		if !isWordSeparator(rs[i]) {
			b.WriteRune(rs[i])
			i++
			continue
		}
		j := i
		for j < len(rs) && isWordSeparator(rs[j]) {
			j++
		}
		if i == 0 || j == len(rs) || !isLetterOrDigit(rs[i-1]) || !isLetterOrDigit(rs[j]) {
			b.WriteString(string(rs[i:j]))
		}
		i = j
	}
	return b.String()
}

func isLetterOrDigit(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }

// firstRunes returns the first n characters of s.
func firstRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// proxy is a password rewritten for zxcvbn: printable ASCII as it is,
// every other character as its stand-in code (see proxyCode).
type proxy struct {
	text  string
	codes map[rune]byte
}

// newProxy rewrites s, which has at most numProxyCodes distinct
// characters that are not printable ASCII.
func newProxy(s string) proxy {
	p := proxy{codes: map[rune]byte{}}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if isPrintableASCII(r) {
			b = append(b, byte(r))
			continue
		}
		c, ok := p.codes[r]
		if !ok {
			c = proxyCode(len(p.codes))
			p.codes[r] = c
		}
		b = append(b, c)
	}
	p.text = string(b)
	return p
}

// mapKnown rewrites s like the password, and reports false if s has a
// character the password lacks (then s cannot occur in it).
func (p proxy) mapKnown(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if isPrintableASCII(r) {
			b = append(b, byte(r))
		} else if c, ok := p.codes[r]; ok {
			b = append(b, c)
		} else {
			return "", false
		}
	}
	return string(b), true
}

func isPrintableASCII(r rune) bool { return 0x20 <= r && r < 0x7f }
