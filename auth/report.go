package auth

import (
	"fmt"
	"strings"
	"time"

	"github.com/vigilauth/vigil"
)

// Report is the effective session policy per role, held against the
// standards a clinical deployment answers to, with every deviation named.
// Each check carries the standard's own word for how strongly it asks
// (Level), and vigil's own recommendations are kept apart from what the
// standards say.
type Report struct {
	Roles    []RoleReport `json:"roles"`
	Settings Settings     `json:"settings"`
	// Checks are the checks of the settings that apply to every role.
	Checks []Check `json:"checks"`
	// Deviations names every check of a standard that is not met, SHOULD
	// as well as SHALL, each with its level.
	Deviations []string `json:"deviations"`
	// Recommendations names every recommendation of vigil's own that is
	// not followed; no standard asks for them.
	Recommendations []string `json:"recommendations"`
	// RequirementsMet reports whether every binding check (see
	// Check.Binding) is met.
	RequirementsMet bool `json:"requirements_met"`
	// ShouldMet reports whether every SHOULD of the standards is met too.
	ShouldMet bool `json:"should_met"`
}

// RoleReport is one role's limits and how they compare. Lifetime and
// IdleTimeout are written as a person says them ("7 days", "1 hour 30
// minutes"); the *Seconds fields carry the numbers.
type RoleReport struct {
	Role               vigil.Role `json:"role"`
	Lifetime           string     `json:"lifetime"`
	LifetimeSeconds    int64      `json:"lifetime_seconds"`
	IdleTimeout        string     `json:"idle_timeout"`
	IdleTimeoutSeconds int64      `json:"idle_timeout_seconds"`
	// SecondFactorRequired: the role's users must sign in with a second
	// factor (--require-mfa).
	SecondFactorRequired bool    `json:"second_factor_required"`
	Checks               []Check `json:"checks"`
}

// Check is one requirement of one standard, or one recommendation of
// vigil's own (Standard is then RecommendationSource).
type Check struct {
	Standard    string `json:"standard"`
	Control     string `json:"control"`
	Requirement string `json:"requirement"`
	// Level is how strongly the source asks: LevelShall, LevelShould,
	// LevelRequired, LevelAddressable or LevelRecommendation.
	Level     string `json:"level"`
	OK        bool   `json:"ok"`
	Deviation string `json:"deviation,omitempty"`
}

// The levels of a check, each in its source's own words.
const (
	// LevelShall is a NIST SP 800-63B-4 SHALL: a requirement.
	LevelShall = "SHALL"
	// LevelShould is a NIST SP 800-63B-4 SHOULD: recommended, and a
	// deviation a deployment has to be able to justify. It is also the
	// level of a requirement only proposed (the HIPAA Security Rule NPRM
	// of January 2025), and of a second factor for patients (see
	// mfaChecks).
	LevelShould = "SHOULD"
	// LevelRequired is an OWASP ASVS 5.0 requirement at the level the
	// report holds the policy against (Level 2).
	LevelRequired = "required"
	// LevelAddressable is a HIPAA Security Rule addressable implementation
	// specification: implemented, or its absence justified in writing.
	LevelAddressable = "addressable"
	// LevelRecommendation is vigil's own recommendation, not a standard's.
	LevelRecommendation = "recommendation"
)

// RecommendationSource is the Standard of vigil's own recommendations.
const RecommendationSource = "vigil recommendation"

// Binding reports whether a miss of c means the policy does not meet its
// standard: SHALL, ASVS requirements and HIPAA specifications. vigil
// cannot see a written justification for leaving out an addressable
// specification, so it counts one as binding. SHOULD and vigil's
// recommendations are not binding.
func (c Check) Binding() bool {
	return c.Level == LevelShall || c.Level == LevelRequired || c.Level == LevelAddressable
}

// Met reports whether the report passes: every binding check is met, and
// with strict every SHOULD too. vigil's recommendations never count.
func (r Report) Met(strict bool) bool {
	return r.RequirementsMet && (!strict || r.ShouldMet)
}

// Settings are the policy values that apply to every role.
type Settings struct {
	MaxSessions         int    `json:"max_sessions"`
	ReauthWindow        string `json:"reauth_window"`
	ReauthWindowSeconds int64  `json:"reauth_window_seconds"`
	PasswordMinLength   int    `json:"password_min_length"`
	PasswordMaxLength   int    `json:"password_max_length"`
	PasswordHash        string `json:"password_hash"`
	SessionToken        string `json:"session_token"`
	ActivityResolution  string `json:"activity_resolution"`
}

// The sources the report quotes, and their limits.
const (
	nist          = "NIST SP 800-63B-4"
	aal2          = nist + " AAL2"
	asvs          = "OWASP ASVS 5.0"
	hipaa         = "HIPAA Security Rule"
	hipaaProposed = "Proposed HIPAA Security Rule (90 FR 898, 2025)"

	// NIST SP 800-63B-4 §2.2.3: an overall timeout SHALL be established,
	// which SHOULD be no more than 24 hours; the inactivity timeout SHOULD
	// be no more than 1 hour.
	nistAAL2Lifetime = 24 * time.Hour
	nistAAL2Idle     = time.Hour
	// NIST SP 800-63B-4 §3.1.1.2: single-factor passwords SHALL have at
	// least 15 characters; the maximum SHOULD be at least 64.
	nistSingleFactorMin = 15
	nistMaxAtLeast      = 64
	// vigil's recommendation for clinical use, not a standard's: staff
	// open other people's records on shared screens; patients their own.
	staffIdle   = 15 * time.Minute
	patientIdle = 30 * time.Minute

	passwordMaxLength = 256
)

// PolicyReport returns the report for the engine's policy.
func (e *Engine) PolicyReport() Report {
	p := e.opt.Policy
	r := Report{Settings: Settings{
		MaxSessions:         p.MaxSessions,
		ReauthWindow:        HumanDuration(p.ReauthWindow),
		ReauthWindowSeconds: int64(p.ReauthWindow / time.Second),
		PasswordMinLength:   e.opt.PasswordMinLength,
		PasswordMaxLength:   passwordMaxLength,
		PasswordHash:        "argon2id, at least 19 MiB, 2 passes, 1 lane (OWASP minimum)",
		SessionToken:        "32 random bytes; only the SHA-256 is stored",
		ActivityResolution:  "1% of the idle timeout (sessions may end up to 1% early, never late)",
	}, Deviations: []string{}, Recommendations: []string{}, RequirementsMet: true, ShouldMet: true}
	for _, role := range vigil.Roles {
		rr := roleReport(role, p.For(role))
		rr.SecondFactorRequired = e.opt.MFA.requires(role)
		rr.Checks = append(rr.Checks, mfaChecks(role, rr.SecondFactorRequired)...)
		r.tally(string(role), rr.Checks)
		r.Roles = append(r.Roles, rr)
	}
	r.Checks = passwordChecks(e.opt.PasswordMinLength)
	r.tally("all roles", r.Checks)
	return r
}

// tally adds the misses among checks to the lists and the verdicts.
func (r *Report) tally(who string, checks []Check) {
	for _, c := range checks {
		if c.OK {
			continue
		}
		line := fmt.Sprintf("%s: %s %s (%s): %s", who, c.Standard, c.Control, c.Level, c.Deviation)
		switch {
		case c.Level == LevelRecommendation:
			r.Recommendations = append(r.Recommendations, fmt.Sprintf("%s: %s: %s", who, c.Requirement, c.Deviation))
			continue
		case c.Binding():
			r.RequirementsMet = false
		case c.Level == LevelShould:
			r.ShouldMet = false
		}
		r.Deviations = append(r.Deviations, line)
	}
}

func roleReport(role vigil.Role, l vigil.Limits) RoleReport {
	idle, why := patientIdle, "inactivity timeout at most 30 minutes for patients, on their own devices"
	if role != vigil.RolePatient {
		idle, why = staffIdle, "inactivity timeout at most 15 minutes for staff, who open other people's records"
	}
	return RoleReport{
		Role: role, Lifetime: HumanDuration(l.Lifetime), LifetimeSeconds: int64(l.Lifetime / time.Second),
		IdleTimeout: HumanDuration(l.IdleTimeout), IdleTimeoutSeconds: int64(l.IdleTimeout / time.Second),
		Checks: []Check{
			present(aal2, "§2.2.3 reauthentication", "a definite overall timeout (absolute session lifetime) is established", LevelShall, l.Lifetime),
			atMost(aal2, "§2.2.3 reauthentication", "overall timeout no more than 24 hours", LevelShould, l.Lifetime, nistAAL2Lifetime, "24 hours"),
			atMost(aal2, "§2.2.3 reauthentication", "inactivity timeout no more than 1 hour", LevelShould, l.IdleTimeout, nistAAL2Idle, "1 hour"),
			present(asvs, "V7.3.1", "an inactivity timeout enforced server-side", LevelRequired, l.IdleTimeout),
			present(asvs, "V7.3.2", "an absolute maximum session lifetime enforced server-side", LevelRequired, l.Lifetime),
			present(hipaa, "§164.312(a)(2)(iii) automatic logoff",
				"electronic procedures that terminate an electronic session after a predetermined time of inactivity", LevelAddressable, l.IdleTimeout),
			atMost(RecommendationSource, "for clinical use", why, LevelRecommendation, l.IdleTimeout, idle, HumanDuration(idle)),
		},
	}
}

// mfaChecks holds a role's sign-in against the standards' demand for a
// second factor; required is whether --require-mfa names the role. For
// staff, who open other people's records, the standards' own levels: NIST
// AAL2 and ASVS Level 2 require two factors, so a staff role without
// --require-mfa fails the report. For patients, who reach only their own
// record, each is a SHOULD: the AAL of patient access is the deployment's
// own risk decision (NIST SP 800-63-4 §3, digital identity risk
// management), and a deviation it must be able to justify. The proposed
// HIPAA rule is not law yet: a SHOULD for every role.
func mfaChecks(role vigil.Role, required bool) []Check {
	level, asvsLevel := LevelShall, LevelRequired
	if role == vigil.RolePatient {
		level, asvsLevel = LevelShould, LevelShould
	}
	check := func(std, control, req, level string) Check {
		c := Check{Standard: std, Control: control, Requirement: req, Level: level, OK: required}
		if !required {
			c.Deviation = "a password alone signs in (not in --require-mfa)"
		}
		return c
	}
	return []Check{
		// NIST SP 800-63B-4 §2.2.1: AAL2 SHALL use a multi-factor
		// authenticator or two single-factor authenticators.
		check(aal2, "§2.2.1 permitted authenticator types", "two distinct authentication factors", level),
		// OWASP ASVS 5.0 6.3.3 (Level 2): multi-factor authentication, or
		// a combination of single-factor mechanisms, to access the app.
		check(asvs, "V6.3.3", "multi-factor authentication to access the application", asvsLevel),
		// Proposed 45 CFR 164.312(f)(2)(ii): multi-factor authentication.
		check(hipaaProposed, "§164.312(f)(2)(ii)",
			"multi-factor authentication for access to electronic protected health information", LevelShould),
	}
}

// passwordChecks holds the password length limits against NIST SP
// 800-63B-4 §3.1.1.2. vigil's passwords are a single factor.
func passwordChecks(minLength int) []Check {
	const control = "§3.1.1.2 password verifiers"
	least := Check{Standard: nist, Control: control, Level: LevelShall, OK: minLength >= nistSingleFactorMin,
		Requirement: "passwords used as a single factor have at least 15 characters"}
	if !least.OK {
		least.Deviation = fmt.Sprintf("the minimum is %d characters", minLength)
	}
	return []Check{least, {Standard: nist, Control: control, Level: LevelShould, OK: passwordMaxLength >= nistMaxAtLeast,
		Requirement: "a maximum password length of at least 64 characters is permitted"}}
}

// atMost checks that got is set and no longer than limit, which the
// deviation names in the source's own words (NIST's "24 hours", not "1 day").
func atMost(std, control, req, level string, got, limit time.Duration, limitWords string) Check {
	c := Check{Standard: std, Control: control, Requirement: req, Level: level, OK: got > 0 && got <= limit}
	switch {
	case got <= 0:
		c.Deviation = "not set"
	case !c.OK:
		c.Deviation = fmt.Sprintf("%s is longer than %s", HumanDuration(got), limitWords)
	}
	return c
}

func present(std, control, req, level string, got time.Duration) Check {
	c := Check{Standard: std, Control: control, Requirement: req, Level: level, OK: got > 0}
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
