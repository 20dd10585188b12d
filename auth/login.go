package auth

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vigilauth/vigil"
)

// invalidCredentials is the one answer for an unknown user, a wrong
// password and a disabled user (OWASP ASVS 5.0 6.3.8: no enumeration).
func invalidCredentials() *vigil.Error {
	return vigil.Errorf(vigil.CodeInvalidCredentials, "Invalid username or password.")
}

// Login checks the credentials and creates a new session. presented is the
// session token the client already held, if any: it is revoked on success,
// so a session is never carried across a login (no session fixation, OWASP
// ASVS 5.0 7.2.4).
//
// A username that is not valid (vigil.ValidateUsername, after
// NormalizeUsername) is answered and throttled like an unknown user, under
// one key shared by all such names, and its text is never stored: the
// audit trail records only its length.
//
// A user with a second factor, or whose role requires one, gets no
// session from the password alone: the error is then a *SecondStep,
// holding the pending sign-in to finish with CompleteSignIn (or, to
// enrol a factor first, CompleteEnrolment).
//
// Errors: INVALID_CREDENTIALS, RATE_LIMITED (with RetryAfter; no password
// hash is computed), *SecondStep, or a store or context error.
func (e *Engine) Login(ctx context.Context, username, password string, presented *vigil.Token, a Actor) (*Current, error) {
	cur, _, err := e.LoginWithDevice(ctx, username, password, presented, "", a)
	return cur, err
}

// LoginWithDevice is Login for a client that may hold a device credential
// from an earlier login (device: its value; "" for none). A credential
// valid for this username (see DeviceLifetime) makes the attempt count
// under the device's own throttle key instead of the username's: a lock of
// the username does not refuse it, its failures lock only that device, and
// its success clears only that device's failures. Any other value is
// ignored. On success it also returns the credential for the client to
// keep: the same device's, renewed, or a new device's (none, with a
// logged warning, if the store cannot give the signing key).
//
// Errors: as Login.
func (e *Engine) LoginWithDevice(ctx context.Context, username, password string, presented *vigil.Token, device string, a Actor) (*Current, DeviceCredential, error) {
	now := e.now()
	s := e.loginSubject(ctx, username, device, now)
	a.Username = s.username
	if err := e.admit(ctx, s, a, now); err != nil {
		return nil, DeviceCredential{}, err
	}
	u, err := e.verify(ctx, s.username, password)
	if err != nil {
		e.failed(ctx, s, a, now)
		if vigil.ErrorCode(err) == vigil.CodeInvalidCredentials {
			e.stats.loginFailures.Add(1)
			e.Audit(ctx, a, s.event(vigil.EventLoginFailed))
		}
		return nil, DeviceCredential{}, err
	}
	if step, err := e.secondStep(ctx, u, s, a, now); step != nil || err != nil {
		if step != nil {
			err = step
		}
		return nil, DeviceCredential{}, err
	}
	if err := e.throttle.settle(ctx, s.key, a.IP, now, e.now(), true); err != nil {
		return nil, DeviceCredential{}, storeErr("reset throttle", err)
	}
	cur, err := e.signIn(ctx, u, presented, vigil.AAL1, vigil.FactorPassword, s, a)
	if err != nil {
		return nil, DeviceCredential{}, err
	}
	return cur, e.deviceFor(ctx, s), nil
}

// signIn creates the session of a sign-in that is complete, at aal with
// the factors used: it revokes the session the client presented, audits
// login_succeeded and enforces --max-sessions.
func (e *Engine) signIn(ctx context.Context, u *vigil.User, presented *vigil.Token, aal int, factors vigil.FactorSet, s subject, a Actor) (*Current, error) {
	if presented != nil {
		e.endPresented(ctx, *presented, a)
	}
	cur, err := e.startSession(ctx, u, aal, factors, a)
	if err != nil {
		return nil, err
	}
	a.SessionID = cur.Session.ID
	e.stats.logins.Add(1)
	ev := s.event(vigil.EventLoginSucceeded)
	if aal >= vigil.AAL2 {
		ev.Detail = strings.TrimSpace(ev.Detail + " aal=2 factors=" + factors.String())
	}
	e.Audit(ctx, a, ev)
	e.enforceLimit(ctx, u, cur.Session.ID, a)
	return cur, nil
}

// subject is whom a password check is for, as the throttle and the audit
// trail see it.
type subject struct {
	username string // normalized; "" for a name that is not a valid username
	key      string // the throttle key the check counts under
	device   string // the id of the known device it comes through, if any
	detail   string // said in the check's audit events
}

// loginSubject is the subject of a login as the client typed the name,
// with the device credential it presented. A name that is not a valid
// username is no account's (an unknown user), and shares one throttle key
// with every other such name, so that neither its throttle row nor its
// audit events hold what the client sent (OWASP ASVS 5.0 2.2.1: input
// validated against an allow list; 2.4.1). A credential that is not valid
// for the username is ignored.
func (e *Engine) loginSubject(ctx context.Context, typed, device string, now time.Time) subject {
	name := vigil.NormalizeUsername(typed)
	if vigil.ValidateUsername(name) != nil {
		return subject{key: invalidUsernameKey, detail: fmt.Sprintf("username not valid (%d bytes)", len(typed))}
	}
	if device == "" {
		return userSubject(name)
	}
	id, err := e.devices.known(ctx, device, name, now)
	if err != nil {
		if !errors.Is(err, errNotKnown) {
			e.log.Warn("device credential not checked", "username", name, "err", err)
		}
		return userSubject(name)
	}
	return subject{username: name, key: deviceKey(id), device: id, detail: "known device " + id}
}

// deviceFor issues the credential a client keeps after signing in as s:
// the known device's it came through, renewed, or a new device's.
func (e *Engine) deviceFor(ctx context.Context, s subject) DeviceCredential {
	id := s.device
	if id == "" {
		id = vigil.NewID()
	}
	cred, err := e.devices.issue(ctx, id, s.username, e.now())
	if err != nil {
		e.log.Warn("device credential not issued", "username", s.username, "err", err)
	}
	return cred
}

// userSubject is the subject of a check of username's password.
func userSubject(username string) subject {
	return subject{username: username, key: userKey(username)}
}

// event is an authentication event about the subject.
func (s subject) event(name string) vigil.Event {
	return vigil.Event{Username: s.username, Category: vigil.CategoryAuthentication, Event: name, Detail: s.detail}
}

// verify returns the user if password is theirs and the account may sign
// in. Unknown users and users without a password cost a dummy verify, so
// every failure takes the same time.
func (e *Engine) verify(ctx context.Context, username, password string) (*vigil.User, error) {
	u, err := e.store.UserByUsername(ctx, username)
	if errors.Is(err, vigil.ErrNotFound) || (err == nil && u.PasswordHash == "") {
		e.hasher.VerifyDummy(ctx, password)
		return nil, invalidCredentials()
	}
	if err != nil {
		return nil, storeErr("find user", err)
	}
	ok, rehash, err := e.hasher.Verify(ctx, password, u.PasswordHash)
	if err := e.verifyErr(ctx, username, err); err != nil {
		return nil, err
	}
	if !ok || u.Disabled {
		return nil, invalidCredentials()
	}
	if rehash {
		e.rehash(ctx, u, password)
	}
	return u, nil
}

// rehash stores the password with the current parameters (SPEC §3: older
// parameters are re-hashed at the next successful login).
func (e *Engine) rehash(ctx context.Context, u *vigil.User, password string) {
	h, err := e.hasher.Hash(ctx, password)
	if err == nil {
		err = e.store.SetPassword(ctx, u.ID, h, u.PasswordChangedAt)
	}
	if err != nil {
		e.log.Warn("password rehash failed", "username", u.Username, "err", err)
		return
	}
	u.PasswordHash = h
	e.Audit(ctx, Actor{Username: "system"}, vigil.Event{Username: u.Username, Category: vigil.CategoryAccount, Event: vigil.EventPasswordRehashed})
}

// admit lets one password check for s through the throttle, or audits
// login_throttled and returns RATE_LIMITED.
func (e *Engine) admit(ctx context.Context, s subject, a Actor, now time.Time) error {
	wait, err := e.throttle.attempt(ctx, s.key, a.IP, now)
	if err != nil {
		return storeErr("throttle", err)
	}
	if wait > 0 {
		e.stats.throttled.Add(1)
		e.Audit(ctx, a, s.event(vigil.EventLoginThrottled))
		return rateLimited(wait)
	}
	return nil
}

// failed settles an attempt admitted at `at` whose password was not
// confirmed (wrong, or the check could not finish): it counts as a
// failure. If the store cannot take it now, the attempt counts as failed
// once it has been pending for too long.
func (e *Engine) failed(ctx context.Context, s subject, a Actor, at time.Time) {
	if err := e.throttle.settle(ctx, s.key, a.IP, at, e.now(), false); err != nil {
		e.log.Warn("failed attempt not recorded yet", "key", s.key, "err", err)
	}
}

// endPresented revokes the session the client held before logging in.
func (e *Engine) endPresented(ctx context.Context, tok vigil.Token, a Actor) {
	s, u, err := e.store.SessionByToken(ctx, tok.Hash())
	if err != nil || !s.Live() {
		return
	}
	if e.endQuietly(ctx, s.ID, vigil.ReasonLogout) {
		e.Audit(ctx, a, vigil.Event{Username: u.Username, SessionID: s.ID, Category: vigil.CategorySession,
			Event: vigil.EventLogout, Detail: "session presented at login replaced"})
	}
}

// startSession creates a session for u at aal, signed in with factors.
func (e *Engine) startSession(ctx context.Context, u *vigil.User, aal int, factors vigil.FactorSet, a Actor) (*Current, error) {
	now := e.now()
	tok := vigil.NewToken()
	s := vigil.Session{
		ID: vigil.NewID(), TokenHash: tok.Hash(), UserID: u.ID,
		CreatedAt: now, LastActivity: now, ReauthAt: now,
		IP: bounded(a.IP, maxAuditIP), UserAgent: bounded(a.UserAgent, maxAuditAgent),
		AAL: aal, Factors: factors,
	}
	challenge := e.offerChallenge(&s, now)
	if err := e.store.CreateSession(ctx, &s); err != nil {
		return nil, storeErr("create session", err)
	}
	if err := e.store.RecordLogin(ctx, u.ID, now); err != nil {
		e.log.Warn("last login not recorded", "username", u.Username, "err", err)
	}
	u.LastLogin = now
	s.Binding = vigil.Binding{} // as every checked session: no challenge kept
	return &Current{Session: s, User: *u, Limits: e.opt.Policy.ForSession(u.Role, s.AAL), Token: tok, Challenge: challenge}, nil
}

// enforceLimit revokes the oldest sessions of u beyond --max-sessions.
func (e *Engine) enforceLimit(ctx context.Context, u *vigil.User, keep string, a Actor) {
	max := e.opt.Policy.MaxSessions
	if max <= 0 {
		return
	}
	list, err := e.Sessions(ctx, u) // sessions past their limits do not count
	if err != nil || len(list) <= max {
		return
	}
	sort.Slice(list, func(i, j int) bool { return list[i].CreatedAt.Before(list[j].CreatedAt) })
	extra := len(list) - max
	for _, s := range list {
		if extra == 0 {
			break
		}
		if s.ID == keep {
			continue
		}
		if e.endQuietly(ctx, s.ID, vigil.ReasonSessionLimit) {
			e.Audit(ctx, a, vigil.Event{Username: u.Username, SessionID: s.ID, Category: vigil.CategorySession,
				Event: vigil.EventSessionRevoked, Detail: "reason=session_limit"})
		}
		extra--
	}
}

// verifyErr sorts a failed verification: a cancelled request stays
// cancelled; a stored hash that cannot be read is logged and answered like
// a wrong password, so it reveals nothing about the account.
func (e *Engine) verifyErr(ctx context.Context, username string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	e.log.Error("stored password hash unreadable", "username", username, "err", err)
	return invalidCredentials()
}
