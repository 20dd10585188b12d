package auth

import (
	"context"

	"github.com/vigilauth/vigil"
)

// Audit appends an event describing what actor did, filling Time and the
// actor's address, agent and session. A failure to write is logged: the
// caller's action has already happened and is not undone.
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
