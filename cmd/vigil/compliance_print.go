package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

// levelsNote says what each level of a check means for the verdict.
const levelsNote = "A SHALL (NIST), a required (ASVS Level 2) or an addressable (HIPAA: implemented, or left out for a reason written down, which vigil cannot see) not met fails the report. " +
	"A SHOULD (NIST) not met is a deviation a deployment has to be able to justify; it fails the report only with --strict. " +
	"vigil's recommendations are vigil's own advice, which no standard asks for; they never fail the report."

// writeText writes the report for a terminal.
func writeText(w io.Writer, rep *complianceReport) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "vigil compliance report\n\nGenerated:\t%s\n", rep.GeneratedAt.Format("2006-01-02T15:04:05Z"))
	fmt.Fprintf(tw, "Database:\t%s %s\nVerdict:\t%s\n", rep.Database.Store, printable(rep.Database.Location), verdict(rep))
	textList(tw, "Deviations from the standards", rep.Deviations)
	textList(tw, "vigil's recommendations not followed (no standard requires them; they never fail the report)", rep.Recommendations)
	for _, rr := range rep.Roles {
		fmt.Fprintf(tw, "\nRole %s: absolute lifetime %s, inactivity timeout %s\n", rr.Role, rr.Lifetime, rr.IdleTimeout)
		textChecks(tw, rr.Checks)
	}
	fmt.Fprintln(tw, "\nEvery role")
	for _, f := range settingFacts(rep.Settings) {
		fmt.Fprintf(tw, "  %s\t%s\n", f[0], f[1])
	}
	textChecks(tw, rep.Checks)
	fmt.Fprintln(tw, "\nDatabase")
	for _, f := range databaseRows(rep.Database) {
		fmt.Fprintf(tw, "  %s\t%s\n", f[0], f[1])
	}
	for _, n := range databaseNotes(rep.Database) {
		fmt.Fprintf(tw, "  - %s\n", n)
	}
	fmt.Fprintf(tw, "\nLevels: %s\n", levelsNote)
	return tw.Flush()
}

func textList(w io.Writer, title string, items []string) {
	fmt.Fprintf(w, "\n%s:\n", title)
	if len(items) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, it := range items {
		fmt.Fprintf(w, "  - %s\n", it)
	}
}

func textChecks(w io.Writer, checks []auth.Check) {
	for _, c := range checks {
		// Fixed widths: the columns line up across sections.
		line := fmt.Sprintf("  %-12s  %-23s  %s %s: %s", outcome(c), levelName(c.Level), c.Standard, c.Control, c.Requirement)
		if c.Deviation != "" {
			line += " — " + c.Deviation
		}
		fmt.Fprintln(w, line)
	}
}

// writeMarkdown writes the report as a document an auditor can paste.
func writeMarkdown(w io.Writer, rep *complianceReport) error {
	var b strings.Builder
	b.WriteString("# vigil compliance report\n\n| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| Generated | %s |\n", rep.GeneratedAt.Format("2006-01-02T15:04:05Z"))
	fmt.Fprintf(&b, "| Database | %s %s |\n", rep.Database.Store, md(printable(rep.Database.Location)))
	fmt.Fprintf(&b, "| Verdict | **%s** |\n", md(verdict(rep)))
	mdList(&b, "Deviations from the standards", "", rep.Deviations)
	mdList(&b, "vigil's recommendations not followed", "No standard requires these; they never fail the report.\n\n", rep.Recommendations)
	for _, rr := range rep.Roles {
		fmt.Fprintf(&b, "\n## Role: %s\n\nAbsolute lifetime: **%s**. Inactivity timeout: **%s**.\n\n", rr.Role, rr.Lifetime, rr.IdleTimeout)
		mdChecks(&b, rr.Checks)
	}
	b.WriteString("\n## Every role\n\n")
	mdTable(&b, [2]string{"Setting", "Value"}, settingFacts(rep.Settings))
	b.WriteString("\n")
	mdChecks(&b, rep.Checks)
	b.WriteString("\n## Database\n\n")
	mdTable(&b, [2]string{"Fact", "Value"}, databaseRows(rep.Database))
	if notes := databaseNotes(rep.Database); len(notes) > 0 {
		b.WriteString("\n")
		for _, n := range notes {
			fmt.Fprintf(&b, "- %s\n", md(n))
		}
	}
	fmt.Fprintf(&b, "\n## Levels\n\n%s\n", levelsNote)
	_, err := io.WriteString(w, b.String())
	return err
}

func mdList(b *strings.Builder, title, intro string, items []string) {
	fmt.Fprintf(b, "\n## %s\n\n%s", title, intro)
	if len(items) == 0 {
		b.WriteString("None.\n")
	}
	for _, it := range items {
		fmt.Fprintf(b, "- %s\n", md(it))
	}
}

func mdChecks(b *strings.Builder, checks []auth.Check) {
	b.WriteString("| Result | Level | Source | Control | Requirement |\n|---|---|---|---|---|\n")
	for _, c := range checks {
		res := outcome(c)
		if c.Deviation != "" {
			res = "**" + res + "**: " + md(c.Deviation)
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", res, md(levelName(c.Level)), md(c.Standard), md(c.Control), md(c.Requirement))
	}
}

func mdTable(b *strings.Builder, head [2]string, rows [][2]string) {
	fmt.Fprintf(b, "| %s | %s |\n|---|---|\n", head[0], head[1])
	for _, r := range rows {
		fmt.Fprintf(b, "| %s | %s |\n", md(r[0]), md(r[1]))
	}
}

// md escapes what Markdown would read as markup, so a value shows as
// written, in a table cell too.
func md(s string) string {
	return strings.NewReplacer(`\`, `\\`, "|", `\|`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "<", `\<`, ">", `\>`).Replace(s)
}

// verdict is the report's one-line conclusion, matching the exit status.
func verdict(rep *complianceReport) string {
	binding, should := misses(rep.Report)
	switch {
	case binding > 0:
		return fmt.Sprintf("FAILED: %s not met", plural(binding, "requirement"))
	case should > 0 && rep.Strict:
		return fmt.Sprintf("FAILED (--strict): %s not met", plural(should, "SHOULD"))
	case should > 0:
		return fmt.Sprintf("PASSED: every requirement is met; %s not met (they fail only with --strict)", plural(should, "SHOULD"))
	}
	return "PASSED: every requirement and every SHOULD is met"
}

// outcome is a check's outcome in a word or two.
func outcome(c auth.Check) string {
	switch {
	case c.OK && c.Level == auth.LevelRecommendation:
		return "followed"
	case c.OK:
		return "meets"
	case c.Level == auth.LevelRecommendation:
		return "not followed"
	case c.Level == auth.LevelShould:
		return "DEVIATION"
	}
	return "NOT MET"
}

// levelName says whose word a level is.
func levelName(level string) string {
	switch level {
	case auth.LevelRequired:
		return "required (ASVS Level 2)"
	case auth.LevelAddressable:
		return "addressable (HIPAA)"
	case auth.LevelRecommendation:
		return "vigil's recommendation"
	}
	return level
}

func settingFacts(s auth.Settings) [][2]string {
	sessions := "no limit"
	if s.MaxSessions > 0 {
		sessions = fmt.Sprintf("at most %d", s.MaxSessions)
	}
	return [][2]string{
		{"Sessions per user", sessions},
		{"Re-authentication window", s.ReauthWindow},
		{"Password length", fmt.Sprintf("%d to %d characters", s.PasswordMinLength, s.PasswordMaxLength)},
		{"Password hashing", s.PasswordHash},
		{"Session token", s.SessionToken},
		{"Activity resolution", s.ActivityResolution},
	}
}

func databaseRows(f databaseFacts) [][2]string {
	var roles []string
	for _, r := range vigil.Roles {
		roles = append(roles, fmt.Sprintf("%d %s", f.UsersByRole[r], r))
	}
	h := f.PasswordHashes
	return [][2]string{
		{"Accounts", fmt.Sprintf("%d (%s), %d disabled", f.Users, strings.Join(roles, ", "), f.Disabled)},
		{"Admin accounts that can sign in", fmt.Sprint(f.Admins)},
		{"Accounts awaiting a password reset", fmt.Sprint(f.AwaitingReset)},
		{"Password hashes", fmt.Sprintf("%d with the current parameters (%s), %d to be rehashed at the next sign-in (%d of them weaker%s), %d unreadable",
			h.Current, h.Parameters, h.Rehash, h.Weaker, otherFormats(h.OtherFormats), h.Unreadable)},
		{"Sessions open now", fmt.Sprint(f.OpenSessions)},
	}
}

// databaseNotes says what the database's numbers mean, where they call
// for attention.
func databaseNotes(f databaseFacts) []string {
	var out []string
	if f.Admins == 0 {
		out = append(out, "No enabled admin account has a password: nobody can use the administration pages or API (vigil user add NAME --role admin).")
	}
	if f.AwaitingReset > 0 {
		out = append(out, fmt.Sprintf("%s without a password, awaiting a reset (vigil user list).", plural(f.AwaitingReset, "account")))
	}
	if h := f.PasswordHashes; h.Rehash > 0 {
		out = append(out, fmt.Sprintf("%s made with other parameters than %s (%d weaker); each is rehashed at its user's next successful sign-in, and stays as it is until then.",
			plural(h.Rehash, "password hash"), h.Parameters, h.Weaker))
	}
	if n := f.PasswordHashes.Unreadable; n > 0 {
		out = append(out, fmt.Sprintf("%s no hash vigil can verify: those users cannot sign in until a password reset.", plural(n, "stored password")))
	}
	return out
}

// otherFormats lists the counts of hashes brought from other systems, by
// format: ", 2 bcrypt, 1 werkzeug-scrypt"; "" when there are none.
func otherFormats(n map[string]int) string {
	var parts []string
	for _, f := range slices.Sorted(maps.Keys(n)) {
		parts = append(parts, fmt.Sprintf("%d %s", n[f], f))
	}
	if len(parts) == 0 {
		return ""
	}
	return "; from other systems: " + strings.Join(parts, ", ")
}
