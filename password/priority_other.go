//go:build !linux

package password

// lowerThreadPriority is a no-op where threads have no nice level of
// their own: hashing then competes with requests at equal priority.
func lowerThreadPriority(int) error { return nil }
