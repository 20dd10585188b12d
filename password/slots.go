package password

import (
	"context"
	"slices"
	"sync"
	"time"
)

// slots bounds how many hashes run at once: n, of which held are given out
// only while busy reports false. A process serving requests keeps a core
// for them; an otherwise idle one lets logins use every core. Waiters are
// served first come, first served.
type slots struct {
	mu      sync.Mutex
	n       int
	held    int
	busy    func() bool // nil: never busy
	running int
	queue   []chan struct{}
	// recheck, while set, asks busy again: some waiter is kept out only by
	// the held slots.
	recheck *time.Timer
}

// recheckEvery is how often waiters kept out by the held slots look again
// whether the process is still busy.
const recheckEvery = 100 * time.Millisecond

func newSlots(n int) *slots { return &slots{n: n} }

// holdBack keeps held of s's slots (at most n − 1) for when busy reports
// false.
func (s *slots) holdBack(held int, busy func() bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held = min(max(held, 0), s.n-1)
	s.busy = busy
}

// acquire takes a slot, or returns ctx.Err() when ctx has ended or ends
// first: a request whose client has gone computes nothing.
func (s *slots) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	if len(s.queue) == 0 && s.free() {
		s.running++
		s.mu.Unlock()
		return nil
	}
	ready := make(chan struct{})
	s.queue = append(s.queue, ready)
	s.watch()
	s.mu.Unlock()
	select {
	case <-ready:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		defer s.mu.Unlock()
		if i := slices.Index(s.queue, ready); i >= 0 {
			s.queue = slices.Delete(s.queue, i, i+1)
		} else { // given a slot as ctx ended: hand it on
			s.running--
			s.admit()
		}
		return ctx.Err()
	}
}

// release gives back the slot taken by acquire.
func (s *slots) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running--
	s.admit()
}

// free reports whether one more hash may start now. s.mu is held.
func (s *slots) free() bool {
	if s.running < s.n-s.held {
		return true
	}
	return s.running < s.n && (s.busy == nil || !s.busy())
}

// admit starts waiters while slots are free. s.mu is held.
func (s *slots) admit() {
	for len(s.queue) > 0 && s.free() {
		close(s.queue[0])
		s.queue[0] = nil
		s.queue = s.queue[1:]
		s.running++
	}
	s.watch()
}

// watch arms the recheck when a waiter is kept out only by the held slots.
// s.mu is held.
func (s *slots) watch() {
	if len(s.queue) == 0 || s.running >= s.n || s.recheck != nil {
		return
	}
	s.recheck = time.AfterFunc(recheckEvery, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.recheck = nil
		s.admit()
	})
}

// counts returns how many slots are taken, and how many there are.
func (s *slots) counts() (running, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running, s.n
}
