package auth_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/testkit"
)

// policyReport is the report of an engine with policy p, the given
// minimum password length, and a second factor required of the roles
// mfa (--require-mfa).
func policyReport(t *testing.T, p vigil.Policy, minLength int, mfa ...vigil.Role) auth.Report {
	t.Helper()
	opt := auth.Options{Policy: p, PasswordMinLength: minLength, MFA: auth.MFA{Required: mfa}}
	return testkit.Engine(testkit.SQLite(t), opt).PolicyReport()
}

// everyRole is --require-mfa patient,clinician,admin.
var everyRole = vigil.Roles

// mfaDeviations are the deviations of roles without a second factor.
func mfaDeviations(roles ...vigil.Role) []string {
	var out []string
	for _, r := range roles {
		shall, required := "SHALL", "required"
		if r == vigil.RolePatient {
			shall, required = "SHOULD", "SHOULD"
		}
		out = append(out,
			string(r)+": NIST SP 800-63B-4 AAL2 §2.2.1 permitted authenticator types ("+shall+"): a password alone signs in (not in --require-mfa)",
			string(r)+": OWASP ASVS 5.0 V6.3.3 ("+required+"): a password alone signs in (not in --require-mfa)",
			string(r)+": Proposed HIPAA Security Rule (90 FR 898, 2025) §164.312(f)(2)(ii) (SHOULD): a password alone signs in (not in --require-mfa)")
	}
	return out
}

// clinicalPolicy meets every check and follows vigil's recommendations.
func clinicalPolicy() vigil.Policy {
	return vigil.Policy{Lifetime: 12 * time.Hour, IdleTimeout: 30 * time.Minute, ReauthWindow: 5 * time.Minute,
		RoleIdle: map[vigil.Role]time.Duration{vigil.RoleClinician: 15 * time.Minute, vigil.RoleAdmin: 10 * time.Minute}}
}

// find returns the check of role (or of every role, for "") whose
// standard and requirement contain the words given.
func find(t *testing.T, r auth.Report, role vigil.Role, standard, requirement string) auth.Check {
	t.Helper()
	checks := r.Checks
	for _, rr := range r.Roles {
		if rr.Role == role {
			checks = rr.Checks
		}
	}
	for _, c := range checks {
		if strings.Contains(c.Standard, standard) && strings.Contains(c.Requirement, requirement) {
			return c
		}
	}
	t.Fatalf("no check %q %q for %q in %+v", standard, requirement, role, checks)
	return auth.Check{}
}

// TestReportDefaults: with the defaults (7 days, 30 minutes, no second
// factor required) the lifetime misses NIST's SHOULD for every role, and
// a password alone misses AAL2's and ASVS's two factors for clinicians and
// admins, which fails the report; the staff's 30 minutes is a
// recommendation of vigil's, not HIPAA's.
func TestReportDefaults(t *testing.T) {
	r := policyReport(t, defaultPolicy(), 15)
	if r.RequirementsMet || r.ShouldMet || r.Met(false) || r.Met(true) {
		t.Errorf("verdicts: requirements %v, should %v, met %v, strict %v", r.RequirementsMet, r.ShouldMet, r.Met(false), r.Met(true))
	}
	var deviations []string
	for _, role := range vigil.Roles {
		deviations = append(deviations, string(role)+": NIST SP 800-63B-4 AAL2 §2.2.3 reauthentication (SHOULD): 7 days is longer than 24 hours")
		deviations = append(deviations, mfaDeviations(role)...)
	}
	if !slices.Equal(r.Deviations, deviations) {
		t.Errorf("deviations\n%q\nwant\n%q", r.Deviations, deviations)
	}
	for _, rr := range r.Roles {
		if rr.SecondFactorRequired {
			t.Errorf("%s: a second factor required by default", rr.Role)
		}
	}
	want := []string{
		"clinician: inactivity timeout at most 15 minutes for staff, who open other people's records: 30 minutes is longer than 15 minutes",
		"admin: inactivity timeout at most 15 minutes for staff, who open other people's records: 30 minutes is longer than 15 minutes",
	}
	if !slices.Equal(r.Recommendations, want) {
		t.Errorf("recommendations %q, want %q", r.Recommendations, want)
	}
	for _, role := range vigil.Roles {
		hipaa := find(t, r, role, "HIPAA", "predetermined time of inactivity")
		if !hipaa.OK || hipaa.Level != auth.LevelAddressable || strings.Contains(hipaa.Requirement, "minutes") {
			t.Errorf("%s: HIPAA check %+v: want met, addressable, and no figure the rule does not give", role, hipaa)
		}
		rec := find(t, r, role, auth.RecommendationSource, "inactivity timeout")
		if rec.Level != auth.LevelRecommendation || rec.Binding() || rec.OK != (role == vigil.RolePatient) {
			t.Errorf("%s: recommendation %+v", role, rec)
		}
		if c := find(t, r, role, "NIST", "24 hours"); c.OK || c.Level != auth.LevelShould || c.Binding() {
			t.Errorf("%s: NIST lifetime check %+v", role, c)
		}
		if c := find(t, r, role, "NIST", "overall timeout (absolute session lifetime) is established"); !c.OK || c.Level != auth.LevelShall {
			t.Errorf("%s: NIST overall timeout established %+v", role, c)
		}
	}
}

// TestReportClinical: a clinical configuration, a second factor required
// of every role, meets every check and follows every recommendation.
func TestReportClinical(t *testing.T) {
	r := policyReport(t, clinicalPolicy(), 15, everyRole...)
	if !r.Met(true) || len(r.Deviations) != 0 || len(r.Recommendations) != 0 {
		t.Errorf("clinical: strict %v, deviations %q, recommendations %q", r.Met(true), r.Deviations, r.Recommendations)
	}
	for _, rr := range append(r.Roles, auth.RoleReport{Role: "all", Checks: r.Checks}) {
		for _, c := range rr.Checks {
			if !c.OK || c.Deviation != "" {
				t.Errorf("%s: %+v", rr.Role, c)
			}
		}
	}
}

// TestReportLevels: a SHALL miss (passwords shorter than 15 characters,
// which are vigil's only factor) fails the requirements; a longer idle
// timeout than NIST's 1 hour is a SHOULD, which does not.
func TestReportLevels(t *testing.T) {
	r := policyReport(t, clinicalPolicy(), 12, everyRole...)
	if r.RequirementsMet || !r.ShouldMet || r.Met(false) {
		t.Errorf("minimum 12: requirements %v, should %v", r.RequirementsMet, r.ShouldMet)
	}
	if want := "all roles: NIST SP 800-63B-4 §3.1.1.2 password verifiers (SHALL): the minimum is 12 characters"; !slices.Equal(r.Deviations, []string{want}) {
		t.Errorf("deviations %q, want %q", r.Deviations, want)
	}

	p := clinicalPolicy()
	p.RoleIdle[vigil.RolePatient] = 90 * time.Minute
	r = policyReport(t, p, 15, everyRole...)
	if !r.RequirementsMet || r.ShouldMet || len(r.Deviations) != 1 ||
		r.Deviations[0] != "patient: NIST SP 800-63B-4 AAL2 §2.2.3 reauthentication (SHOULD): 1 hour 30 minutes is longer than 1 hour" {
		t.Errorf("patient idle 90m: requirements %v, should %v, deviations %q", r.RequirementsMet, r.ShouldMet, r.Deviations)
	}
	if len(r.Recommendations) != 1 || !strings.HasPrefix(r.Recommendations[0], "patient: ") {
		t.Errorf("recommendations %q", r.Recommendations)
	}
	levels := []string{auth.LevelShall, auth.LevelShould, auth.LevelRequired, auth.LevelAddressable, auth.LevelRecommendation}
	for _, rr := range r.Roles {
		for _, c := range rr.Checks {
			if !slices.Contains(levels, c.Level) {
				t.Errorf("%s: level %q of %+v", rr.Role, c.Level, c)
			}
			if (c.Standard == auth.RecommendationSource) != (c.Level == auth.LevelRecommendation) {
				t.Errorf("%s: a recommendation must be vigil's and labelled so: %+v", rr.Role, c)
			}
		}
	}
}

// TestReportSecondFactor: a second factor required of clinicians and
// admins (--require-mfa clinician,admin) meets every requirement; patients
// without one are SHOULD deviations of each source, which fail only
// --strict. A staff role left out is a SHALL of NIST AAL2 and a Level 2
// requirement of ASVS missed, which fails the report; the proposed HIPAA
// rule is a SHOULD for every role.
func TestReportSecondFactor(t *testing.T) {
	r := policyReport(t, clinicalPolicy(), 15, vigil.RoleClinician, vigil.RoleAdmin)
	if !r.RequirementsMet || r.ShouldMet || !r.Met(false) || r.Met(true) {
		t.Errorf("staff with a second factor: requirements %v, should %v", r.RequirementsMet, r.ShouldMet)
	}
	if want := mfaDeviations(vigil.RolePatient); !slices.Equal(r.Deviations, want) {
		t.Errorf("deviations\n%q\nwant\n%q", r.Deviations, want)
	}
	for _, rr := range r.Roles {
		if rr.SecondFactorRequired != (rr.Role != vigil.RolePatient) {
			t.Errorf("%s: second factor required %v", rr.Role, rr.SecondFactorRequired)
		}
		for _, std := range []string{"NIST", "ASVS", "Proposed HIPAA"} {
			c := find(t, r, rr.Role, std, "factor")
			if c.OK != rr.SecondFactorRequired || (c.Deviation == "") != c.OK {
				t.Errorf("%s: %s check %+v", rr.Role, std, c)
			}
		}
	}

	r = policyReport(t, clinicalPolicy(), 15, vigil.RolePatient, vigil.RoleClinician)
	if r.RequirementsMet || !slices.Equal(r.Deviations, mfaDeviations(vigil.RoleAdmin)) {
		t.Errorf("admins without a second factor: requirements %v, deviations %q", r.RequirementsMet, r.Deviations)
	}
	for std, level := range map[string]string{"NIST": auth.LevelShall, "ASVS": auth.LevelRequired, "Proposed HIPAA": auth.LevelShould} {
		if c := find(t, r, vigil.RoleAdmin, std, "factor"); c.OK || c.Level != level || c.Binding() != (level != auth.LevelShould) {
			t.Errorf("admin: %s check %+v, want a %s missed", std, c, level)
		}
	}
}

// TestReportJSON: the report keeps every field it had, adds the new ones,
// and writes durations as a person says them.
func TestReportJSON(t *testing.T) {
	p := defaultPolicy()
	p.RoleLifetime = map[vigil.Role]time.Duration{vigil.RoleClinician: 90 * time.Minute}
	b, err := json.Marshal(policyReport(t, p, 15))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Roles []map[string]any `json:"roles"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var top map[string]any
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"roles", "settings", "deviations", "checks", "recommendations", "requirements_met", "should_met"} {
		if _, ok := top[k]; !ok {
			t.Errorf("no %q in %s", k, b)
		}
	}
	settings := top["settings"].(map[string]any)
	if settings["reauth_window"] != "10 minutes" || settings["reauth_window_seconds"] != float64(600) {
		t.Errorf("settings: %v", settings)
	}
	for _, k := range []string{"max_sessions", "password_min_length", "password_max_length", "password_hash", "session_token", "activity_resolution"} {
		if _, ok := settings[k]; !ok {
			t.Errorf("no settings.%s", k)
		}
	}
	want := map[string][2]any{"patient": {"7 days", float64(604800)}, "clinician": {"1 hour 30 minutes", float64(5400)}}
	for _, rr := range m.Roles {
		if w, ok := want[rr["role"].(string)]; ok && (rr["lifetime"] != w[0] || rr["lifetime_seconds"] != w[1]) {
			t.Errorf("%v: lifetime %v (%v seconds), want %v", rr["role"], rr["lifetime"], rr["lifetime_seconds"], w)
		}
		if rr["second_factor_required"] != false {
			t.Errorf("%v: second_factor_required %v", rr["role"], rr["second_factor_required"])
		}
		if rr["idle_timeout"] != "30 minutes" || rr["idle_timeout_seconds"] != float64(1800) {
			t.Errorf("%v: idle %v (%v)", rr["role"], rr["idle_timeout"], rr["idle_timeout_seconds"])
		}
		for _, c := range rr["checks"].([]any) {
			for _, k := range []string{"standard", "control", "requirement", "level", "ok"} {
				if _, ok := c.(map[string]any)[k]; !ok {
					t.Errorf("check without %q: %v", k, c)
				}
			}
		}
	}
	if strings.Contains(string(b), "0m0s") || strings.Contains(string(b), "168h") {
		t.Errorf("Go duration syntax in the report: %s", b)
	}
}
