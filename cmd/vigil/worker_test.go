package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLoginsHashInWorkerProcesses: serve computes password hashes in
// "vigil hash-worker" child processes (started on the first login, at most
// one per hash slot, at nice 19 in SCHED_IDLE), and stopping serve stops
// them. Not parallel: it counts this process's children.
func TestLoginsHashInWorkerProcesses(t *testing.T) {
	if n := len(hashWorkerChildren(t)); n != 0 {
		t.Fatalf("%d hash workers before the server started", n)
	}
	t.Run("serve", func(t *testing.T) {
		srv := startServer(t, "", "--dev")
		srv.addUser(t, "alice", "patient", alicePW)
		if n := len(hashWorkerChildren(t)); n != 0 {
			t.Errorf("%d hash workers before the first login", n)
		}
		for range 3 {
			srv.device(t).Login("alice", alicePW)
		}
		if n, slots := len(hashWorkerChildren(t)), hashSlots(); n < 1 || n > slots {
			t.Errorf("%d hash workers after three logins, want 1 to %d", n, slots)
		}
		for _, pid := range hashWorkerChildren(t) {
			if nice, policy := priority(t, pid); nice != hashNice || policy != 5 {
				t.Errorf("hash worker %s: nice %d, policy %d; want nice %d and SCHED_IDLE (5)", pid, nice, policy, hashNice)
			}
		}
		if strings.Contains(srv.stderr.String(), "hash worker failed") {
			t.Errorf("a worker failed: %s", srv.stderr.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for len(hashWorkerChildren(t)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("hash workers still running after serve stopped: %v", hashWorkerChildren(t))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// hashWorkerChildren lists the pids of this process's children running
// the hash-worker command.
func hashWorkerChildren(t *testing.T) []string {
	t.Helper()
	lists, err := filepath.Glob("/proc/self/task/*/children")
	if err != nil || len(lists) == 0 {
		t.Skip("no /proc/self/task/*/children here")
	}
	var pids []string
	for _, l := range lists {
		b, _ := os.ReadFile(l)
		for _, pid := range strings.Fields(string(b)) {
			cmdline, _ := os.ReadFile("/proc/" + pid + "/cmdline")
			args := strings.Split(string(cmdline), "\x00")
			if len(args) > 1 && args[1] == workerCommand {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// priority reads the nice level and scheduling policy of process pid's
// main thread from /proc (fields 19 and 41 of stat).
func priority(t *testing.T, pid string) (nice, policy int) {
	t.Helper()
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:])) // from field 3
	if len(f) <= 38 {
		t.Fatalf("/proc/%s/stat: %d fields", pid, len(f))
	}
	nice, _ = strconv.Atoi(f[16])
	policy, _ = strconv.Atoi(f[38])
	return nice, policy
}
