package password

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBackgroundHashRunsAtLowPriority: with Background, the argon2 work
// runs on a thread of its own at the lower priority (seen in
// /proc/self/task), and that thread is gone when the hash is done, so no
// other goroutine inherits the priority.
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
		seen = len(threadsAtNice(t, 17)) > 0
	}
	<-done
	// The thread exits just after handing over the key; under the race
	// detector on a busy machine that can take a while. The one exception
	// is the process's main thread: if the hash happened to run there, the
	// runtime parks that thread for good instead (it cannot exit), and it
	// never runs a goroutine again.
	main := fmt.Sprintf("/proc/self/task/%d/stat", os.Getpid())
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
	paths, err := filepath.Glob("/proc/self/task/*/stat")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // the thread ended meanwhile
		}
		// Fields after the command's closing parenthesis: state is field
		// 3 of stat, nice field 19.
		rest := string(b[strings.LastIndexByte(string(b), ')')+2:])
		f := strings.Fields(rest)
		if len(f) > 16 {
			if v, err := strconv.Atoi(f[16]); err == nil && v == n {
				found = append(found, p)
			}
		}
	}
	return found
}
