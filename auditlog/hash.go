package auditlog

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/vigilauth/vigil"
)

// Hash is a SHA-256 digest: an event's, or the link to the one before it.
type Hash [sha256.Size]byte

// String returns h in lower-case hex, as exports and reports show it.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// ParseHash reads 64 hex digits (either case).
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 2*len(h) {
		return h, fmt.Errorf("hash %q: want %d hex digits", s, 2*len(h))
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, fmt.Errorf("hash %q: %w", s, err)
	}
	return h, nil
}

// Record is an event with its place in the chain.
type Record struct {
	vigil.Event
	Seq  int64 // 1 for the first event ever appended, then one more for each
	Prev Hash  // the previous event's Hash; zero for Seq 1
	Hash Hash  // SHA-256 of Canonical(r)
}

// eventDomain starts every event's canonical bytes, so that they can never
// be mistaken for anything else vigil hashes or signs.
const eventDomain = "vigil-audit-event/v1\n"

// Canonical returns the bytes an event's Hash is the SHA-256 of
// (docs/events.md, "The audit chain"):
//
//	"vigil-audit-event/v1\n"        21 ASCII bytes
//	seq                              8 bytes, big-endian
//	prev                             32 bytes
//	time                             8 bytes, big-endian two's complement:
//	                                 unix microseconds, UTC; 0 when absent
//	username, actor, category, event, detail, ip, user_agent, session_id
//	                                 each a 4-byte big-endian length and
//	                                 that many bytes of UTF-8
//
// r.Hash and r.ID (the database's row id) are not part of it.
func Canonical(r *Record) []byte {
	e := &r.Event
	fields := [...]string{e.Username, e.Actor, e.Category, e.Event, e.Detail, e.IP, e.UserAgent, e.SessionID}
	n := len(eventDomain) + 8 + len(r.Prev) + 8
	for _, f := range fields {
		n += 4 + len(f)
	}
	b := make([]byte, 0, n)
	b = append(b, eventDomain...)
	b = binary.BigEndian.AppendUint64(b, uint64(r.Seq))
	b = append(b, r.Prev[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(Micros(e.Time)))
	for _, f := range fields {
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

// Sum returns the SHA-256 of Canonical(r): what r.Hash must be.
func (r *Record) Sum() Hash { return sha256.Sum256(Canonical(r)) }

// Micros returns t as the chain keeps it: unix microseconds (finer digits
// dropped, as the stores drop them), 0 for the zero time.
func Micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// Head is the chain's newest link, as the stores keep it in one row beside
// the events.
type Head struct {
	Seq  int64 // the newest event's Seq; 0 before the first
	Hash Hash  // its Hash: the next event's Prev
	// PrunedThrough is the last Seq retention deleted (0 if none): the
	// chain now begins at PrunedThrough+1, and the checkpoint at
	// PrunedThrough, kept, holds that event's Prev.
	PrunedThrough int64
}

// Next returns e as the event after h: Seq h.Seq+1, Prev h.Hash, and its
// Hash. e.Time is cut to the microsecond, as the stores keep it.
func Next(h Head, e vigil.Event) Record {
	if !e.Time.IsZero() {
		e.Time = time.UnixMicro(e.Time.UnixMicro()).UTC()
	}
	r := Record{Event: e, Seq: h.Seq + 1, Prev: h.Hash}
	r.Hash = r.Sum()
	return r
}
