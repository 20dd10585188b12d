package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/config"
	"github.com/vigilauth/vigil/password"
)

const complianceUsage = `Usage: vigil compliance [--json|--markdown] [--strict] [policy flags] [--db PATH|URL]

Prints what GET /api/admin/policy says of the policy a server started with
these settings applies — the session policy per role held against NIST SP
800-63B-4 AAL2, OWASP ASVS 5.0 V6 and V7 and HIPAA — and what the
database tells: accounts, admins, accounts awaiting a password reset,
password hashes made with other parameters than new ones.

It takes serve's policy flags and their environment twins, read as serve
reads them: --lifetime, --idle-timeout, --role-lifetime, --role-idle-timeout,
--max-sessions, --reauth-window, --password-min-length, --reset-token-ttl,
--require-mfa.

  --json        the report as one JSON object (the API's fields, and more)
  --markdown    the report as a Markdown document
  --strict      a SHOULD of the standards not met fails too
  --db          SQLite path or postgres:// URL (VIGIL_DB; default vigil.db)

Exit status: 0 when every requirement (SHALL, ASVS required, HIPAA
addressable) is met, and with --strict every SHOULD too; 1 when one is not;
2 on a usage error. vigil's own recommendations never fail it.
`

// complianceReport is what `vigil compliance` prints: the API's policy
// report, with the verdict the exit status gives and what the database
// tells.
type complianceReport struct {
	auth.Report
	Strict      bool          `json:"strict"`
	Passed      bool          `json:"passed"`
	GeneratedAt time.Time     `json:"generated_at"`
	Database    databaseFacts `json:"database"`
}

// databaseFacts are the facts about accounts an auditor asks for that the
// database holds.
type databaseFacts struct {
	Store    string `json:"store"`    // "SQLite" or "PostgreSQL"
	Location string `json:"location"` // the file, or the server and database without credentials
	Users    int    `json:"users"`
	// UsersByRole counts the accounts of each role, disabled ones included.
	UsersByRole map[vigil.Role]int `json:"users_by_role"`
	Disabled    int                `json:"disabled"`
	// Admins counts the enabled admin accounts with a password: the
	// accounts that can sign in and administer.
	Admins int `json:"admins"`
	// AwaitingReset counts the accounts without a password yet: created
	// without one, or waiting for their reset.
	AwaitingReset  int        `json:"awaiting_reset"`
	PasswordHashes hashCounts `json:"password_hashes"`
	// OpenSessions counts the sessions live under this policy.
	OpenSessions int `json:"open_sessions"`
}

// complianceCmd runs `vigil compliance`.
func complianceCmd(ctx context.Context, e *env, args []string) error {
	flags := flag.NewFlagSet("compliance", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	asJSON := flags.Bool("json", false, "")
	asMarkdown := flags.Bool("markdown", false, "")
	strict := flags.Bool("strict", false, "")
	db := flags.String("db", "", "")
	policy := config.PolicyFlags(flags)
	pos, err := config.ParseInterspersed(flags, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(e.stdout, complianceUsage)
		return err
	case err != nil:
		return usagef("compliance: %v", err)
	case len(pos) > 0:
		return usagef("compliance: unexpected argument %q", pos[0])
	case *asJSON && *asMarkdown:
		return usagef("compliance: --json and --markdown exclude each other")
	}
	cfg, err := policy(e.getenv)
	if err != nil {
		return usagef("compliance: %v", err)
	}
	if *db == "" {
		*db = e.getenv("VIGIL_DB")
	}
	if *db == "" {
		*db = "vigil.db"
	}
	rep, err := buildCompliance(ctx, e, *db, cfg, *strict)
	if err != nil {
		return err
	}
	if err := printCompliance(e.stdout, rep, *asJSON, *asMarkdown); err != nil {
		return err
	}
	if !rep.Passed {
		return errors.New(failureLine(rep))
	}
	return nil
}

func printCompliance(w io.Writer, rep *complianceReport, asJSON, asMarkdown bool) error {
	switch {
	case asJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case asMarkdown:
		return writeMarkdown(w, rep)
	}
	return writeText(w, rep)
}

// buildCompliance opens the database and reports on the policy cfg sets.
func buildCompliance(ctx context.Context, e *env, db string, cfg *config.Config, strict bool) (*complianceReport, error) {
	if !config.IsPostgres(db) {
		// Opening creates a missing file: an audit of an empty new database
		// would say nothing true about the real one.
		if _, err := os.Stat(db); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("database %s does not exist (--db, VIGIL_DB)", db)
		}
	}
	store, err := openStore(ctx, db, newLogger(e, "text"))
	if err != nil {
		return nil, err
	}
	defer store.Close()
	engine, hasher := newEngine(store, cfg.Policy(), cfg.PasswordMinLength, auth.Options{CacheSize: -1, ResetTokenTTL: cfg.ResetTokenTTL,
		MFA: auth.MFA{Required: cfg.RequireMFA}})
	rep := &complianceReport{Report: engine.PolicyReport(), Strict: strict, GeneratedAt: engine.Now().UTC().Truncate(time.Second)}
	rep.Passed = rep.Met(strict)
	rep.Database, err = readFacts(ctx, engine, hasher.Params())
	if err != nil {
		return nil, err
	}
	rep.Database.Store, rep.Database.Location = describeDB(db)
	return rep, nil
}

// readFacts counts the accounts, their password hashes and the open
// sessions.
func readFacts(ctx context.Context, engine *auth.Engine, current password.Params) (databaseFacts, error) {
	f := databaseFacts{UsersByRole: map[vigil.Role]int{}, PasswordHashes: hashCounts{Parameters: phcParams(current)}}
	for _, r := range vigil.Roles {
		f.UsersByRole[r] = 0
	}
	users, err := engine.Users(ctx)
	if err != nil {
		return f, fmt.Errorf("list users: %w", err)
	}
	for _, u := range users {
		f.Users++
		f.UsersByRole[u.Role]++
		switch {
		case u.Disabled:
			f.Disabled++
		case u.PasswordHash == "":
		case u.Role == vigil.RoleAdmin:
			f.Admins++
		}
		if u.PasswordHash == "" {
			f.AwaitingReset++
			continue
		}
		f.PasswordHashes.add(u.PasswordHash, current)
	}
	sessions, err := engine.AllSessions(ctx)
	if err != nil {
		return f, fmt.Errorf("list sessions: %w", err)
	}
	f.OpenSessions = len(sessions)
	return f, nil
}

// describeDB names the store and where it is: the file, or the URL without
// the settings that may carry a password.
func describeDB(db string) (store, location string) {
	if !config.IsPostgres(db) {
		return "SQLite", db
	}
	u, err := url.Parse(db)
	if err != nil {
		return "PostgreSQL", "(unreadable URL)"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	q.Del("password")
	q.Del("sslpassword")
	u.RawQuery = q.Encode()
	return "PostgreSQL", u.String()
}

// failureLine says on stderr why the exit status is 1.
func failureLine(rep *complianceReport) string {
	binding, should := misses(rep.Report)
	if binding > 0 {
		return fmt.Sprintf("compliance: %s not met", plural(binding, "requirement"))
	}
	return fmt.Sprintf("compliance: %s not met (--strict)", plural(should, "SHOULD"))
}

// misses counts the binding checks and the SHOULDs not met.
func misses(r auth.Report) (binding, should int) {
	for _, c := range allChecks(r) {
		switch {
		case c.OK:
		case c.Binding():
			binding++
		case c.Level == auth.LevelShould:
			should++
		}
	}
	return binding, should
}

// allChecks returns every role's checks, then those of every role.
func allChecks(r auth.Report) []auth.Check {
	var out []auth.Check
	for _, rr := range r.Roles {
		out = append(out, rr.Checks...)
	}
	return append(out, r.Checks...)
}

// plural counts what: "1 requirement", "2 requirements", "3 hashes".
func plural(n int, what string) string {
	switch {
	case n == 1:
		return "1 " + what
	case strings.HasSuffix(what, "sh"):
		return fmt.Sprintf("%d %ses", n, what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// hashCounts sorts the stored password hashes by how they compare with the
// parameters new hashes are made with.
type hashCounts struct {
	// Parameters are those of new hashes, as a PHC string writes them.
	Parameters string `json:"parameters"`
	Current    int    `json:"current"`
	// Rehash counts the hashes made with other parameters: each is made
	// again with the current ones at its user's next successful sign-in.
	Rehash int `json:"rehash_at_next_login"`
	// Weaker counts those of Rehash with less memory, fewer passes, or a
	// shorter salt or key than new hashes.
	Weaker int `json:"weaker"`
	// OtherFormats counts, by format (password.Identify's names), the
	// hashes of Rehash brought from another system: bcrypt, PBKDF2,
	// scrypt, argon2i... each verified as its format says, then rehashed.
	OtherFormats map[string]int `json:"other_formats"`
	// Unreadable counts the stored values that are no hash vigil can
	// verify (password.Identify refuses them): their users cannot sign in
	// until a reset.
	Unreadable int `json:"unreadable"`
}

func (h *hashCounts) add(stored string, current password.Params) {
	p, ok := phcParamsOf(stored)
	if !ok {
		h.addOther(stored)
		return
	}
	switch {
	case p == current:
		h.Current++
	default:
		h.Rehash++
		if p.Memory < current.Memory || p.Time < current.Time || p.SaltLen < current.SaltLen || p.KeyLen < current.KeyLen {
			h.Weaker++
		}
	}
}

// addOther counts a stored value that is not an argon2id hash: another
// format vigil verifies (and rehashes), or one it cannot read.
func (h *hashCounts) addOther(stored string) {
	format, err := password.Identify(stored)
	if err != nil {
		h.Unreadable++
		return
	}
	if h.OtherFormats == nil {
		h.OtherFormats = map[string]int{}
	}
	h.OtherFormats[format]++
	h.Rehash++
}

// phcParams writes p as a PHC string's parameters: "argon2id m=19456,t=2,p=1".
func phcParams(p password.Params) string {
	return fmt.Sprintf("argon2id m=%d,t=%d,p=%d", p.Memory, p.Time, p.Threads)
}

// phcParamsOf reads the parameters of a stored argon2id PHC string
// ($argon2id$v=19$m=…,t=…,p=…$salt$key), with the salt's and key's
// lengths: the parameters the verifier compares with its own to decide on
// a rehash. It reads the string's shape only; it verifies nothing.
func phcParamsOf(s string) (password.Params, bool) {
	f := strings.Split(s, "$")
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" || f[2] != "v=19" {
		return password.Params{}, false
	}
	var p password.Params
	if n, err := fmt.Sscanf(f[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); n != 3 || err != nil {
		return password.Params{}, false
	}
	b64 := base64.RawStdEncoding.Strict()
	salt, err1 := b64.DecodeString(f[4])
	key, err2 := b64.DecodeString(f[5])
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err1 != nil || err2 != nil || p.Validate() != nil {
		return password.Params{}, false
	}
	return p, true
}
