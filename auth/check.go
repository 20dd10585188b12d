package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/vigilauth/vigil"
)

// Current is a checked session: the session, its user and the limits that
// apply to it. Token is set only where a new token was just issued (login,
// re-authentication). Its Session's Binding says whether it is bound and
// which bound cookie it accepts (BoundAt, CookieHash, CookieLapse); the
// key and the outstanding challenge are left out (see BindDevice and
// RefreshDevice, which read them from the store).
type Current struct {
	Session vigil.Session
	User    vigil.User
	Limits  vigil.Limits
	Token   vigil.Token
	// Challenge is set only at login while device binding is offered: the
	// challenge to offer the browser (Secure-Session-Registration), whose
	// hash the new session keeps.
	Challenge string
}

// Actor returns the audit actor for requests made with this session.
func (c *Current) Actor(ip, userAgent string) Actor {
	return Actor{Username: c.User.Username, SessionID: c.Session.ID, IP: ip, UserAgent: userAgent}
}

// Check returns the session of tok if it is live and within its limits,
// with Token set to tok. activity says whether the request counts as
// activity; activity is written to the store at most once per 1% of the
// idle timeout. It presents no bound cookie: CheckBound does.
//
// Errors: UNAUTHENTICATED for an unknown token, SESSION_EXPIRED or
// SESSION_REVOKED (with the reason) for an ended one,
// DEVICE_BINDING_REQUIRED for a device-bound session (see CheckBound),
// vigil.ErrUnavailable (wrapped) when the store cannot answer.
func (e *Engine) Check(ctx context.Context, tok vigil.Token, activity bool) (*Current, error) {
	return e.CheckBound(ctx, tok, BoundCookie{}, activity)
}

// CheckBound is Check for a request that may carry a bound cookie: once
// device binding is on (DeviceBinding.Offer) and the session is bound,
// bound must be its current bound cookie, before the cookie lapses by the
// engine's clock; a session of a role that must be bound and is not
// within the grace is revoked (reason device_binding_missing).
//
// Errors: as Check; DEVICE_BINDING_REQUIRED (vigil.ErrDeviceBindingRequired)
// when a bound session's request lacks its current bound cookie.
func (e *Engine) CheckBound(ctx context.Context, tok vigil.Token, bound BoundCookie, activity bool) (*Current, error) {
	cur := new(Current)
	if err := e.check(ctx, tok, bound, checkEnforce|checkActivity(activity), cur); err != nil {
		return nil, err
	}
	cur.Token = tok
	return cur, nil
}

// Verify is Check for the hottest path (forward auth), where nothing needs
// the token back: it returns the session by value, so a warm session costs
// no allocation (the cached strings are shared, see cache). Its Token is
// zero. It presents no bound cookie: VerifyBound does.
func (e *Engine) Verify(ctx context.Context, tok vigil.Token, activity bool) (Current, error) {
	return e.VerifyBound(ctx, tok, BoundCookie{}, activity)
}

// VerifyBound is Verify with the request's bound cookie, as CheckBound
// checks it: a hash and a constant-time comparison, no allocation for a
// warm session.
func (e *Engine) VerifyBound(ctx context.Context, tok vigil.Token, bound BoundCookie, activity bool) (Current, error) {
	var cur Current
	err := e.check(ctx, tok, bound, checkEnforce|checkActivity(activity), &cur)
	return cur, err
}

// checkMode says what a check does beyond the session's own limits.
type checkMode uint8

const (
	checkCountsActivity checkMode = 1 << iota // the request is activity
	checkEnforce                              // a bound session needs its bound cookie
)

func checkActivity(activity bool) checkMode {
	if activity {
		return checkCountsActivity
	}
	return 0
}

// check is Check and Verify, writing the session to cur.
func (e *Engine) check(ctx context.Context, tok vigil.Token, bound BoundCookie, mode checkMode, cur *Current) error {
	activity := mode&checkCountsActivity != 0
	h := tok.Hash()
	var seen vigil.Token // the bound cookie the cache last saw match
	cached, err := e.lookup(ctx, h, cur, &seen)
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
	if cur.Session.AAL < vigil.AAL2 && e.opt.MFA.requires(cur.User.Role) {
		return e.endBelowPolicy(ctx, cur)
	}
	if err := e.checkBinding(ctx, h, bound, mode, cached, seen, cur, now); err != nil {
		return err
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
// or the store, writes it to cur (and to seen the bound cookie the cache
// last saw match, see slot.seen), and caches live sessions it reads from
// the store. It reports whether the cache answered.
func (e *Engine) lookup(ctx context.Context, h vigil.TokenHash, cur *Current, seen *vigil.Token) (bool, error) {
	fresh := e.follow.fresh()
	if fresh && e.cache.getSeen(h, cur, seen) {
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

// reload reads the session of h from the store again, for a decision the
// cache's copy may be too old for (another instance recorded activity,
// bound the session or renewed its bound cookie, and this one has not
// followed the log that far yet), and caches what it read.
func (e *Engine) reload(ctx context.Context, h vigil.TokenHash, cur *Current) error {
	gen := e.cache.generation()
	loaded, err := e.load(ctx, h)
	if err != nil {
		return err
	}
	*cur = loaded
	if e.follow.fresh() {
		e.cache.put(gen, cur)
	}
	return nil
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
	// A checked session never carries the password hash, the device key or
	// the outstanding challenge: nothing on the request path needs them,
	// and a cached one has none either.
	u.PasswordHash = ""
	s.Binding = vigil.Binding{BoundAt: s.Binding.BoundAt, CookieHash: s.Binding.CookieHash, CookieLapse: s.Binding.CookieLapse}
	assured(s)
	return Current{Session: *s, User: *u, Limits: e.opt.Policy.ForSession(u.Role, s.AAL)}, nil
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
