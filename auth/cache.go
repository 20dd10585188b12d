package auth

import (
	"sync"
	"time"

	"github.com/vigilauth/vigil"
)

// cache keeps recently checked live sessions with their users and limits,
// by token hash. It is bounded: when full, an arbitrary entry is evicted
// (map iteration order), which costs O(1) and keeps memory fixed.
//
// Entries are immutable: a hit hands out the cached *Current itself (no
// copy, no allocation), and a change (recorded activity) replaces the
// entry with a new one.
//
// Invalidation bumps gen; a loader that read the store before an
// invalidation does not insert what it read (see put), so a revocation can
// never be overwritten by a stale read.
type cache struct {
	mu      sync.RWMutex
	max     int
	gen     uint64
	byToken map[vigil.TokenHash]*Current
	byID    map[string]vigil.TokenHash
}

func newCache(max int) *cache {
	return &cache{
		max:     max,
		byToken: make(map[vigil.TokenHash]*Current),
		byID:    make(map[string]vigil.TokenHash),
	}
}

// get returns the cached, shared entry for h.
func (c *cache) get(h vigil.TokenHash) (*Current, bool) {
	c.mu.RLock()
	cur, ok := c.byToken[h]
	c.mu.RUnlock()
	return cur, ok
}

// generation returns the invalidation counter, read before a store lookup.
func (c *cache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// put inserts cur unless anything was invalidated since gen was read. cur
// must not be changed afterwards.
func (c *cache) put(gen uint64, cur *Current) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	h := cur.Session.TokenHash
	if _, ok := c.byToken[h]; !ok && len(c.byToken) >= c.max {
		c.evictOne()
	}
	c.byToken[h] = cur
	c.byID[cur.Session.ID] = h
}

// evictOne removes an arbitrary entry; the caller holds mu.
func (c *cache) evictOne() {
	for h, cur := range c.byToken {
		delete(c.byToken, h)
		delete(c.byID, cur.Session.ID)
		return
	}
}

// touched records activity at, if h is still cached with older activity:
// the entry is replaced by a copy (entries are shared and never changed).
func (c *cache) touched(h vigil.TokenHash, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur, ok := c.byToken[h]; ok && cur.Session.LastActivity.Before(at) {
		next := *cur
		next.Session.LastActivity = at
		c.byToken[h] = &next
	}
}

// dropSession forgets one session.
func (c *cache) dropSession(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if h, ok := c.byID[id]; ok {
		delete(c.byToken, h)
		delete(c.byID, id)
	}
}

// dropUser forgets every session of a user.
func (c *cache) dropUser(userID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for h, cur := range c.byToken {
		if cur.User.ID == userID {
			delete(c.byToken, h)
			delete(c.byID, cur.Session.ID)
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
}

// len returns the number of cached sessions.
func (c *cache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.byToken)
}
