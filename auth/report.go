package auth

import (
	"fmt"
	"strings"
	"time"

	"github.com/vigilauth/vigil"
)

// Report is the effective session policy per role, held against the
// standards a clinical deployment answers to, with every deviation named.
type Report struct {
	Roles      []RoleReport `json:"roles"`
	Settings   Settings     `json:"settings"`
	Deviations []string     `json:"deviations"`
}

// RoleReport is one role's limits and how they compare.
type RoleReport struct {
	Role               vigil.Role `json:"role"`
	Lifetime           string     `json:"lifetime"`
	LifetimeSeconds    int64      `json:"lifetime_seconds"`
	IdleTimeout        string     `json:"idle_timeout"`
	IdleTimeoutSeconds int64      `json:"idle_timeout_seconds"`
	Checks             []Check    `json:"checks"`
}

// Check is one requirement of one standard.
type Check struct {
	Standard    string `json:"standard"`
	Control     string `json:"control"`
	Requirement string `json:"requirement"`
	OK          bool   `json:"ok"`
	Deviation   string `json:"deviation,omitempty"`
}

// Settings are the policy values that apply to every role.
type Settings struct {
	MaxSessions        int    `json:"max_sessions"`
	ReauthWindow       string `json:"reauth_window"`
	PasswordMinLength  int    `json:"password_min_length"`
	PasswordMaxLength  int    `json:"password_max_length"`
	PasswordHash       string `json:"password_hash"`
	SessionToken       string `json:"session_token"`
	ActivityResolution string `json:"activity_resolution"`
}

// Limits the report holds the policy against.
const (
	nistAAL2Lifetime = 24 * time.Hour // NIST SP 800-63B-4 §2.2.3: reauthenticate at least every 24 h
	nistAAL2Idle     = time.Hour      // ... and after 1 h of inactivity
	hipaaStaffIdle   = 15 * time.Minute
	hipaaPatientIdle = 30 * time.Minute
)

// PolicyReport returns the report for the engine's policy.
func (e *Engine) PolicyReport() Report {
	p := e.opt.Policy
	r := Report{Settings: Settings{
		MaxSessions:        p.MaxSessions,
		ReauthWindow:       p.ReauthWindow.String(),
		PasswordMinLength:  e.opt.PasswordMinLength,
		PasswordMaxLength:  256,
		PasswordHash:       "argon2id, at least 19 MiB, 2 passes, 1 lane (OWASP minimum)",
		SessionToken:       "32 random bytes; only the SHA-256 is stored",
		ActivityResolution: "1% of the idle timeout (sessions may end up to 1% early, never late)",
	}, Deviations: []string{}}
	for _, role := range vigil.Roles {
		rr := roleReport(role, p.For(role))
		for _, c := range rr.Checks {
			if !c.OK {
				r.Deviations = append(r.Deviations, fmt.Sprintf("%s: %s %s: %s", role, c.Standard, c.Control, c.Deviation))
			}
		}
		r.Roles = append(r.Roles, rr)
	}
	if e.opt.PasswordMinLength < 15 {
		r.Deviations = append(r.Deviations, fmt.Sprintf("all: NIST SP 800-63B-4 §3.1.1.2: single-factor passwords need at least 15 characters; the minimum is %d", e.opt.PasswordMinLength))
	}
	return r
}

func roleReport(role vigil.Role, l vigil.Limits) RoleReport {
	idleLimit, idleWhy := hipaaPatientIdle, "30 minutes for patients on their own devices"
	if role != vigil.RolePatient {
		idleLimit, idleWhy = hipaaStaffIdle, "15 minutes for staff who see other people's records"
	}
	return RoleReport{
		Role: role, Lifetime: l.Lifetime.String(), LifetimeSeconds: int64(l.Lifetime / time.Second),
		IdleTimeout: l.IdleTimeout.String(), IdleTimeoutSeconds: int64(l.IdleTimeout / time.Second),
		Checks: []Check{
			atMost("NIST SP 800-63B-4 AAL2", "§2.2.3 reauthentication", "absolute session lifetime at most 24 hours", l.Lifetime, nistAAL2Lifetime),
			atMost("NIST SP 800-63B-4 AAL2", "§2.2.3 reauthentication", "inactivity timeout at most 1 hour", l.IdleTimeout, nistAAL2Idle),
			present("OWASP ASVS 5.0", "V7.3.1", "an inactivity timeout enforced server-side", l.IdleTimeout),
			present("OWASP ASVS 5.0", "V7.3.2", "an absolute maximum session lifetime enforced server-side", l.Lifetime),
			atMost("HIPAA Security Rule", "§164.312(a)(2)(iii) automatic logoff", "terminate sessions after a predetermined inactivity: "+idleWhy, l.IdleTimeout, idleLimit),
		},
	}
}

func atMost(std, control, req string, got, limit time.Duration) Check {
	c := Check{Standard: std, Control: control, Requirement: req, OK: got <= limit}
	if !c.OK {
		c.Deviation = fmt.Sprintf("%s is longer than %s", HumanDuration(got), HumanDuration(limit))
	}
	return c
}

func present(std, control, req string, got time.Duration) Check {
	c := Check{Standard: std, Control: control, Requirement: req, OK: got > 0}
	if !c.OK {
		c.Deviation = "not set"
	}
	return c
}

// HumanDuration writes a configured duration exactly, in words: "30
// minutes", "1 hour 30 minutes", "7 days", "6 seconds".
func HumanDuration(d time.Duration) string {
	if d <= 0 {
		return "0 seconds"
	}
	units := []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}}
	var parts []string
	for _, u := range units {
		if n := d / u.size; n > 0 {
			name := u.name
			if n != 1 {
				name += "s"
			}
			parts = append(parts, fmt.Sprintf("%d %s", n, name))
			d -= n * u.size
		}
	}
	if len(parts) == 0 {
		return "less than a second"
	}
	return strings.Join(parts, " ")
}
