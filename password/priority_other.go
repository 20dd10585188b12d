//go:build !linux

package password

import "time"

// lowerThreadPriority is a no-op where threads have no priority of their
// own to lower: hashing then competes with requests at equal priority.
func lowerThreadPriority(int) error { return nil }

// runQueueWait is 0 where the kernel does not say how long a process has
// waited for a CPU: a worker's time allowance is then never extended.
func runQueueWait(int) time.Duration { return 0 }

// lowerProcess is a no-op where threads have no priority of their own.
func lowerProcess(int) error { return nil }
