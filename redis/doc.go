// Package redis adds Redis pub/sub fan-out of revocations to any vigil
// store. Wrap returns the store with its revocation methods publishing a
// notice after they succeed, and with WatchRevocations subscribed to those
// notices, so every instance's session cache drops a revoked session within
// milliseconds.
//
// Redis is an accelerator, never the source of truth: the store's
// revocation log is. With Redis unreachable, publishing fails quietly (it
// is logged) and every instance still drops revoked sessions at its next
// poll of the log (within 1 s); no session is ever accepted because Redis
// is down.
package redis
