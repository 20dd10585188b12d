package password

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// startAcquire acquires a slot of s in a goroutine; the channel gets its
// result.
func startAcquire(ctx context.Context, s *slots) <-chan error {
	done := make(chan error, 1)
	go func() { done <- s.acquire(ctx) }()
	return done
}

// waiting waits until n acquires wait in s's queue.
func waiting(t *testing.T, s *slots, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		s.mu.Lock()
		q := len(s.queue)
		s.mu.Unlock()
		if q == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d acquires waiting; want %d", q, n)
		}
	}
}

// busyPair is two slots, one held back while busy (true at first), the
// other taken.
func busyPair(t *testing.T) (*slots, *atomic.Bool) {
	busy := new(atomic.Bool)
	busy.Store(true)
	s := newSlots(2)
	s.holdBack(1, busy.Load)
	mustAcquire(t, s)
	return s, busy
}

func mustAcquire(t *testing.T, s *slots) {
	t.Helper()
	if err := s.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// mustStart waits for an acquire started by startAcquire to get its slot.
func mustStart(t *testing.T, done <-chan error) {
	t.Helper()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func allReleased(t *testing.T, s *slots) {
	t.Helper()
	if running, _ := s.counts(); running != 0 {
		t.Fatalf("running = %d after every release", running)
	}
}

func assertStillWaiting(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		t.Fatalf("acquire returned %v while no slot was free", err)
	case <-time.After(3 * recheckEvery): // several rechecks
	}
}

func TestHeldSlotWaitsWhileBusy(t *testing.T) {
	s, busy := busyPair(t)
	second := startAcquire(context.Background(), s)
	waiting(t, s, 1)
	assertStillWaiting(t, second)
	if running, n := s.counts(); running != 1 || n != 2 {
		t.Fatalf("counts = %d, %d; want 1 running of 2", running, n)
	}

	busy.Store(false) // the process went quiet: the held slot is given out
	mustStart(t, second)
	if running, _ := s.counts(); running != 2 {
		t.Fatalf("running = %d; want 2", running)
	}

	// Busy again with both running: a release does not bring the running
	// count back to two.
	busy.Store(true)
	third := startAcquire(context.Background(), s)
	waiting(t, s, 1)
	s.release()
	assertStillWaiting(t, third)
	s.release() // under the busy limit: the waiter starts
	mustStart(t, third)
	s.release()
	allReleased(t, s)
}

func TestEverySlotWhileIdle(t *testing.T) {
	s := newSlots(3)
	s.holdBack(1, func() bool { return false })
	for range 3 {
		mustAcquire(t, s)
	}
	fourth := startAcquire(context.Background(), s)
	waiting(t, s, 1)
	assertStillWaiting(t, fourth) // never more than n, busy or not
	s.release()
	mustStart(t, fourth)
}

func TestHoldBackKeepsOneSlot(t *testing.T) {
	s := newSlots(1)
	s.holdBack(5, func() bool { return true })
	mustAcquire(t, s) // held back is at most n − 1
	s.release()
	s = newSlots(4)
	s.holdBack(9, func() bool { return true })
	if s.held != 3 {
		t.Fatalf("held = %d of 4; want 3", s.held)
	}
}

func TestWaitersStartInOrder(t *testing.T) {
	s := newSlots(1)
	mustAcquire(t, s)
	var order []int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 5 {
		waiting(t, s, i) // each joins the queue after the one before
		wg.Go(func() {
			if err := s.acquire(context.Background()); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			s.release()
		})
	}
	waiting(t, s, 5)
	s.release()
	wg.Wait()
	for i, got := range order {
		if got != i {
			t.Fatalf("waiters started in order %v", order)
		}
	}
}

func TestCancelledWaiterLeavesTheQueue(t *testing.T) {
	s, _ := busyPair(t) // busy throughout: the second waiter starts only on a release
	ctx, cancel := context.WithCancel(context.Background())
	first := startAcquire(ctx, s)
	waiting(t, s, 1)
	second := startAcquire(context.Background(), s)
	waiting(t, s, 2)
	cancel()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Fatalf("acquire = %v; want context.Canceled", err)
	}
	waiting(t, s, 1)
	s.release()
	mustStart(t, second)
	s.release()
	allReleased(t, s)
}

// TestSlotGivenAsTheWaiterLeaves races a release against a waiter's
// cancellation: a slot handed to a waiter that has gone is handed on, so
// none is lost and none is given twice.
func TestSlotGivenAsTheWaiterLeaves(t *testing.T) {
	s := newSlots(1)
	for range 200 {
		mustAcquire(t, s)
		ctx, cancel := context.WithCancel(context.Background())
		leaving := startAcquire(ctx, s)
		waiting(t, s, 1)
		staying := startAcquire(context.Background(), s)
		waiting(t, s, 2)
		go cancel()
		s.release()
		if err := <-leaving; err == nil {
			s.release() // it got the slot before it left
		}
		mustStart(t, staying)
		s.release()
		allReleased(t, s)
	}
}

func TestHasherHoldsBackWhileBusy(t *testing.T) {
	var busy atomic.Bool
	busy.Store(true)
	h := NewHasher(cheap, 2).HoldBack(1, busy.Load)
	_ = h.slots.acquire(context.Background()) // a hash in progress
	done := make(chan error, 1)
	go func() {
		_, err := h.Hash(context.Background(), "correct horse battery staple")
		done <- err
	}()
	waiting(t, h.slots, 1)
	if running, limit := h.Running(); running != 1 || limit != 2 {
		t.Fatalf("Running = %d, %d; want 1 of 2", running, limit)
	}
	busy.Store(false)
	mustStart(t, done)
	h.slots.release()
}
