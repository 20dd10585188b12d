package auth

import (
	"context"
	"errors"
	"slices"

	"github.com/vigilauth/vigil"
)

// Logout ends the session of tok. An unknown or already ended token is not
// an error: logging out is always possible.
func (e *Engine) Logout(ctx context.Context, tok vigil.Token, a Actor) error {
	s, u, err := e.store.SessionByToken(ctx, tok.Hash())
	if errors.Is(err, vigil.ErrNotFound) {
		return nil
	}
	if err != nil {
		return storeErr("look up session", err)
	}
	ended, err := e.endSession(ctx, s.ID, vigil.ReasonLogout)
	if err != nil {
		return err
	}
	if ended {
		a.Username, a.SessionID = u.Username, s.ID
		e.Audit(ctx, a, vigil.Event{Username: u.Username, Category: vigil.CategorySession, Event: vigil.EventLogout})
	}
	return nil
}

// Sessions returns the user's live sessions, most recent activity first.
// Sessions already past their limits are left out.
func (e *Engine) Sessions(ctx context.Context, u *vigil.User) ([]vigil.Session, error) {
	list, err := e.store.ListSessions(ctx, u.ID)
	if err != nil {
		return nil, storeErr("list sessions", err)
	}
	now, out := e.now(), list[:0]
	for _, s := range list {
		e.withPending(&s)
		assured(&s)
		if _, expired := e.opt.Policy.ForSession(u.Role, s.AAL).Expired(&s, now); !expired {
			out = append(out, s)
		}
	}
	sortByActivity(out, func(s vigil.Session) vigil.Session { return s })
	return out, nil
}

// withPending adds activity noted but not yet written to s.
func (e *Engine) withPending(s *vigil.Session) {
	if t, ok := e.activity.latest(s.ID); ok && t.After(s.LastActivity) {
		s.LastActivity = t
	}
}

// sortByActivity orders sessions most recent activity first, newest first
// on ties, as the store does (pending activity may change the order).
func sortByActivity[T any](list []T, sess func(T) vigil.Session) {
	slices.SortStableFunc(list, func(a, b T) int {
		sa, sb := sess(a), sess(b)
		if c := sb.LastActivity.Compare(sa.LastActivity); c != 0 {
			return c
		}
		return sb.CreatedAt.Compare(sa.CreatedAt)
	})
}

// RevokeSession ends one of the caller's own sessions. NOT_FOUND when id is
// not a live session of the caller (someone else's is not revealed).
func (e *Engine) RevokeSession(ctx context.Context, cur *Current, id string, a Actor) error {
	s, err := e.store.SessionByID(ctx, id)
	if errors.Is(err, vigil.ErrNotFound) || (err == nil && (s.UserID != cur.User.ID || !s.Live())) {
		return vigil.Errorf(vigil.CodeNotFound, "No such session.")
	}
	if err != nil {
		return storeErr("find session", err)
	}
	ended, err := e.endSession(ctx, id, vigil.ReasonRevoked)
	if err != nil {
		return err
	}
	if !ended {
		return vigil.Errorf(vigil.CodeNotFound, "No such session.")
	}
	e.Audit(ctx, a, vigil.Event{Username: cur.User.Username, Category: vigil.CategorySession,
		Event: vigil.EventSessionRevoked, Detail: "session " + id + " signed out by its user"})
	return nil
}

// RevokeOthers ends every session of the caller but the current one and
// returns how many it ended.
func (e *Engine) RevokeOthers(ctx context.Context, cur *Current, a Actor) (int, error) {
	ids, err := e.endUserSessions(ctx, cur.User.ID, cur.Session.ID, vigil.ReasonRevoked)
	if err != nil {
		return 0, err
	}
	e.Audit(ctx, a, vigil.Event{Username: cur.User.Username, Category: vigil.CategorySession,
		Event: vigil.EventSessionsRevokedOthers, Detail: countDetail(len(ids))})
	return len(ids), nil
}

// endUserSessions ends a user's sessions (but except) and drops them from
// the cache.
func (e *Engine) endUserSessions(ctx context.Context, userID int64, except string, reason vigil.Reason) ([]string, error) {
	ids, err := e.store.EndUserSessions(ctx, userID, except, reason, e.now())
	e.cache.dropUser(userID)
	if err != nil {
		return nil, storeErr("end sessions", err)
	}
	e.stats.revoked.Add(int64(len(ids)))
	return ids, nil
}

// endSession ends one session for a revocation, drops it from the cache
// and reports whether this call ended it.
func (e *Engine) endSession(ctx context.Context, id string, reason vigil.Reason) (bool, error) {
	ended, err := e.store.EndSession(ctx, id, reason, e.now())
	e.cache.dropSession(id)
	if err != nil {
		return false, storeErr("end session", err)
	}
	if ended {
		e.stats.revoked.Add(1)
	}
	return ended, nil
}

// endQuietly is endSession for side effects of another action (a login):
// a failure is logged, not returned.
func (e *Engine) endQuietly(ctx context.Context, id string, reason vigil.Reason) bool {
	ended, err := e.endSession(ctx, id, reason)
	if err != nil {
		e.log.Error("session not ended", "session_id", id, "err", err)
	}
	return ended
}
