package auth

import "sync/atomic"

// Stats are the engine's counters since it started, for metrics.
type Stats struct {
	Checks          int64 // session checks
	CacheHits       int64 // checks answered from the in-process cache
	Unauthenticated int64 // checks with an unknown token
	Expired         int64 // sessions ended by expiry (inactivity or lifetime)
	Revoked         int64 // sessions ended by revocation (any other reason)
	Logins          int64 // successful logins
	LoginFailures   int64 // wrong credentials (login and password re-entry)
	LoginsThrottled int64 // attempts refused by the throttle
	CachedSessions  int   // sessions in the cache now
	CacheFresh      bool  // whether the cache may answer (revocation log read recently)
}

// counters are the atomic counters behind Stats.
type counters struct {
	uncached, cacheHits, unauthenticated, expired, revoked atomic.Int64
	logins, loginFailures, throttled                       atomic.Int64
}

// Stats returns the engine's counters.
func (e *Engine) Stats() Stats {
	c := &e.stats
	return Stats{
		Checks: c.cacheHits.Load() + c.uncached.Load(), CacheHits: c.cacheHits.Load(), Unauthenticated: c.unauthenticated.Load(),
		Expired: c.expired.Load(), Revoked: c.revoked.Load(),
		Logins: c.logins.Load(), LoginFailures: c.loginFailures.Load(), LoginsThrottled: c.throttled.Load(),
		CachedSessions: e.cache.len(), CacheFresh: e.follow.fresh(),
	}
}
