package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil/internal/pgtest"
	"github.com/vigilauth/vigil/password"
	"golang.org/x/crypto/bcrypt"
)

// alicePassword is the patients' password in these tests.
const alicePassword = "ochre kettle drifts past 41 lanterns"

// vigilRun runs one vigil command in-process with the environment given.
func vigilRun(t *testing.T, env map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// newDB returns a SQLite database with an admin account, made through the
// command line.
func newDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "vigil.db")
	if code, _, errs := vigilRun(t, nil, adminPW+"\n", "user", "add", "root", "--role", "admin", "--password-stdin", "--db", db); code != 0 {
		t.Fatalf("user add root: %s", errs)
	}
	return db
}

// complianceJSON is the part of `vigil compliance --json` the tests read.
type complianceJSON struct {
	Roles []struct {
		Role        string `json:"role"`
		Lifetime    string `json:"lifetime"`
		IdleTimeout string `json:"idle_timeout"`
	} `json:"roles"`
	Deviations      []string `json:"deviations"`
	Recommendations []string `json:"recommendations"`
	RequirementsMet bool     `json:"requirements_met"`
	ShouldMet       bool     `json:"should_met"`
	Strict          bool     `json:"strict"`
	Passed          bool     `json:"passed"`
	Database        struct {
		Store          string         `json:"store"`
		Location       string         `json:"location"`
		Users          int            `json:"users"`
		UsersByRole    map[string]int `json:"users_by_role"`
		Disabled       int            `json:"disabled"`
		Admins         int            `json:"admins"`
		AwaitingReset  int            `json:"awaiting_reset"`
		OpenSessions   int            `json:"open_sessions"`
		PasswordHashes struct {
			Parameters   string         `json:"parameters"`
			Current      int            `json:"current"`
			Rehash       int            `json:"rehash_at_next_login"`
			Weaker       int            `json:"weaker"`
			Unreadable   int            `json:"unreadable"`
			OtherFormats map[string]int `json:"other_formats"`
		} `json:"password_hashes"`
	} `json:"database"`
}

func parseCompliance(t *testing.T, out string) complianceJSON {
	t.Helper()
	var c complianceJSON
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("compliance --json: %v:\n%s", err, out)
	}
	return c
}

// TestComplianceDefaults: with serve's defaults the 7-day lifetime misses
// NIST's SHOULD of 24 hours for every role, and a password alone misses
// the two factors NIST AAL2 (SHALL) and ASVS Level 2 require of clinicians
// and admins: the exit status is 1, with or without --strict; the staff's
// 30 minutes is reported as vigil's recommendation, never as HIPAA's.
func TestComplianceDefaults(t *testing.T) {
	db := newDB(t)
	code, out, errs := vigilRun(t, nil, "", "compliance", "--db", db)
	if code != exitFail || errs != "vigil: compliance: 4 requirements not met\n" {
		t.Fatalf("compliance: exit %d, stderr %q", code, errs)
	}
	for _, want := range []string{
		"Verdict:    FAILED: 4 requirements not met",
		"  - patient: NIST SP 800-63B-4 AAL2 §2.2.3 reauthentication (SHOULD): 7 days is longer than 24 hours",
		"  - patient: OWASP ASVS 5.0 V6.3.3 (SHOULD): a password alone signs in (not in --require-mfa)",
		"  - admin: NIST SP 800-63B-4 AAL2 §2.2.1 permitted authenticator types (SHALL): a password alone signs in (not in --require-mfa)",
		"  NOT MET       required (ASVS Level 2)  OWASP ASVS 5.0 V6.3.3: multi-factor authentication to access the application — a password alone signs in (not in --require-mfa)",
		"  DEVIATION     SHOULD                   Proposed HIPAA Security Rule (90 FR 898, 2025) §164.312(f)(2)(ii): multi-factor authentication",
		"  - admin: inactivity timeout at most 15 minutes for staff, who open other people's records: 30 minutes is longer than 15 minutes",
		"Role clinician: absolute lifetime 7 days, inactivity timeout 30 minutes",
		"  DEVIATION     SHOULD                   NIST SP 800-63B-4 AAL2 §2.2.3 reauthentication: overall timeout no more than 24 hours — 7 days is longer than 24 hours",
		"  not followed  vigil's recommendation",
		"  meets         addressable (HIPAA)      HIPAA Security Rule §164.312(a)(2)(iii) automatic logoff",
		"Database:   SQLite " + db,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	if regexp.MustCompile(`HIPAA[^\n]*15 minutes`).MatchString(out) || strings.Contains(out, "168h") {
		t.Errorf("HIPAA given a figure it does not set, or a Go duration:\n%s", out)
	}

	code, out, errs = vigilRun(t, nil, "", "compliance", "--db", db, "--strict", "--json")
	if code != exitFail || errs != "vigil: compliance: 4 requirements not met\n" {
		t.Errorf("--strict: exit %d, stderr %q", code, errs)
	}
	c := parseCompliance(t, out)
	if c.RequirementsMet || c.ShouldMet || c.Passed || !c.Strict || len(c.Deviations) != 12 || len(c.Recommendations) != 2 {
		t.Errorf("--strict --json: %+v", c)
	}
	for _, r := range c.Roles {
		if r.Lifetime != "7 days" || r.IdleTimeout != "30 minutes" {
			t.Errorf("%s: lifetime %q, idle %q", r.Role, r.Lifetime, r.IdleTimeout)
		}
	}
}

// clinical is a configuration whose sessions meet every check and follow
// every recommendation.
var clinical = []string{"--lifetime", "12h", "--role-idle-timeout", "clinician=15m,admin=10m"}

// mfaMisses are the deviations of a report on a server without
// --require-mfa: a password alone, for every role.
var mfaMisses = func() []string {
	var out []string
	for _, r := range []struct{ role, shall, required string }{
		{"patient", "SHOULD", "SHOULD"}, {"clinician", "SHALL", "required"}, {"admin", "SHALL", "required"},
	} {
		out = append(out,
			r.role+": NIST SP 800-63B-4 AAL2 §2.2.1 permitted authenticator types ("+r.shall+"): a password alone signs in (not in --require-mfa)",
			r.role+": OWASP ASVS 5.0 V6.3.3 ("+r.required+"): a password alone signs in (not in --require-mfa)",
			r.role+": Proposed HIPAA Security Rule (90 FR 898, 2025) §164.312(f)(2)(ii) (SHOULD): a password alone signs in (not in --require-mfa)")
	}
	return out
}()

// TestComplianceClinical: clinical session settings, given as flags or as
// their environment twins, leave only the second factor missed; a flag
// wins over its twin.
func TestComplianceClinical(t *testing.T) {
	db := newDB(t)
	code, out, errs := vigilRun(t, nil, "", append([]string{"compliance", "--strict", "--json", "--db", db}, clinical...)...)
	if c := parseCompliance(t, out); code != exitFail || errs != "vigil: compliance: 4 requirements not met\n" ||
		!reflect.DeepEqual(c.Deviations, mfaMisses) || len(c.Recommendations) != 0 {
		t.Errorf("clinical flags: exit %d, stderr %q, deviations %q", code, errs, c.Deviations)
	}
	env := map[string]string{"VIGIL_LIFETIME": "12h", "VIGIL_ROLE_IDLE_TIMEOUT": "clinician=15m,admin=10m", "VIGIL_DB": db}
	code, out, _ = vigilRun(t, env, "", "compliance", "--json", "--strict")
	if c := parseCompliance(t, out); code != exitFail || !reflect.DeepEqual(c.Deviations, mfaMisses) || len(c.Recommendations) != 0 ||
		c.Roles[1].IdleTimeout != "15 minutes" {
		t.Errorf("clinical environment: exit %d, %+v", code, c)
	}
	code, out, _ = vigilRun(t, env, "", "compliance", "--json", "--lifetime", "168h")
	if c := parseCompliance(t, out); code != exitFail || len(c.Deviations) != len(mfaMisses)+3 || c.Roles[0].Lifetime != "7 days" {
		t.Errorf("--lifetime 168h over VIGIL_LIFETIME=12h: exit %d, %+v", code, c)
	}
}

// TestComplianceFailsOnARequirement: a SHALL missed (passwords shorter than
// 15 characters as a single factor) exits 1, with one line on stderr
// counting it with the second factor's four, in every form.
func TestComplianceFailsOnARequirement(t *testing.T) {
	db := newDB(t)
	env := map[string]string{"VIGIL_PASSWORD_MIN_LENGTH": "12"}
	for _, form := range []string{"", "--json", "--markdown"} {
		args := append([]string{"compliance", "--db", db}, clinical...)
		if form != "" {
			args = append(args, form)
		}
		code, out, errs := vigilRun(t, env, "", args...)
		if code != exitFail || errs != "vigil: compliance: 5 requirements not met\n" {
			t.Errorf("%q: exit %d, stderr %q", form, code, errs)
		}
		if !strings.Contains(out, "all roles: NIST SP 800-63B-4 §3.1.1.2 password verifiers (SHALL): the minimum is 12 characters") {
			t.Errorf("%q: the deviation is not named:\n%s", form, out)
		}
	}
}

// TestComplianceMarkdown: a document with a section per role and one for
// the database, whose tables have as many cells in every row as in their
// head, and which labels vigil's recommendations as such.
func TestComplianceMarkdown(t *testing.T) {
	db := newDB(t)
	code, out, _ := vigilRun(t, nil, "", "compliance", "--markdown", "--db", db)
	if code != exitFail || !strings.HasPrefix(out, "# vigil compliance report\n") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	var heads []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "## ") {
			heads = append(heads, line)
		}
	}
	want := []string{"## Deviations from the standards", "## vigil's recommendations not followed", "## Role: patient",
		"## Role: clinician", "## Role: admin", "## Every role", "## Database", "## Levels"}
	if !reflect.DeepEqual(heads, want) {
		t.Errorf("sections %q, want %q", heads, want)
	}
	cells := func(line string) int { return len(regexp.MustCompile(`(^|[^\\])\|`).FindAllString(line, -1)) }
	width := 0
	for i, line := range strings.Split(out, "\n") {
		switch {
		case !strings.HasPrefix(line, "|"):
			width = 0
		case width == 0:
			width = cells(line)
		case cells(line) != width:
			t.Errorf("line %d has %d cell borders, its table %d: %q", i+1, cells(line), width, line)
		}
	}
	for _, want := range []string{
		"| **not followed**: 30 minutes is longer than 15 minutes | vigil's recommendation | vigil recommendation | for clinical use |",
		"| **DEVIATION**: 7 days is longer than 24 hours | SHOULD | NIST SP 800-63B-4 AAL2 | §2.2.3 reauthentication |",
		"| Verdict | **FAILED: 4 requirements not met** |",
		"| **NOT MET**: a password alone signs in (not in --require-mfa) | SHALL | NIST SP 800-63B-4 AAL2 | §2.2.1 permitted authenticator types |",
		"| Admin accounts that can sign in | 1 |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}

// TestComplianceUsage: mistakes in the command line exit 2 and say what
// is wrong; a database that is not there exits 1 rather than being
// created empty and reported on.
func TestComplianceUsage(t *testing.T) {
	db := newDB(t)
	missing := filepath.Join(t.TempDir(), "nothere.db")
	tests := []struct {
		args []string
		env  map[string]string
		code int
		says string
	}{
		{[]string{"--json", "--markdown"}, nil, exitUsage, "--json and --markdown exclude each other"},
		{[]string{"--frob"}, nil, exitUsage, "unknown flag --frob"},
		{[]string{"now"}, nil, exitUsage, `unexpected argument "now"`},
		{[]string{"--addr", "127.0.0.1:1"}, nil, exitUsage, "unknown flag --addr"},
		{[]string{"--lifetime", "soon", "--idle-timeout=-1m"}, nil, exitUsage, `--idle-timeout "-1m": must be positive`},
		{nil, map[string]string{"VIGIL_LIFETIME": "soon"}, exitUsage, `VIGIL_LIFETIME "soon": invalid duration`},
		{[]string{"--db", missing}, nil, exitFail, "database " + missing + " does not exist"},
	}
	for _, tt := range tests {
		args := append([]string{"compliance"}, tt.args...)
		if !strings.Contains(strings.Join(tt.args, " "), "--db") {
			args = append(args, "--db", db)
		}
		code, _, errs := vigilRun(t, tt.env, "", args...)
		if code != tt.code || !strings.Contains(errs, tt.says) {
			t.Errorf("vigil %s: exit %d, stderr %q; want %d and %q", strings.Join(args, " "), code, errs, tt.code, tt.says)
		}
	}
	if code, out, _ := vigilRun(t, nil, "", "compliance", "--help"); code != exitOK || !strings.HasPrefix(out, "Usage: vigil compliance") {
		t.Errorf("--help: exit %d:\n%s", code, out)
	}
	if code, out, _ := vigilRun(t, nil, "", "help"); code != exitOK || !strings.Contains(out, "  compliance [--json|--markdown] [--strict]") {
		t.Errorf("help does not list compliance:\n%s", out)
	}
}

// TestComplianceWithServer runs the report beside a server started with
// the same flags, on SQLite and on PostgreSQL: the database's accounts and
// hashes are counted, a weaker hash is gone once its user has signed in,
// and the API and the admin page give the verdicts the command line gives.
func TestComplianceWithServer(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		complianceWithServer(t, filepath.Join(t.TempDir(), "vigil.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		pgtest.BaseURL(t)
		_, db := pgtest.Schema(t)
		complianceWithServer(t, db)
	})
}

func complianceWithServer(t *testing.T, db string) {
	flags := []string{"--lifetime", "12h", "--role-idle-timeout", "clinician=15m"} // admins keep 30 minutes
	cli := func(stdin string, args ...string) (int, string, string) {
		t.Helper()
		return vigilRun(t, nil, stdin, append(append(args, "--db", db), flags...)...)
	}
	for _, u := range []struct{ name, role, pw string }{
		{"root", "admin", adminPW}, {"former", "admin", adminPW}, {"alice", "patient", alicePassword}, {"legacy", "patient", alicePassword}, {"ward", "clinician", ""},
	} {
		args, stdin := []string{"user", "add", u.name, "--role", u.role}, ""
		if u.pw != "" {
			args, stdin = append(args, "--password-stdin"), u.pw+"\n"
		}
		if code, _, errs := vigilRun(t, nil, stdin, append(args, "--db", db)...); code != 0 {
			t.Fatalf("user add %s: %s", u.name, errs)
		}
	}
	if code, _, errs := vigilRun(t, nil, "", "user", "disable", "former", "--db", db); code != 0 {
		t.Fatalf("user disable: %s", errs)
	}
	// alice's hash made with less memory and fewer passes than new ones.
	weak, err := password.NewHasher(password.Params{Memory: 8 * 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 1).Hash(context.Background(), alicePassword)
	if err != nil {
		t.Fatal(err)
	}
	setHash(t, db, "alice", weak)
	// legacy's from another system (bcrypt, as PHP writes it); the
	// former admin's is no hash at all.
	legacyHash, err := bcrypt.GenerateFromPassword([]byte(alicePassword), 10)
	if err != nil {
		t.Fatal(err)
	}
	setHash(t, db, "legacy", "$2y$"+string(legacyHash[4:]))
	setHash(t, db, "former", "md5:5f4dcc3b5aa765d61d8327deb882cf99")

	code, out, errs := cli("", "compliance", "--json", "--strict")
	c := parseCompliance(t, out)
	if code != exitFail || errs != "vigil: compliance: 4 requirements not met\n" || c.Passed || !reflect.DeepEqual(c.Deviations, mfaMisses) {
		t.Fatalf("compliance: exit %d, stderr %q, passed %v, deviations %q", code, errs, c.Passed, c.Deviations)
	}
	f := c.Database
	want := map[string]int{"patient": 2, "clinician": 1, "admin": 2}
	if f.Users != 5 || !reflect.DeepEqual(f.UsersByRole, want) || f.Disabled != 1 || f.Admins != 1 || f.AwaitingReset != 1 || f.OpenSessions != 0 {
		t.Errorf("accounts: %+v", f)
	}
	if h := f.PasswordHashes; h.Current != 1 || h.Rehash != 2 || h.Weaker != 1 || h.Unreadable != 1 ||
		!reflect.DeepEqual(h.OtherFormats, map[string]int{"bcrypt": 1}) || h.Parameters != "argon2id m=19456,t=2,p=1" {
		t.Errorf("hashes: %+v", h)
	}
	if store, loc := describeDB(db); f.Store != store || f.Location != loc {
		t.Errorf("database %s %q, want %s %q", f.Store, f.Location, store, loc)
	}

	srv := startServer(t, db, append([]string{"--dev"}, flags...)...)
	srv.device(t).Login("alice", alicePassword)  // rehashed with the current parameters
	srv.device(t).Login("legacy", alicePassword) // bcrypt, verified, then rehashed
	admin := srv.device(t)
	admin.Login("root", adminPW)
	_, out, _ = cli("", "compliance", "--json")
	after := parseCompliance(t, out)
	if h := after.Database.PasswordHashes; h.Current != 3 || h.Rehash != 0 || h.Weaker != 0 || len(h.OtherFormats) != 0 || after.Database.OpenSessions != 3 {
		t.Errorf("after alice signed in: hashes %+v, open sessions %d", h, after.Database.OpenSessions)
	}

	// The API says what the command line says, field for field.
	api := admin.Do("GET", "/api/admin/policy", nil)
	expect(t, "policy", api, 200)
	var fromAPI, fromCLI map[string]any
	if err := json.Unmarshal([]byte(api.Raw), &fromAPI); err != nil {
		t.Fatal(err)
	}
	json.Unmarshal([]byte(out), &fromCLI)
	for k, v := range fromAPI {
		if !reflect.DeepEqual(fromCLI[k], v) {
			t.Errorf("%s: API %v, command line %v", k, v, fromCLI[k])
		}
	}
	if len(after.Recommendations) != 1 || !strings.HasPrefix(after.Recommendations[0], "admin: ") {
		t.Errorf("recommendations: %q", after.Recommendations)
	}

	// The page gives the same verdict and lists the same recommendation.
	page := admin.Do("GET", "/auth/admin/policy", nil)
	expect(t, "policy page", page, 200)
	for _, want := range []string{"Not every requirement is met", "9 deviations from the standards", `<li class="recommendation">admin: inactivity timeout at most 15 minutes`} {
		if !strings.Contains(page.Raw, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if n := strings.Count(page.Raw, `<li class="recommendation">`); n != len(after.Recommendations) {
		t.Errorf("the page lists %d recommendations, the command line %d", n, len(after.Recommendations))
	}
}

// TestComplianceNamesTheDatabaseWithoutSecrets: the report says which
// database it read, never a password the URL carries.
func TestComplianceNamesTheDatabaseWithoutSecrets(t *testing.T) {
	for db, want := range map[string]string{
		"/var/lib/vigil/vigil.db": "/var/lib/vigil/vigil.db",
		"postgres://vigil:s3cret@db.internal:5432/vigil?sslmode=verify-full&password=s3cret&search_path=clinic": "postgres://vigil@db.internal:5432/vigil?search_path=clinic&sslmode=verify-full",
		"postgresql://db.internal/vigil?sslpassword=s3cret":                                                     "postgresql://db.internal/vigil",
	} {
		if _, got := describeDB(db); got != want {
			t.Errorf("describeDB(%q) = %q, want %q", db, got, want)
		}
	}
}

// setHash stores hash as the user's password hash, as an import of old
// accounts would.
func setHash(t *testing.T, db, username, hash string) {
	t.Helper()
	ctx := context.Background()
	store, err := openStore(ctx, db, newLogger(&env{stderr: &bytes.Buffer{}}, "text"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	u, err := store.UserByUsername(ctx, username)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SetPassword(ctx, u.ID, hash, time.Now()); err != nil {
		t.Fatal(err)
	}
}

// TestComplianceSecondFactor: --require-mfa (or VIGIL_REQUIRE_MFA) is
// read as serve reads it: staff with a second factor meet every
// requirement, patients without one are SHOULDs (failing only --strict),
// and every role with one meets every SHOULD too.
func TestComplianceSecondFactor(t *testing.T) {
	db := newDB(t)
	staff := append([]string{"compliance", "--json", "--db", db, "--require-mfa", "clinician,admin"}, clinical...)
	code, out, errs := vigilRun(t, nil, "", staff...)
	if c := parseCompliance(t, out); code != exitOK || errs != "" || !c.RequirementsMet || !reflect.DeepEqual(c.Deviations, mfaMisses[:3]) {
		t.Errorf("--require-mfa clinician,admin: exit %d, stderr %q, deviations %q", code, errs, c.Deviations)
	}
	if code, _, errs := vigilRun(t, nil, "", append(staff, "--strict")...); code != exitFail || errs != "vigil: compliance: 3 SHOULDs not met (--strict)\n" {
		t.Errorf("--strict: exit %d, stderr %q", code, errs)
	}
	env := map[string]string{"VIGIL_REQUIRE_MFA": "patient,clinician,admin"}
	code, out, errs = vigilRun(t, env, "", append([]string{"compliance", "--strict", "--json", "--db", db}, clinical...)...)
	if c := parseCompliance(t, out); code != exitOK || errs != "" || !c.Passed || len(c.Deviations) != 0 {
		t.Errorf("VIGIL_REQUIRE_MFA for every role: exit %d, stderr %q, %+v", code, errs, c)
	}
	if code, _, errs := vigilRun(t, nil, "", "compliance", "--db", db, "--require-mfa", "nurse"); code != exitUsage || !strings.Contains(errs, "--require-mfa") {
		t.Errorf("--require-mfa nurse: exit %d, stderr %q", code, errs)
	}
}
