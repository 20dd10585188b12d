// Package password hashes and verifies passwords and judges new ones.
//
// Hashing uses argon2id (RFC 9106) with at least the OWASP minimum
// parameters (19 MiB, 2 passes, 1 lane; see DefaultParams) and stores each
// hash as a PHC string:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// with salt and hash in unpadded standard base64, the format of the
// reference implementation. A Hasher bounds how many hashes run at once, so
// a login flood cannot exhaust memory; waiting for a slot honours the
// context. Verify reports when a stored hash uses other parameters than the
// hasher's, so the caller can store a fresh hash after a successful login.
// VerifyDummy costs the same as a Verify and is meant for unknown users, so
// the time of a failed login does not reveal whether the user exists.
//
// Hash and Verify normalize the password with NFKC (see Normalize) before
// hashing, so the same password typed with another Unicode composition
// still matches. Callers pass the password exactly as the user typed it.
//
// Policy implements the NIST SP 800-63B rev. 4 rules for passwords chosen by
// users: a minimum and a maximum length counted in Unicode code points, no
// commonly used or breached password, nothing built on the username or the
// service's name, no trivial repetition or sequence, nothing zxcvbn's
// estimator finds guessable in fewer than 10^10 guesses (keyboard
// patterns, repeats, sequences, dates, common words joined, l33t,
// well-known phrases), and no composition rules. Checking that a new password differs from the current one needs the
// stored hash and is left to the caller (Verify the new password against it).
package password
