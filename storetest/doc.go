// Package storetest is the behaviour suite every vigil.Store must pass: the
// store contracts of package vigil, written down as tests of what a client
// relies on. A backend runs it from its own tests:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) vigil.Store { return openEmpty(t) })
//	}
//
// The suite uses fixed times, no sleeps and no timed assertions, so it is
// fast and deterministic under -race.
package storetest
