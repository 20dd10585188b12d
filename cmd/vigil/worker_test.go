package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLoginsHashInWorkerProcesses: serve computes password hashes in
// "vigil hash-worker" child processes (started on the first login, at most
// one per hash slot), and stopping serve stops them. Not parallel: it
// counts this process's children.
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
