package main

import (
	"runtime"
	"testing"
	"time"

	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/config"
	"github.com/vigilauth/vigil/internal/testkit"
)

// TestServingFollowsThisProcessCPU burns a core in this process until the
// hash slots' load signal says busy, then stops and waits for it to say
// idle again.
func TestServingFollowsThisProcessCPU(t *testing.T) {
	if _, ok := processCPU(); !ok {
		t.Skip("this system's process CPU time is not read")
	}
	var s serving
	if s.Busy() {
		t.Fatal("busy on the first look, with nothing measured")
	}
	stop := make(chan struct{})
	burnt := make(chan struct{})
	go func() {
		defer close(burnt)
		for {
			select {
			case <-stop:
				return
			default:
			}
			for i := 0; i < 1e5; i++ {
				_ = i * i
			}
		}
	}()
	until := func(want bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); s.Busy() != want; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("Busy() never became %v", want)
			}
		}
	}
	until(true)
	close(stop)
	<-burnt
	runtime.GC() // nothing of the burn left for the collector to do later
	until(false)
}

// TestServerHasherHasASlotPerCore reads the slots off the hasher the
// server and the command line are wired with.
func TestServerHasherHasASlotPerCore(t *testing.T) {
	cfg, err := config.LoadPolicy(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	_, hasher := newEngine(testkit.SQLite(t), cfg.Policy(), cfg.PasswordMinLength, auth.Options{CacheSize: -1})
	defer hasher.Close()
	if running, limit := hasher.Running(); running != 0 || limit != runtime.GOMAXPROCS(0) {
		t.Fatalf("Running() = %d, %d; want 0 of GOMAXPROCS = %d", running, limit, runtime.GOMAXPROCS(0))
	}
}
