package main

import (
	"context"
	"os"
	"testing"
)

// TestMain lets this test binary be a hash worker too (serve, run inside
// the tests, starts os.Executable() as "hash-worker", which is then this
// binary), and vigil itself in a process of its own for the tests that
// kill it (startChild).
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" || len(os.Args) > 1 && os.Args[1] == workerCommand {
		os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
