package password

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// schedIdle is Linux's SCHED_IDLE scheduling policy (sched(7)).
const schedIdle = 5

// lowerThreadPriority lowers the calling OS thread to the nice level (on
// Linux it applies to that thread alone, and is inherited by the threads
// and processes it creates).
func lowerThreadPriority(nice int) error {
	return lowerThread(syscall.Gettid(), nice, false)
}

// lowerThread lowers thread tid of this process to the nice level and,
// with idle, puts it in the SCHED_IDLE policy. At nice 19 a thread still
// holds its core for a scheduler slice when a request handler wakes; a
// SCHED_IDLE thread gives the core up as soon as any other thread wants
// it, and a core running only SCHED_IDLE threads counts as idle when the
// kernel places a woken thread. An unprivileged process may always lower
// its own priority; if SCHED_IDLE is refused (an old kernel, a seccomp
// filter) the nice level stays.
func lowerThread(tid, nice int, idle bool) error {
	// Only ever lower: a worker started at nice 19 keeps it even if asked
	// for less. (The raw getpriority returns 20 − nice.)
	if raw, err := syscall.Getpriority(syscall.PRIO_PROCESS, tid); err != nil || 20-raw < nice {
		if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, nice); err != nil {
			return err
		}
	}
	if !idle {
		return nil
	}
	param := struct{ priority int32 }{0}
	if _, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_SETSCHEDULER, uintptr(tid), schedIdle, uintptr(unsafe.Pointer(&param))); errno != 0 {
		return errno
	}
	return nil
}

// lowerProcess lowers every thread of this process to the nice level and
// into SCHED_IDLE. A thread made later inherits both from the thread
// that makes it, so once every thread is lowered the process stays so;
// a thread made during a pass by one not yet lowered is caught by the
// next pass.
func lowerProcess(nice int) error {
	for range 20 {
		paths, err := filepath.Glob("/proc/self/task/*")
		if err != nil || len(paths) == 0 {
			return errors.New("password: no /proc/self/task")
		}
		lowered := 0
		for _, p := range paths {
			tid, err := strconv.Atoi(filepath.Base(p))
			if err != nil {
				continue
			}
			policy, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_GETSCHEDULER, uintptr(tid), 0, 0)
			raw, perr := syscall.Getpriority(syscall.PRIO_PROCESS, tid)
			if errno == 0 && policy == schedIdle && perr == nil && 20-raw >= nice {
				continue
			}
			if err := lowerThread(tid, nice, true); err != nil && !errors.Is(err, syscall.ESRCH) {
				return err // refused: not a thread that ended meanwhile
			}
			lowered++
		}
		if lowered == 0 {
			return nil
		}
	}
	return errors.New("password: threads kept appearing while lowering the process")
}

// runQueueWait is the time the threads of process pid have spent runnable
// but waiting for a CPU (the second field of each thread's schedstat), or
// 0 if the kernel does not say.
func runQueueWait(pid int) time.Duration {
	paths, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/schedstat")
	var total time.Duration
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // the thread ended meanwhile
		}
		if f := strings.Fields(string(b)); len(f) >= 2 {
			if ns, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				total += time.Duration(ns)
			}
		}
	}
	return total
}
