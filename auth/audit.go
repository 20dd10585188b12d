package auth

import (
	"context"

	"github.com/vigilauth/vigil"
)

// Bounds of the audit fields, in bytes. Many fields carry what a client
// sent (a username typed at login, its address, its User-Agent, a path), so
// each is bounded: no request can grow the log by more than about 2 KiB
// (OWASP ASVS 5.0 2.4.1: no garbage-data creation or quota exhaustion;
// 16.4.1: what is logged is encoded). A longer value is cut on a character
// boundary and ends in "…" (see bounded).
const (
	maxAuditName    = 128  // username, actor: a valid username has at most 64
	maxAuditWord    = 64   // category, event
	maxAuditDetail  = 1024 // detail
	maxAuditIP      = 64   // ip: the longest IPv6 text is 45
	maxAuditAgent   = 512  // user_agent, as sessions keep it
	maxAuditSession = 64   // session_id: public ids have 22
)

// Audit appends an event describing what actor did, filling Time and the
// actor's address, agent and session. Every field is bounded (see
// maxAuditDetail and the others) and made valid UTF-8. A failure to write
// is logged: the caller's action has already happened and is not undone.
func (e *Engine) Audit(ctx context.Context, a Actor, ev vigil.Event) {
	ev.Time = e.now()
	if ev.Actor == "" {
		ev.Actor = a.Username
	}
	if ev.IP == "" {
		ev.IP = a.IP
	}
	if ev.UserAgent == "" {
		ev.UserAgent = a.UserAgent
	}
	if ev.SessionID == "" {
		ev.SessionID = a.SessionID
	}
	if ev.Actor == "" {
		ev.Actor = "anonymous"
	}
	boundEvent(&ev)
	// The audit trail must survive the request being cancelled.
	ctx = context.WithoutCancel(ctx)
	if err := e.store.AppendEvent(ctx, &ev); err != nil {
		e.log.Error("audit event not written", "event", ev.Event, "username", ev.Username, "err", err)
	}
}

// Events returns audit events, newest first.
func (e *Engine) Events(ctx context.Context, f vigil.EventFilter) ([]vigil.Event, error) {
	return e.store.Events(ctx, f)
}

// boundEvent bounds every text field of ev.
func boundEvent(ev *vigil.Event) {
	ev.Username = bounded(ev.Username, maxAuditName)
	ev.Actor = bounded(ev.Actor, maxAuditName)
	ev.Category = bounded(ev.Category, maxAuditWord)
	ev.Event = bounded(ev.Event, maxAuditWord)
	ev.Detail = bounded(ev.Detail, maxAuditDetail)
	ev.IP = bounded(ev.IP, maxAuditIP)
	ev.UserAgent = bounded(ev.UserAgent, maxAuditAgent)
	ev.SessionID = bounded(ev.SessionID, maxAuditSession)
}
