// Package seed fills the bench's stores with live sessions quickly, before
// the servers start: vigil's SQLite and PostgreSQL stores, and scs's. Every
// store also gets a write counter (a trigger on its sessions table), so the
// harness can count the store writes a run caused.
package seed

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"
)

// VigilCookie is vigil's session cookie with --dev; SCSCookie is scs's
// default session cookie.
const (
	VigilCookie = "vigil_session"
	SCSCookie   = "session"
)

// Spec says what to create.
type Spec struct {
	Sessions int // live sessions
	Users    int // users they belong to, round robin (default 100)
	// LastActivity is every vigil session's last activity (default: now).
	LastActivity time.Time
}

func (s Spec) users() int {
	if s.Users <= 0 {
		return 100
	}
	return min(s.Users, max(s.Sessions, 1))
}

func (s Spec) lastActivity(now time.Time) time.Time {
	if s.LastActivity.IsZero() {
		return now
	}
	return s.LastActivity
}

// Username is the name of user i.
func Username(i int) string { return fmt.Sprintf("bench%04d", i) }

// scsToken makes a token as scs does (32 random bytes, unpadded base64url).
func scsToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
