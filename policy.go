package vigil

import "time"

// Policy holds the session limits. A role's own limits, when set, replace
// the defaults for that role. The policy is applied at every check, so a
// change applies to existing sessions at once (SPEC §2).
type Policy struct {
	Lifetime     time.Duration // absolute, from login, never extended
	IdleTimeout  time.Duration // since the last recorded activity
	RoleLifetime map[Role]time.Duration
	RoleIdle     map[Role]time.Duration
	MaxSessions  int           // per user; 0 is no limit
	ReauthWindow time.Duration // admin changes need a password this recent
}

// Limits is the effective policy for one role.
type Limits struct {
	Lifetime    time.Duration
	IdleTimeout time.Duration
}

// For returns the limits that apply to role.
func (p Policy) For(role Role) Limits {
	l := Limits{Lifetime: p.Lifetime, IdleTimeout: p.IdleTimeout}
	if d, ok := p.RoleLifetime[role]; ok {
		l.Lifetime = d
	}
	if d, ok := p.RoleIdle[role]; ok {
		l.IdleTimeout = d
	}
	return l
}

// AAL2's session limits (NIST SP 800-63B-4 §2.2.3): an AAL2 session is
// reauthenticated at least once per 24 hours, and after at most 1 hour of
// inactivity.
const (
	AAL2Lifetime    = 24 * time.Hour
	AAL2IdleTimeout = time.Hour
)

// ForSession returns the limits that apply to a session of role at
// assurance level aal: the role's, and for an AAL2 session no longer than
// AAL2's (a role's own stricter limits stay).
func (p Policy) ForSession(role Role, aal int) Limits {
	l := p.For(role)
	if aal >= AAL2 {
		l.Lifetime = min(l.Lifetime, AAL2Lifetime)
		l.IdleTimeout = min(l.IdleTimeout, AAL2IdleTimeout)
	}
	return l
}

// ActivityGranularity is how stale a session's recorded activity may be:
// 1% of the idle timeout (SPEC §2), so a session may end up to 1% early and
// never late.
func (l Limits) ActivityGranularity() time.Duration { return l.IdleTimeout / 100 }

// ExpiresAt is when a session created at created reaches its lifetime.
func (l Limits) ExpiresAt(s *Session) time.Time { return s.CreatedAt.Add(l.Lifetime) }

// IdleExpiresAt is when s ends for inactivity if nothing more is recorded,
// never after its absolute expiry.
func (l Limits) IdleExpiresAt(s *Session) time.Time {
	t := s.LastActivity.Add(l.IdleTimeout)
	if e := l.ExpiresAt(s); e.Before(t) {
		return e
	}
	return t
}

// Expired reports whether s has expired at now and why: the lifetime is
// checked first, as it can never be extended.
func (l Limits) Expired(s *Session, now time.Time) (Reason, bool) {
	if !now.Before(l.ExpiresAt(s)) {
		return ReasonLifetime, true
	}
	if !now.Before(s.LastActivity.Add(l.IdleTimeout)) {
		return ReasonInactivity, true
	}
	return "", false
}
