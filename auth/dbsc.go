package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/dbsc"
)

// Device-bound sessions (DBSC, W3C WebAppSec draft; Chromium's Device
// Bound Session Credentials). At sign-in the engine gives the new session
// a challenge (in the same insert, no extra write), which the browser
// signs with a key pair of its own to bind the session (BindDevice); the
// session then needs, on every request, a short-lived bound cookie that
// only a proof signed with that key renews (RefreshDevice). The check of a
// request (CheckBound, VerifyBound) is a SHA-256 of the bound cookie and a
// constant-time comparison with the hash the session keeps, and the
// cookie's lapse by the engine's clock: no signature per request. A
// session cookie copied elsewhere stops working when the copied bound
// cookie lapses.

// DeviceBinding configures device-bound sessions (--device-binding and its
// companions). The zero value is off: no challenge is offered, and a
// session bound earlier is checked as an unbound one.
type DeviceBinding struct {
	// Offer binding at every sign-in, and enforce it on every session
	// that bound (--device-binding optional). A browser without DBSC works
	// as without binding.
	Offer bool
	// Required are the roles whose sessions must bind within Grace of
	// their sign-in (--device-binding-required): one that has not is
	// revoked (reason device_binding_missing). Only with Offer.
	Required []vigil.Role
	// Grace is how long a session of a required role may stay unbound;
	// default 60s.
	Grace time.Duration
	// CookieLifetime is how long a bound cookie is accepted after it was
	// issued, by the engine's clock; default 10m.
	CookieLifetime time.Duration
}

// ChallengeTTL is how long a device-binding challenge may be signed: the
// browser signs the one a sign-in offers, or a refresh's, at once.
const ChallengeTTL = 5 * time.Minute

func (d DeviceBinding) withDefaults() DeviceBinding {
	if d.Grace <= 0 {
		d.Grace = time.Minute
	}
	if d.CookieLifetime <= 0 {
		d.CookieLifetime = 10 * time.Minute
	}
	return d
}

// requires reports whether sessions of role must be bound.
func (d *DeviceBinding) requires(role vigil.Role) bool {
	return d.Offer && slices.Contains(d.Required, role)
}

// DeviceBinding returns the device-binding settings in use.
func (e *Engine) DeviceBinding() DeviceBinding { return e.opt.DeviceBinding }

// BoundCookie is the bound cookie a request carries: Present when it has
// one, with its value read as a token (the zero token when it is not one,
// which no session's cookie hashes to).
type BoundCookie struct {
	Value   vigil.Token
	Present bool
}

// Bound is a bound cookie just issued: its value for the browser, and when
// the server stops accepting it.
type Bound struct {
	Cookie vigil.Token
	Lapse  time.Time
}

// checkBinding is the device-binding part of a check, on a live session
// within its limits. A session of a role that must be bound and is not,
// past the grace, is revoked; a bound session (when enforced) needs its
// current bound cookie: the value the cache last saw match (seen), or one
// whose SHA-256 is the session's, before it lapses. A cached copy that
// would refuse is first read again from the store: another instance may
// have bound the session or renewed its cookie, and this one not yet
// followed the log.
func (e *Engine) checkBinding(ctx context.Context, h vigil.TokenHash, bound BoundCookie, mode checkMode, cached bool,
	seen vigil.Token, cur *Current, now time.Time) error {
	d := &e.opt.DeviceBinding
	if !d.Offer {
		return nil
	}
	b := &cur.Session.Binding
	if mode&checkEnforce != 0 && cached && cur.Session.Bound() && bound.Present && seen != (vigil.Token{}) &&
		subtle.ConstantTimeCompare(bound.Value[:], seen[:]) == 1 && now.Before(b.CookieLapse) {
		return nil // the cookie the cache saw hash to the session's: no SHA-256
	}
	bad := func() bool {
		if !cur.Session.Bound() {
			return d.requires(cur.User.Role) && !now.Before(cur.Session.CreatedAt.Add(d.Grace))
		}
		if mode&checkEnforce == 0 {
			return false
		}
		if !cookieMatches(b, bound, now) {
			return true
		}
		if cached {
			e.cache.sawBound(h, b.CookieHash, bound.Value)
		}
		return false
	}
	if !bad() {
		return nil
	}
	if cached && (bound.Present || !cur.Session.Bound()) {
		if err := e.reload(ctx, h, cur); err != nil {
			return err
		}
		if !cur.Session.Live() {
			return vigil.SessionEndedError(cur.Session.EndReason)
		}
		if !bad() {
			return nil
		}
	}
	if !cur.Session.Bound() {
		return e.endUnbound(ctx, cur)
	}
	return vigil.ErrDeviceBindingRequired
}

// cookieMatches reports whether c is the binding's current bound cookie,
// before it lapses: a hash and a constant-time comparison (OWASP ASVS 5.0
// 11.2.4: no early exit that times the match).
func cookieMatches(b *vigil.Binding, c BoundCookie, now time.Time) bool {
	if !c.Present {
		return false
	}
	h := c.Value.Hash()
	return subtle.ConstantTimeCompare(h[:], b.CookieHash[:]) == 1 && now.Before(b.CookieLapse)
}

// endUnbound revokes a session of a role that must be bound, which was not
// within the grace, and audits it.
func (e *Engine) endUnbound(ctx context.Context, cur *Current) error {
	return e.systemRevoke(ctx, cur, vigil.ReasonDeviceBindingMissing, "reason="+string(vigil.ReasonDeviceBindingMissing))
}

// offerChallenge gives a new session its first challenge, when binding is
// offered; it returns the challenge for the browser ("" when not).
func (e *Engine) offerChallenge(s *vigil.Session, now time.Time) string {
	if !e.opt.DeviceBinding.Offer {
		return ""
	}
	ch := vigil.NewToken()
	s.Binding.Challenge, s.Binding.ChallengeExpires = ch.Hash(), now.Add(ChallengeTTL)
	return ch.String()
}

// SessionForBinding returns the session of tok as the device-binding
// routes see it: live, within its limits (a session of a role that must be
// bound is revoked past the grace, as at every check), but without its
// bound cookie, which registration has not issued yet and a refresh is
// there to renew. It never counts as activity.
//
// Errors: as Check, without DEVICE_BINDING_REQUIRED.
func (e *Engine) SessionForBinding(ctx context.Context, tok vigil.Token) (*Current, error) {
	cur := new(Current)
	if err := e.check(ctx, tok, BoundCookie{}, 0, cur); err != nil {
		return nil, err
	}
	cur.Token = tok
	return cur, nil
}

// BindDevice binds cur's session (SessionForBinding's) to the key of a
// registration proof, the browser's Secure-Session-Response: a JWT signed
// with that key over the challenge the sign-in offered (used up by this
// call). It returns the first bound cookie, and audits device_bound, or
// device_binding_failed for a refusal.
//
// Errors: NOT_FOUND while binding is off; CONFLICT for a session already
// bound; INVALID_REQUEST for a proof that is not a usable JWT or whose
// signature does not verify with the key it carries; DEVICE_PROOF_REQUIRED
// for a proof over a challenge that is not the session's outstanding one
// (used, expired, never issued); or the store's failure.
func (e *Engine) BindDevice(ctx context.Context, cur *Current, proof string, a Actor) (Bound, error) {
	if !e.opt.DeviceBinding.Offer {
		return Bound{}, errBindingOff()
	}
	fail := e.bindingFailed(ctx, cur, a, "registration: ")
	if cur.Session.Bound() {
		fail("session is already bound")
		return Bound{}, vigil.Errorf(vigil.CodeConflict, "This session is already bound to a device.")
	}
	p, err := dbsc.VerifyRegistration(proof)
	if err != nil {
		fail("malformed proof: " + err.Error())
		return Bound{}, malformedProof(err)
	}
	now := e.now()
	cookie := vigil.NewToken()
	b := vigil.Binding{Key: string(p.Key.JWK), Thumbprint: p.Key.Thumbprint, BoundAt: now,
		CookieHash: cookie.Hash(), CookieLapse: now.Add(e.opt.DeviceBinding.CookieLifetime)}
	err = e.store.BindSession(ctx, cur.Session.ID, challengeHash(p.Challenge), b)
	e.cache.dropSession(cur.Session.ID)
	if errors.Is(err, vigil.ErrNotFound) {
		fail("challenge used, expired or not the session's")
		return Bound{}, errProofRequired()
	}
	if err != nil {
		return Bound{}, storeErr("bind session", err)
	}
	e.audit(ctx, cur, a, vigil.EventDeviceBound, "alg="+p.Key.Alg+" thumbprint="+p.Key.Thumbprint)
	return Bound{Cookie: cookie, Lapse: b.CookieLapse}, nil
}

// RefreshDevice renews the bound cookie of cur's session (SessionForBinding's),
// which the browser names named (Sec-Secure-Session-Id), with a refresh
// proof: a JWT signed with the session's key (read from the
// store; the algorithm is the key's, never the token's) over the
// session's outstanding challenge (used up by this call). It returns the
// new bound cookie, and audits device_binding_refreshed, or
// device_binding_failed for a refusal. A proof whose signature does not
// verify with the session's key means someone other than the bound
// browser holds the session cookie: the session is revoked (reason
// device_binding_failed).
//
// Errors: NOT_FOUND while binding is off, for a session that is not
// bound, or when named is another session's; INVALID_REQUEST when named
// is empty (no usable Sec-Secure-Session-Id) or for a proof that is not a
// usable JWT; SESSION_REVOKED (device_binding_failed) for a bad
// signature; DEVICE_PROOF_REQUIRED without a proof (the protocol's first
// step; not audited) or for a proof over a challenge that is not the
// session's outstanding one (a replay, or one used, expired or never
// issued): either way, give a new one with DeviceChallenge; the session's
// end (SESSION_EXPIRED, SESSION_REVOKED); or the store's failure.
func (e *Engine) RefreshDevice(ctx context.Context, cur *Current, named, proof string, a Actor) (Bound, error) {
	if !e.opt.DeviceBinding.Offer {
		return Bound{}, errBindingOff()
	}
	fail := e.bindingFailed(ctx, cur, a, "refresh: ")
	switch {
	case named == "":
		fail("no usable Sec-Secure-Session-Id")
		return Bound{}, vigil.Errorf(vigil.CodeInvalidRequest, "A refresh names its session in Sec-Secure-Session-Id.")
	case named != cur.Session.ID:
		fail(fmt.Sprintf("session id %q is not this session's", named))
		return Bound{}, errNotBound()
	case proof == "":
		return Bound{}, errProofRequired()
	}
	s, err := e.store.SessionByID(ctx, cur.Session.ID)
	if err != nil {
		return Bound{}, storeErr("read session", err)
	}
	if !s.Live() {
		return Bound{}, vigil.SessionEndedError(s.EndReason)
	}
	if !s.Bound() {
		fail("session is not bound")
		return Bound{}, errNotBound()
	}
	key, err := dbsc.ParseKey([]byte(s.Binding.Key))
	if err != nil {
		return Bound{}, fmt.Errorf("auth: stored device key of session %s: %w", s.ID, err)
	}
	p, err := dbsc.VerifyRefresh(proof, key)
	if errors.Is(err, dbsc.ErrSignature) {
		fail("signature does not verify with the session's key; session revoked")
		return Bound{}, e.revokeForeignProof(ctx, cur, a)
	}
	if err != nil {
		fail("malformed proof: " + err.Error())
		return Bound{}, malformedProof(err)
	}
	now := e.now()
	cookie, lapse := vigil.NewToken(), now.Add(e.opt.DeviceBinding.CookieLifetime)
	err = e.store.RefreshBinding(ctx, s.ID, challengeHash(p.Challenge), now, cookie.Hash(), lapse)
	e.cache.dropSession(s.ID)
	if errors.Is(err, vigil.ErrNotFound) {
		fail("challenge used, expired or not the session's")
		return Bound{}, errProofRequired()
	}
	if err != nil {
		return Bound{}, storeErr("refresh binding", err)
	}
	e.audit(ctx, cur, a, vigil.EventDeviceBindingRefreshed, "lapses_at="+lapse.Format(time.RFC3339))
	return Bound{Cookie: cookie, Lapse: lapse}, nil
}

// DeviceChallenge gives cur's bound session a new outstanding challenge,
// replacing any earlier one, and returns it for the browser
// (Secure-Session-Challenge): for a refresh asked without a proof, and
// ahead of time where a browser is to refresh at once.
//
// Errors: NOT_FOUND while binding is off or for a session that is not
// bound; SESSION_REVOKED when it ended meanwhile; or the store's failure.
func (e *Engine) DeviceChallenge(ctx context.Context, cur *Current) (string, error) {
	if !e.opt.DeviceBinding.Offer {
		return "", errBindingOff()
	}
	if !cur.Session.Bound() {
		return "", errNotBound()
	}
	ch := vigil.NewToken()
	err := e.store.SetChallenge(ctx, cur.Session.ID, ch.Hash(), e.now().Add(ChallengeTTL))
	if errors.Is(err, vigil.ErrNotFound) {
		return "", vigil.SessionEndedError(vigil.ReasonRevoked)
	}
	if err != nil {
		return "", storeErr("set challenge", err)
	}
	return ch.String(), nil
}

// revokeForeignProof revokes a session whose refresh was signed by another
// key, audits it, and returns the session's end.
func (e *Engine) revokeForeignProof(ctx context.Context, cur *Current, a Actor) error {
	ended, err := e.endSession(ctx, cur.Session.ID, vigil.ReasonDeviceBindingFailed)
	if err != nil {
		return err
	}
	if ended {
		e.audit(ctx, cur, a, vigil.EventSessionRevoked, "reason="+string(vigil.ReasonDeviceBindingFailed))
	}
	return vigil.SessionEndedError(vigil.ReasonDeviceBindingFailed)
}

// bindingFailed returns a function that audits a refused registration or
// refresh of cur's session, its detail starting with what.
func (e *Engine) bindingFailed(ctx context.Context, cur *Current, a Actor, what string) func(string) {
	return func(why string) { e.audit(ctx, cur, a, vigil.EventDeviceBindingFailed, what+why) }
}

// audit writes a session event about cur.
func (e *Engine) audit(ctx context.Context, cur *Current, a Actor, name, detail string) {
	e.Audit(ctx, a, vigil.Event{Username: cur.User.Username, SessionID: cur.Session.ID,
		Category: vigil.CategorySession, Event: name, Detail: detail})
}

// challengeHash is the hash a store keeps of the challenge a proof
// signed; text that is not a challenge of ours hashes to a value no
// challenge has (the zero hash stands for "none" and never matches).
func challengeHash(ch string) vigil.TokenHash {
	t, err := vigil.ParseToken(ch)
	if err != nil {
		return vigil.TokenHash{}
	}
	return t.Hash()
}

func errBindingOff() error {
	return vigil.Errorf(vigil.CodeNotFound, "Device-bound sessions are off on this server.")
}

func errNotBound() error {
	return vigil.Errorf(vigil.CodeNotFound, "This session is not bound to a device.")
}

func errProofRequired() error {
	return vigil.Errorf(vigil.CodeDeviceProofRequired,
		"The proof must be signed over this session's current challenge (Secure-Session-Challenge).")
}

func malformedProof(err error) error {
	return vigil.Errorf(vigil.CodeInvalidRequest, "The device-binding proof (Secure-Session-Response) is not usable: %v.", err)
}
