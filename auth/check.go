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

// Check returns the session of tok if it is live and within its limits.
// activity says whether the request counts as activity; activity is written
// to the store at most once per 1% of the idle timeout.
//
// Errors: UNAUTHENTICATED for an unknown token, SESSION_EXPIRED or
// SESSION_REVOKED (with the reason) for an ended one, vigil.ErrUnavailable
// (wrapped) when the store cannot answer.
func (e *Engine) Check(ctx context.Context, tok vigil.Token, activity bool) (*Current, error) {
	e.stats.checks.Add(1)
	h := tok.Hash()
	ent, cached, err := e.lookup(ctx, h)
	if err != nil {
		if vigil.ErrorCode(err) == vigil.CodeUnauthenticated {
			e.stats.unauthenticated.Add(1)
		}
		return nil, err
	}
	if !ent.sess.Live() {
		return nil, vigil.SessionEndedError(ent.sess.EndReason)
	}
	limits := e.opt.Policy.For(ent.user.Role)
	now := e.now()
	if reason, expired := limits.Expired(&ent.sess, now); expired {
		if cached && reason == vigil.ReasonInactivity {
			// Another instance may have recorded activity since this one
			// cached the session: decide on the store's copy.
			e.cache.dropSession(ent.sess.ID)
			if ent, err = e.load(ctx, h); err != nil {
				return nil, err
			}
			reason, expired = limits.Expired(&ent.sess, now)
		}
		if !ent.sess.Live() {
			return nil, vigil.SessionEndedError(ent.sess.EndReason)
		}
		if expired {
			return nil, e.expire(ctx, &ent, reason)
		}
	}
	if ent.user.Disabled {
		// Disabling ends every session; this covers a race with it.
		return nil, e.end(ctx, &ent, vigil.ReasonUserDisabled)
	}
	if gran := limits.ActivityGranularity(); activity && now.Sub(ent.sess.LastActivity) >= e.activity.threshold(gran) {
		if err := e.activity.record(ctx, ent.sess.ID, now, gran); err != nil {
			return nil, storeErr("record activity", err)
		}
		ent.sess.LastActivity = now
		e.cache.touched(h, ent)
	}
	return &Current{Session: ent.sess, User: ent.user, Limits: limits, Token: tok}, nil
}

// lookup finds the session of h in the cache (while the cache is current)
// or the store, and caches live sessions it reads from the store.
func (e *Engine) lookup(ctx context.Context, h vigil.TokenHash) (entry, bool, error) {
	fresh := e.follow.fresh()
	if fresh {
		if ent, ok := e.cache.get(h); ok {
			e.stats.cacheHits.Add(1)
			return ent, true, nil
		}
	}
	gen := e.cache.generation()
	ent, err := e.load(ctx, h)
	if err == nil && fresh && ent.sess.Live() {
		e.cache.put(gen, ent)
	}
	return ent, false, err
}

// load reads the session of h from the store.
func (e *Engine) load(ctx context.Context, h vigil.TokenHash) (entry, error) {
	s, u, err := e.store.SessionByToken(ctx, h)
	if errors.Is(err, vigil.ErrNotFound) {
		return entry{}, unauthenticated()
	}
	if err != nil {
		return entry{}, storeErr("look up session", err)
	}
	e.withPending(s) // activity noted here but not yet written counts too
	// A checked session never carries the password hash: nothing on the
	// request path needs it, and the cache holds less.
	u.PasswordHash = ""
	return entry{sess: *s, user: *u}, nil
}

// expire ends a session for an expiry and audits it, once.
func (e *Engine) expire(ctx context.Context, ent *entry, reason vigil.Reason) error {
	ended, err := e.store.EndSession(ctx, ent.sess.ID, reason, e.now())
	e.cache.dropSession(ent.sess.ID)
	if err != nil {
		return storeErr("end session", err)
	}
	if ended {
		e.stats.expired.Add(1)
		name := vigil.EventSessionExpiredInactivity
		if reason == vigil.ReasonLifetime {
			name = vigil.EventSessionExpiredLifetime
		}
		e.Audit(ctx, Actor{Username: "system", SessionID: ent.sess.ID}, vigil.Event{
			Username: ent.user.Username, Category: vigil.CategorySession, Event: name,
			IP: ent.sess.IP, UserAgent: ent.sess.UserAgent,
		})
	}
	return vigil.SessionEndedError(reason)
}

// end revokes a session found in a state it may not continue in.
func (e *Engine) end(ctx context.Context, ent *entry, reason vigil.Reason) error {
	if _, err := e.endSession(ctx, ent.sess.ID, reason); err != nil {
		return err
	}
	return vigil.SessionEndedError(reason)
}

func unauthenticated() *vigil.Error {
	return vigil.Errorf(vigil.CodeUnauthenticated, "Authentication required. Please log in.")
}

// storeErr names the operation a store failure interrupted. The failure
// stays what it was: vigil.ErrUnavailable (answered 503, fail closed) or an
// internal error.
func storeErr(op string, err error) error {
	return fmt.Errorf("auth: %s: %w", op, err)
}
