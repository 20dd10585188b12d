package auditlog

import (
	"crypto/ed25519"
	"fmt"
	"strconv"
	"time"
)

// Checkpoint vouches for the chain up to one event: its Seq and Hash, at a
// time, signed with the audit key. Whoever holds the public key can check
// that the events up to Seq are the ones that were there when it was
// signed. A checkpoint made without a key (KeyID "") still marks where
// retention may cut the chain, but proves nothing.
type Checkpoint struct {
	Seq       int64
	Hash      Hash
	Time      time.Time // when it was made, to the microsecond, UTC
	KeyID     string    // the signing key's id; "" when unsigned
	Signature []byte    // Ed25519 over Message(); nil when unsigned
}

// Signed reports whether c carries a signature.
func (c *Checkpoint) Signed() bool { return c.KeyID != "" }

// checkpointDomain starts every checkpoint's signed text.
const checkpointDomain = "vigil-audit-checkpoint/v1"

// Message returns the text a checkpoint's signature is over, four lines
// each ending in "\n" (docs/events.md, "The audit chain"):
//
//	vigil-audit-checkpoint/v1
//	SEQ                the event's sequence number, decimal
//	HASH               its hash, 64 lower-case hex digits
//	TIME               unix microseconds, decimal
//
// Like a transparency log's signed tree head (RFC 6962 §3.5; the C2SP
// checkpoint), it names a position and the hash that commits to
// everything before it.
func (c *Checkpoint) Message() []byte {
	b := make([]byte, 0, len(checkpointDomain)+1+20+1+64+1+20+1)
	b = append(b, checkpointDomain+"\n"...)
	b = strconv.AppendInt(b, c.Seq, 10)
	b = append(b, '\n')
	b = append(b, c.Hash.String()...)
	b = append(b, '\n')
	b = strconv.AppendInt(b, Micros(c.Time), 10)
	return append(b, '\n')
}

// Keyring holds the public keys a verifier trusts, by key id.
type Keyring map[string]ed25519.PublicKey

// NewKeyring returns a ring of keys.
func NewKeyring(keys ...PublicKey) Keyring {
	r := Keyring{}
	for _, k := range keys {
		r.Add(k)
	}
	return r
}

// Add puts k in the ring.
func (r Keyring) Add(k PublicKey) { r[k.ID] = k.Key }

// check returns nil when c is signed by a key of r and the signature is
// good; otherwise what is wrong. An unsigned c is not its business.
func (r Keyring) check(c *Checkpoint) error {
	key, ok := r[c.KeyID]
	if !ok {
		return fmt.Errorf("it is signed by key %s, which is not among the keys given", c.KeyID)
	}
	if !ed25519.Verify(key, c.Message(), c.Signature) {
		return fmt.Errorf("its signature (key %s) does not verify: the checkpoint or the signature was altered", c.KeyID)
	}
	return nil
}
