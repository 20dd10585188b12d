// Package testkit holds the helpers that the tests of several vigil
// packages share: a settable clock, a buffer safe for concurrent writers,
// cheap argon2id parameters, the password policy built once, a hasher that
// counts its work, a SQLite store in the test's temporary directory, an
// engine over it, and a browser-like HTTP client for the JSON API.
//
// It is for tests only. It imports sqlite, auth and password, so their own
// in-package tests cannot use it: the store packages share storekit
// instead, and password keeps its own cheap parameters.
package testkit
