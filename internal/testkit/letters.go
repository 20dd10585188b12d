package testkit

import "crypto/rand"

// RandomLetters returns n random lower-case letters: a name no compression
// shrinks much, as an attacker filling a disk would send.
func RandomLetters(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = 'a' + b[i]%26
	}
	return string(b)
}
