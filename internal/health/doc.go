// Package health judges whether a store can serve requests, for
// readiness (GET /readyz): the store answers its Ping, and its writes
// succeed. Watch wraps a vigil.Store and records the outcome of every
// write; a store that answers reads but fails every write (a full disk, a
// read-only replica, a revoked privilege) is then not ready, so a load
// balancer sends requests to an instance that can serve them.
package health
