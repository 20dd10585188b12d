package password

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestBackgroundHashRunsAtLowPriority: with Background, the argon2 work
// runs on a thread of its own at the lower nice level, in the normal
// policy (seen in /proc/self/task), and that thread is gone when the hash
// is done, so no other goroutine inherits the priority.
func TestBackgroundHashRunsAtLowPriority(t *testing.T) {
	t.Parallel()
	p := DefaultParams()
	p.Memory, p.Time = 32*1024, 8 // slow enough to be seen
	h := NewHasher(p, 1).Background(17)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := h.Hash(context.Background(), "a passphrase to hash slowly"); err != nil {
			t.Error(err)
		}
	}()
	seen := false
	for !seen {
		select {
		case <-done:
			t.Fatal("the hash finished without a thread at nice 17")
		default:
		}
		for path, st := range threadStats(t, os.Getpid()) {
			if st.nice == 17 {
				seen = true
				// Nice alone: a SCHED_IDLE thread in this process could hold
				// up the collector's stop-the-world pauses for as long as the
				// kernel starves it.
				if st.policy != 0 {
					t.Errorf("hashing thread %s: policy %d, want SCHED_OTHER (0)", path, st.policy)
				}
			}
		}
	}
	<-done
	// The thread exits just after handing over the key; under the race
	// detector on a busy machine that can take a while. The one exception
	// is the process's main thread: if the hash happened to run there, the
	// runtime parks that thread for good instead (it cannot exit), and it
	// never runs a goroutine again.
	main := fmt.Sprintf("/proc/%d/task/%d/stat", os.Getpid(), os.Getpid())
	deadline := time.Now().Add(30 * time.Second)
	for {
		left := slices.DeleteFunc(threadsAtNice(t, 17), func(p string) bool { return p == main })
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("threads at nice 17 left after the hash: %v", left)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// threadsAtNice lists this process's threads whose nice level is n.
func threadsAtNice(t *testing.T, n int) []string {
	t.Helper()
	var found []string
	for path, f := range threadStats(t, os.Getpid()) {
		if f.nice == n {
			found = append(found, path)
		}
	}
	return found
}

// threadStat is what a thread's /proc stat file says of its priority.
type threadStat struct{ nice, policy int }

// threadStats reads the nice level and scheduling policy of each thread of
// process pid, by the path of its stat file.
func threadStats(t *testing.T, pid int) map[string]threadStat {
	t.Helper()
	paths, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	stats := map[string]threadStat{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // the thread ended meanwhile
		}
		// The fields after the command's closing parenthesis start at
		// field 3 of stat (state); nice is field 19, policy field 41.
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
		if len(f) <= 38 {
			t.Fatalf("%s: %d fields", p, len(f))
		}
		nice, err1 := strconv.Atoi(f[16])
		policy, err2 := strconv.Atoi(f[38])
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: nice %q, policy %q", p, f[16], f[38])
		}
		stats[p] = threadStat{nice, policy}
	}
	return stats
}

// TestWorkerProcessRunsIdle: a worker process lowers itself, every
// thread, to its nice level and into SCHED_IDLE (the test binary's worker
// serves at nice 5), while no thread of the server is ever put in
// SCHED_IDLE (one starved there could stall the server's collector).
func TestWorkerProcessRunsIdle(t *testing.T) {
	t.Parallel()
	var cmd *exec.Cmd
	var started atomic.Int32
	start := workerCmd(&started)
	h := NewHasher(cheap, 1).Background(18).External(func() *exec.Cmd {
		cmd = start()
		return cmd
	}, func(err error) { t.Errorf("worker failure: %v", err) })
	defer h.Close()
	if _, err := h.Hash(context.Background(), "hashed in an idle worker"); err != nil {
		t.Fatal(err)
	}
	if started.Load() != 1 {
		t.Fatalf("%d workers started", started.Load())
	}
	stats := threadStats(t, cmd.Process.Pid)
	if len(stats) < 2 {
		t.Fatalf("%d threads seen in the worker", len(stats))
	}
	for path, st := range stats {
		if st.nice != 5 || st.policy != schedIdle {
			t.Errorf("worker thread %s: nice %d, policy %d; want nice 5, SCHED_IDLE (%d)", path, st.nice, st.policy, schedIdle)
		}
	}
	for path, st := range threadStats(t, os.Getpid()) {
		if st.policy == schedIdle {
			t.Errorf("a thread of the server is in SCHED_IDLE: %s", path)
		}
	}
}

// TestRunQueueWait: a process's wait for a CPU is read from its threads'
// schedstat files, and only grows.
func TestRunQueueWait(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self/schedstat"); err != nil {
		t.Skip("this kernel keeps no schedstat")
	}
	a := runQueueWait(os.Getpid())
	done := make(chan struct{})
	for range 4 * runtime.NumCPU() { // more busy threads than CPUs: some must wait
		go func() {
			runtime.LockOSThread()
			for {
				select {
				case <-done:
					return
				default:
				}
			}
		}()
	}
	var b time.Duration
	for b = runQueueWait(os.Getpid()); b <= a; b = runQueueWait(os.Getpid()) {
		time.Sleep(time.Millisecond)
	}
	close(done)
	if runQueueWait(-1) != 0 {
		t.Error("a process that does not exist has waited")
	}
}
