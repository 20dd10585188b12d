package vigil

import (
	"slices"
	"strings"
)

// Authentication assurance (SPEC §6 "Multi-factor"; NIST SP 800-63B-4
// §2): a session records the authentication assurance level its sign-in
// reached, and the factors that reached it.
//
// AAL1 is one factor (a password). AAL2 is two distinct factors: a
// password and a second factor (an authenticator app's one-time code, a
// recovery code, a passkey), or a passkey verified with its user
// verification (a multi-factor cryptographic authenticator, §2.2.1).

// The assurance levels a session may have.
const (
	AAL1 = 1
	AAL2 = 2
)

// FactorSet is the set of factors a session was signed in (or stepped up)
// with: a small bitmask, so that a cached session keeps it without a
// pointer (package auth's cache).
type FactorSet uint8

// The factors. Their names (Names) are what the API, forward auth and the
// store say.
const (
	FactorPassword     FactorSet = 1 << iota // "password": the account's password
	FactorTOTP                               // "totp": an authenticator app's one-time code (RFC 6238)
	FactorRecoveryCode                       // "recovery_code": one of the user's recovery codes
	FactorPasskey                            // "passkey": a WebAuthn credential (passkey or security key)
)

// factorNames are the names of the factors, in bit order.
var factorNames = [...]string{"password", "totp", "recovery_code", "passkey"}

// Names returns the names of the factors in s, in a fixed order
// (password, totp, recovery_code, passkey); none for the empty set.
func (s FactorSet) Names() []string {
	out := make([]string, 0, len(factorNames))
	for i, n := range factorNames {
		if s&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// String returns the names joined by commas, as the store keeps them and
// forward auth sends them.
func (s FactorSet) String() string { return strings.Join(s.Names(), ",") }

// Has reports whether s holds every factor of f.
func (s FactorSet) Has(f FactorSet) bool { return s&f == f }

// ParseFactorSet reads what String wrote: names separated by commas, in
// any order. It reports false for an unknown name.
func ParseFactorSet(text string) (FactorSet, bool) {
	var s FactorSet
	if text == "" {
		return 0, true
	}
	for _, n := range strings.Split(text, ",") {
		i := slices.Index(factorNames[:], n)
		if i < 0 {
			return 0, false
		}
		s |= 1 << i
	}
	return s, true
}
