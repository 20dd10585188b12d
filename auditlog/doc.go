// Package auditlog makes vigil's audit log tamper-evident: a hash chain
// over every event, Ed25519-signed checkpoints of it, the check of both
// (Verify, VerifyFile), exports that carry the proof (Export), and a
// retention that deletes only whole, verified segments and keeps the
// checkpoint the rest of the chain hangs from (Retention).
//
// Each event gets a sequence number (1, 2, 3... in the order the database
// appended it, with no gaps), the SHA-256 of the previous event's canonical
// bytes, and the SHA-256 of its own (Record, Canonical). The stores write
// the link in the same transaction as the event, the chain's head row
// locked, so appends from any number of instances form one chain. A
// checkpoint (Checkpoint) signs an event's sequence number and hash with
// the audit key (PrivateKey, a file made by `vigil audit keygen`); a
// Checkpointer writes one every N events or M minutes, once, whichever
// instance gets there first.
//
// The encodings are specified in docs/events.md ("The audit chain"), so
// that an auditor can check a database or an export without vigil: this
// is a hash chain in the manner of a transparency log (RFC 6962's signed
// tree heads, the C2SP checkpoint), without the Merkle tree, whose
// inclusion proofs an audit log has no use for: whoever checks it reads it
// whole.
//
// What it proves, and what it does not: anyone who can write to the
// database can change an event, but not without breaking every link after
// it, and not the events a checkpoint signs without the key. Events after
// the newest checkpoint are linked but not yet signed: someone with write
// access could cut them, with the chain's head, unseen; checkpoints every
// few minutes keep that tail short, and the server logs each checkpoint
// so that a copy outside the database (a log collector) shows what the
// chain held.
package auditlog
