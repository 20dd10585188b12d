package auth

import (
	"crypto/sha256"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/vigilauth/vigil"
)

// cache keeps recently checked live sessions with their users and limits,
// by token hash. It is bounded: when full, an arbitrary entry is evicted
// (map iteration order), which costs O(1) and keeps memory fixed.
//
// Nothing in it holds a pointer, so the garbage collector never walks the
// cached sessions: entries are flat slots (times as integers) in one slice,
// found through maps of fixed-size keys, and their strings live in one
// append-only arena of bytes. A hit copies a slot into a Current whose
// strings are slices of the arena (no allocation: bytes once written are
// never changed, so a string handed out stays valid; the arena is rebuilt,
// not reused, when most of it belongs to entries that are gone).
//
// Invalidation bumps gen; a loader that read the store before an
// invalidation does not insert what it read (see put), so a revocation can
// never be overwritten by a stale read.
type cache struct {
	mu      sync.RWMutex
	max     int
	gen     uint64
	byToken map[vigil.TokenHash]int32 // index into slots
	byID    map[idKey]vigil.TokenHash
	slots   []slot
	free    []int32 // indexes of unused slots
	arena   *strings.Builder
	dead    int // arena bytes of entries that are gone
}

// idKey is a session id in fixed size: its SHA-256.
type idKey [sha256.Size]byte

func keyOf(id string) idKey { return sha256.Sum256([]byte(id)) }

// slot is one cached session, without pointers.
type slot struct {
	hash                                vigil.TokenHash
	sessionUser, userID                 int64
	created, lastActivity, reauth       int64 // packed times
	userCreated, lastLogin, passwordSet int64
	lifetime, idle                      time.Duration
	disabled                            bool
	strs                                [nStrs]span
	// The device binding: when bound (zeroTime: unbound), the current
	// bound cookie's hash and when it lapses.
	boundAt, cookieLapse int64
	cookieHash           vigil.TokenHash
	// seen is the bound cookie last found to hash to cookieHash (zero:
	// none yet), so that a later request with the same cookie is checked
	// by a constant-time comparison, without its SHA-256. It opens nothing
	// alone: every request needs the session token too, which the cache
	// never holds.
	seen vigil.Token
	// The assurance: the session's AAL and the factors it used.
	aal, factors uint8
}

// The strings of a slot, in arena order.
const (
	strID = iota
	strIP
	strUserAgent
	strUsername
	strRole
	strClinicianID
	strEmail
	strDisplayName
	nStrs
)

// span is a string in the arena.
type span struct{ off, n uint32 }

// zeroTime packs the zero time.Time, which has no Unix nanoseconds.
const zeroTime = math.MinInt64

func packTime(t time.Time) int64 {
	if t.IsZero() {
		return zeroTime
	}
	return t.UnixNano()
}

// unpackTime returns the time in UTC, as both stores read times.
func unpackTime(n int64) time.Time {
	if n == zeroTime {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func newCache(max int) *cache {
	return &cache{
		max:     max,
		byToken: make(map[vigil.TokenHash]int32),
		byID:    make(map[idKey]vigil.TokenHash),
		arena:   new(strings.Builder),
	}
}

// get writes the cached session of h to cur, if there is one.
func (c *cache) get(h vigil.TokenHash, cur *Current) bool { return c.getSeen(h, cur, new(vigil.Token)) }

// getSeen is get that also writes the bound cookie last seen to match the
// session's (see slot.seen) to seen.
func (c *cache) getSeen(h vigil.TokenHash, cur *Current, seen *vigil.Token) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	i, ok := c.byToken[h]
	if ok {
		c.current(&c.slots[i], cur)
		*seen = c.slots[i].seen
	}
	return ok
}

// sawBound remembers that the bound cookie value hashes to cookie, the
// bound cookie hash of the session of h, if h is still cached with it.
func (c *cache) sawBound(h, cookie vigil.TokenHash, value vigil.Token) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i, ok := c.byToken[h]; ok && c.slots[i].cookieHash == cookie {
		c.slots[i].seen = value
	}
}

// current rebuilds the session of s in cur; the caller holds mu.
func (c *cache) current(s *slot, cur *Current) {
	all := c.arena.String()
	str := func(k int) string { sp := s.strs[k]; return all[sp.off : sp.off+sp.n] }
	*cur = Current{
		Session: vigil.Session{
			ID: str(strID), TokenHash: s.hash, UserID: s.sessionUser,
			CreatedAt: unpackTime(s.created), LastActivity: unpackTime(s.lastActivity), ReauthAt: unpackTime(s.reauth),
			IP: str(strIP), UserAgent: str(strUserAgent),
			Binding: vigil.Binding{BoundAt: unpackTime(s.boundAt), CookieHash: s.cookieHash, CookieLapse: unpackTime(s.cookieLapse)},
			AAL:     int(s.aal), Factors: vigil.FactorSet(s.factors),
		},
		User: vigil.User{
			ID: s.userID, Username: str(strUsername), Role: vigil.Role(str(strRole)), ClinicianID: str(strClinicianID),
			Disabled: s.disabled, CreatedAt: unpackTime(s.userCreated), LastLogin: unpackTime(s.lastLogin),
			PasswordChangedAt: unpackTime(s.passwordSet), Email: str(strEmail), DisplayName: str(strDisplayName),
		},
		Limits: vigil.Limits{Lifetime: s.lifetime, IdleTimeout: s.idle},
	}
}

// generation returns the invalidation counter, read before a store lookup.
func (c *cache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// put inserts cur, a live session, unless anything was invalidated since
// gen was read. Its password hash and token are not kept.
func (c *cache) put(gen uint64, cur *Current) {
	if c.max <= 0 || !cur.Session.Live() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	h, id := cur.Session.TokenHash, keyOf(cur.Session.ID)
	if i, ok := c.byToken[h]; ok {
		c.remove(h, i)
	}
	if old, ok := c.byID[id]; ok {
		// The session's token was rotated: the old one is no longer its.
		if i, ok := c.byToken[old]; ok {
			c.remove(old, i)
		}
	}
	if len(c.byToken) >= c.max {
		c.evictOne()
	}
	s, u := &cur.Session, &cur.User
	sl := slot{
		hash: h, sessionUser: s.UserID, userID: u.ID,
		created: packTime(s.CreatedAt), lastActivity: packTime(s.LastActivity), reauth: packTime(s.ReauthAt),
		userCreated: packTime(u.CreatedAt), lastLogin: packTime(u.LastLogin), passwordSet: packTime(u.PasswordChangedAt),
		lifetime: cur.Limits.Lifetime, idle: cur.Limits.IdleTimeout, disabled: u.Disabled,
		boundAt: packTime(s.Binding.BoundAt), cookieLapse: packTime(s.Binding.CookieLapse), cookieHash: s.Binding.CookieHash,
		aal: uint8(s.AAL), factors: uint8(s.Factors),
	}
	for k, v := range [nStrs]string{s.ID, s.IP, s.UserAgent, u.Username, string(u.Role), u.ClinicianID, u.Email, u.DisplayName} {
		sl.strs[k] = span{off: uint32(c.arena.Len()), n: uint32(len(v))}
		c.arena.WriteString(v)
	}
	var i int32
	if n := len(c.free); n > 0 {
		i, c.free = c.free[n-1], c.free[:n-1]
		c.slots[i] = sl
	} else {
		i = int32(len(c.slots))
		c.slots = append(c.slots, sl)
	}
	c.byToken[h] = i
	c.byID[id] = h
	c.compactArena()
}

// remove forgets the entry of h at slot i; the caller holds mu.
func (c *cache) remove(h vigil.TokenHash, i int32) {
	s := &c.slots[i]
	all := c.arena.String()
	sp := s.strs[strID]
	if id := keyOf(all[sp.off : sp.off+sp.n]); c.byID[id] == h {
		delete(c.byID, id)
	}
	delete(c.byToken, h)
	for _, sp := range s.strs {
		c.dead += int(sp.n)
	}
	*s = slot{}
	c.free = append(c.free, i)
}

// compactArena rebuilds the arena once most of it belongs to entries that
// are gone; the old one stays valid for strings already handed out and is
// freed by the collector when they are. The caller holds mu.
func (c *cache) compactArena() {
	if c.dead < 1<<20 || c.dead < c.arena.Len()/2 {
		return
	}
	old := c.arena.String()
	var next strings.Builder
	next.Grow(len(old) - c.dead)
	for _, i := range c.byToken {
		s := &c.slots[i]
		for k, sp := range s.strs {
			s.strs[k].off = uint32(next.Len())
			next.WriteString(old[sp.off : sp.off+sp.n])
		}
	}
	c.arena, c.dead = &next, 0
}

// evictOne removes an arbitrary entry; the caller holds mu.
func (c *cache) evictOne() {
	for h, i := range c.byToken {
		c.remove(h, i)
		return
	}
}

// touched records activity at, if h is still cached with older activity.
func (c *cache) touched(h vigil.TokenHash, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i, ok := c.byToken[h]; ok && c.slots[i].lastActivity < packTime(at) {
		c.slots[i].lastActivity = packTime(at)
	}
}

// dropSession forgets one session.
func (c *cache) dropSession(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if h, ok := c.byID[keyOf(id)]; ok {
		if i, ok := c.byToken[h]; ok {
			c.remove(h, i)
		}
	}
}

// dropUser forgets every session of a user.
func (c *cache) dropUser(userID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for h, i := range c.byToken {
		if c.slots[i].userID == userID {
			c.remove(h, i)
		}
	}
}

// purge forgets everything.
func (c *cache) purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.byToken)
	clear(c.byID)
	c.slots, c.free, c.dead = nil, nil, 0
	c.arena = new(strings.Builder)
}

// len returns the number of cached sessions.
func (c *cache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.byToken)
}
