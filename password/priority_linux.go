package password

import "syscall"

// lowerThreadPriority sets the nice level of the calling OS thread (on
// Linux, PRIO_PROCESS with a thread id applies to that thread alone). An
// unprivileged process may always lower its own priority.
func lowerThreadPriority(nice int) error {
	return syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), nice)
}
