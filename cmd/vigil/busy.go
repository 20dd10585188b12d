package main

import (
	"sync"
	"time"
)

// serving says whether this process is serving requests: its own threads
// (not its hash workers, which are processes of their own) used more than
// servingCores of CPU over the last servingWindow or so. The hasher holds a
// slot back while it is (password.Hasher.HoldBack): logins then leave a
// core to the people already signed in, and take every core when nobody
// else is using the server. A login's own work in the server (about 3 ms
// of CPU) stays far below it at the login rate of a few cores hashing.
type serving struct {
	mu   sync.Mutex
	at   time.Time
	used time.Duration
	busy bool
}

const (
	servingCores  = 0.25
	servingWindow = 100 * time.Millisecond
)

// Busy is the verdict of the last window; a new one is measured when the
// last is servingWindow old. Where the process's CPU time cannot be read,
// it is always busy: a slot stays held, as before HoldBack.
func (s *serving) Busy() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	elapsed := now.Sub(s.at)
	if elapsed < servingWindow {
		return s.busy
	}
	used, ok := processCPU()
	if !ok {
		s.busy = true
		return true
	}
	s.busy = !s.at.IsZero() && float64(used-s.used) > servingCores*float64(elapsed)
	s.at, s.used = now, used
	return s.busy
}
