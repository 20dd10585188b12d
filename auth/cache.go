package auth

import (
	"sync"

	"github.com/vigilauth/vigil"
)

// cache keeps recently checked live sessions with their users, by token
// hash. It is bounded: when full, an arbitrary entry is evicted (map
// iteration order), which costs O(1) and keeps memory fixed.
//
// Invalidation bumps gen; a loader that read the store before an
// invalidation does not insert what it read (see put), so a revocation can
// never be overwritten by a stale read.
type cache struct {
	mu      sync.RWMutex
	max     int
	gen     uint64
	byToken map[vigil.TokenHash]*entry
	byID    map[string]vigil.TokenHash
}

type entry struct {
	sess vigil.Session
	user vigil.User
}

func newCache(max int) *cache {
	return &cache{
		max:     max,
		byToken: make(map[vigil.TokenHash]*entry),
		byID:    make(map[string]vigil.TokenHash),
	}
}

// get returns a copy of the entry for h.
func (c *cache) get(h vigil.TokenHash) (entry, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.byToken[h]
	if !ok {
		return entry{}, false
	}
	return *e, true
}

// generation returns the invalidation counter, read before a store lookup.
func (c *cache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// put inserts e unless anything was invalidated since gen was read.
func (c *cache) put(gen uint64, e entry) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if _, ok := c.byToken[e.sess.TokenHash]; !ok && len(c.byToken) >= c.max {
		c.evictOne()
	}
	c.byToken[e.sess.TokenHash] = &e
	c.byID[e.sess.ID] = e.sess.TokenHash
}

// evictOne removes an arbitrary entry; the caller holds mu.
func (c *cache) evictOne() {
	for h, e := range c.byToken {
		delete(c.byToken, h)
		delete(c.byID, e.sess.ID)
		return
	}
}

// touched records activity written to the store, if the entry is cached.
func (c *cache) touched(h vigil.TokenHash, e entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur, ok := c.byToken[h]; ok && cur.sess.LastActivity.Before(e.sess.LastActivity) {
		cur.sess.LastActivity = e.sess.LastActivity
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
	for h, e := range c.byToken {
		if e.user.ID == userID {
			delete(c.byToken, h)
			delete(c.byID, e.sess.ID)
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
