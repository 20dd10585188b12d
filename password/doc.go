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
// Verify also reads the hashes other systems keep, so users brought over
// keep their passwords: argon2i and argon2id with any parameters, bcrypt
// ($2a$, $2b$, $2y$), Werkzeug's pbkdf2 and scrypt, Django's and passlib's
// pbkdf2, and vigil's salted-sha256 for a plain salted SHA-256; each is
// reported for a rehash on its first match. The work a stored hash may ask
// for is bounded. Identify names a hash's format, or says why Verify could
// not use it, for checking hashes as they are brought in. Hashes of every
// format are verified in the hasher's slots, and in its worker processes
// when it has them.
//
// Hash normalizes the password with NFKC (see Normalize) before hashing,
// so the same password typed with another Unicode composition still
// matches. Verify tries the NFKC form and, when NFKC changes the password,
// the password as typed too: hashes made elsewhere are of the bytes those
// systems were given. Callers pass the password exactly as the user typed
// it.
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
