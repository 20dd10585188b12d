// Package auth is vigil's engine: login, the session check, logout,
// re-authentication, password change and reset, session listing and
// revocation, the administrator's actions, throttling (with known devices,
// which a lock of their username by others does not refuse) and the audit
// trail.
//
// It knows no HTTP and no SQL: it works on the store contracts of package
// vigil, a password hasher and a password policy, all given to New, with an
// injected clock. The session check is the hot path: a bounded in-process
// cache answers warm sessions without touching the store, activity is
// written at most once per 1% of the idle timeout, and the cache follows the
// store's revocation log so that revocations made elsewhere (another
// instance, the CLI) take effect within a bounded delay.
package auth
