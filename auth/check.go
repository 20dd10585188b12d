package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/vigilauth/vigil"
)

// Current is a checked session: the session, its user and the limits that
// apply to it. Token is set only where a new token was just issued (login,
// re-authentication).
type Current struct {
	Session vigil.Session
	User    vigil.User
	Limits  vigil.Limits
	Token   vigil.Token
}

// Actor returns the audit actor for requests made with this session.
func (c *Current) Actor(ip, userAgent string) Actor {
	return Actor{Username: c.User.Username, SessionID: c.Session.ID, IP: ip, UserAgent: userAgent}
}

// Check returns the session of tok if it is live and within its limits,
// with Token set to tok. activity says whether the request counts as
// activity; activity is written to the store at most once per 1% of the
// idle timeout.
//
// Errors: UNAUTHENTICATED for an unknown token, SESSION_EXPIRED or
// SESSION_REVOKED (with the reason) for an ended one, vigil.ErrUnavailable
// (wrapped) when the store cannot answer.
func (e *Engine) Check(ctx context.Context, tok vigil.Token, activity bool) (*Current, error) {
	cur := new(Current)
	if err := e.check(ctx, tok, activity, cur); err != nil {
		return nil, err
	}
	cur.Token = tok
	return cur, nil
}

// Verify is Check for the hottest path (forward auth), where nothing needs
// the token back: it returns the session by value, so a warm session costs
// no allocation (the cached strings are shared, see cache). Its Token is
// zero.
func (e *Engine) Verify(ctx context.Context, tok vigil.Token, activity bool) (Current, error) {
	var cur Current
	err := e.check(ctx, tok, activity, &cur)
	return cur, err
}

// check is Check and Verify, writing the session to cur.
func (e *Engine) check(ctx context.Context, tok vigil.Token, activity bool, cur *Current) error {
	h := tok.Hash()
	cached, err := e.lookup(ctx, h, cur)
	if err != nil {
		if vigil.ErrorCode(err) == vigil.CodeUnauthenticated {
			e.stats.unauthenticated.Add(1)
		}
		return err
	}
	if !cur.Session.Live() {
		return vigil.SessionEndedError(cur.Session.EndReason)
	}
	now := e.now()
	if reason, expired := cur.Limits.Expired(&cur.Session, now); expired {
		if cached && reason == vigil.ReasonInactivity {
			// Another instance may have recorded activity since this one
			// cached the session: decide on the store's copy.
			e.cache.dropSession(cur.Session.ID)
			if *cur, err = e.load(ctx, h); err != nil {
				return err
			}
			reason, expired = cur.Limits.Expired(&cur.Session, now)
		}
		if !cur.Session.Live() {
			return vigil.SessionEndedError(cur.Session.EndReason)
		}
		if expired {
			return e.expire(ctx, cur, reason)
		}
	}
	if cur.User.Disabled {
		// Disabling ends every session; this covers a race with it.
		return e.end(ctx, cur, vigil.ReasonUserDisabled)
	}
	if gran := cur.Limits.ActivityGranularity(); activity && now.Sub(cur.Session.LastActivity) >= e.activity.threshold(gran) {
		if err := e.activity.record(ctx, cur.Session.ID, now, gran); err != nil {
			return storeErr("record activity", err)
		}
		e.cache.touched(h, now)
		cur.Session.LastActivity = now
	}
	return nil
}

// lookup finds the session of h in the cache (while the cache is current)
// or the store, writes it to cur, and caches live sessions it reads from
// the store. It reports whether the cache answered.
func (e *Engine) lookup(ctx context.Context, h vigil.TokenHash, cur *Current) (bool, error) {
	fresh := e.follow.fresh()
	if fresh && e.cache.get(h, cur) {
		e.stats.cacheHits.Add(1)
		return true, nil
	}
	e.stats.uncached.Add(1)
	gen := e.cache.generation()
	loaded, err := e.load(ctx, h)
	if err != nil {
		return false, err
	}
	*cur = loaded
	if fresh {
		e.cache.put(gen, cur)
	}
	return false, nil
}

// load reads the session of h from the store.
func (e *Engine) load(ctx context.Context, h vigil.TokenHash) (Current, error) {
	s, u, err := e.store.SessionByToken(ctx, h)
	if errors.Is(err, vigil.ErrNotFound) {
		return Current{}, unauthenticated()
	}
	if err != nil {
		return Current{}, storeErr("look up session", err)
	}
	e.withPending(s) // activity noted here but not yet written counts too
	// A checked session never carries the password hash: nothing on the
	// request path needs it.
	u.PasswordHash = ""
	return Current{Session: *s, User: *u, Limits: e.opt.Policy.For(u.Role)}, nil
}

// expire ends a session for an expiry and audits it, once.
func (e *Engine) expire(ctx context.Context, cur *Current, reason vigil.Reason) error {
	ended, err := e.store.EndSession(ctx, cur.Session.ID, reason, e.now())
	e.cache.dropSession(cur.Session.ID)
	if err != nil {
		return storeErr("end session", err)
	}
	if ended {
		e.stats.expired.Add(1)
		name := vigil.EventSessionExpiredInactivity
		if reason == vigil.ReasonLifetime {
			name = vigil.EventSessionExpiredLifetime
		}
		e.Audit(ctx, Actor{Username: "system", SessionID: cur.Session.ID}, vigil.Event{
			Username: cur.User.Username, Category: vigil.CategorySession, Event: name,
			IP: cur.Session.IP, UserAgent: cur.Session.UserAgent,
		})
	}
	return vigil.SessionEndedError(reason)
}

// end revokes a session found in a state it may not continue in.
func (e *Engine) end(ctx context.Context, cur *Current, reason vigil.Reason) error {
	if _, err := e.endSession(ctx, cur.Session.ID, reason); err != nil {
		return err
	}
	return vigil.SessionEndedError(reason)
}

func unauthenticated() *vigil.Error { return vigil.ErrUnauthenticated }

// storeErr names the operation a store failure interrupted. The failure
// stays what it was: vigil.ErrUnavailable (answered 503, fail closed) or an
// internal error.
func storeErr(op string, err error) error {
	return fmt.Errorf("auth: %s: %w", op, err)
}
