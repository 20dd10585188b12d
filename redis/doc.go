// Package redis adds Redis pub/sub fan-out of revocations to any vigil
// store. Wrap returns the store with its revocation methods announcing a
// notice after the store has committed them, and with WatchRevocations
// subscribed to those notices, so every instance's session cache drops a
// revoked session within milliseconds.
//
// Redis is an accelerator, never the source of truth: the store's
// revocation log is. Notices are published by one goroutine draining a
// bounded queue, so a revocation never waits for Redis; a notice that finds
// the queue full is dropped and counted (Stats). With Redis unreachable,
// one warning is logged when publishing starts to fail and one line when it
// succeeds again, and every instance still drops revoked sessions through
// the store (LISTEN/NOTIFY, or its next poll of the log); no session is
// ever accepted because Redis is down.
package redis
