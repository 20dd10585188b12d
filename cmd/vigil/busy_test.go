package main

import (
	"runtime"
	"testing"
	"time"
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

func TestOneHashSlotPerCore(t *testing.T) {
	if got, want := hashSlots(), runtime.GOMAXPROCS(0); got != want {
		t.Fatalf("hashSlots() = %d; want %d", got, want)
	}
}
