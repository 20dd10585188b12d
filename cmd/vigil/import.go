package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/password"
)

// vigil user import FILE: accounts brought over from another system, with
// the password hashes they have there (password.Identify lists the
// formats), checked line by line and written in batches, each batch in one
// transaction. docs/cli.md describes the command for its users.

// Bounds of --batch-size. A batch is one transaction, which PostgreSQL
// bounds by the store's call timeout: 5,000 rows take well under a second.
const (
	defaultImportBatch = 500
	maxImportBatch     = 5000
)

// Results of a line that is not imported.
const (
	resultRefused     = "refused"      // the line breaks a rule: nothing of it is written
	resultSkipped     = "skipped"      // --skip-existing: the username exists and is left alone
	resultNotImported = "not_imported" // valid, but not written (see the reason)
)

// importRow is a line of the file that holds a user, as checked.
type importRow struct {
	line     int
	name     string // the username, normalized; as given when it is not valid
	nameOK   bool
	user     vigil.User
	hash     string // the hash's format (password.Identify), "" for none
	problems []string
	result   string // "" while it is to be imported
}

// importOptions are the flags that decide what happens to a line.
type importOptions struct {
	dryRun, partial, skipExisting, allowNoPassword bool
	batchSize                                      int
}

// importBeforeBatch, when set (by tests), runs before each batch is
// written, with the store and the batch's number from 1.
var importBeforeBatch func(store vigil.Store, batch int)

func userImport(ctx context.Context, e *env, args []string) error {
	f := newCLIFlags("user import")
	format := f.String("format", "", "jsonl or csv (default: from the file's extension; required for -)")
	var opt importOptions
	f.BoolVar(&opt.dryRun, "dry-run", false, "check every line and write nothing")
	f.BoolVar(&opt.partial, "partial", false, "import the valid lines even when others are refused")
	f.BoolVar(&opt.skipExisting, "skip-existing", false, "leave out a line whose username exists, instead of refusing it")
	f.BoolVar(&opt.allowNoPassword, "allow-no-password", false, "a line without password_hash creates an account awaiting a reset")
	f.IntVar(&opt.batchSize, "batch-size", defaultImportBatch, "users written in one transaction (1 to 5000)")
	asJSON := f.Bool("json", false, "the report as JSON Lines")
	pos, err := f.parse(e, args, 1)
	if err != nil {
		return err
	}
	if opt.batchSize < 1 || opt.batchSize > maxImportBatch {
		return usagef("user import: --batch-size %d: want 1 to %d", opt.batchSize, maxImportBatch)
	}
	if err := checkDB(f.db); err != nil {
		return err
	}
	name := pos[0]
	records, closeFile, err := openImport(e, name, *format)
	if err != nil {
		return err
	}
	defer closeFile()
	bar := newProgress(e.stderr)
	rows, err := readImport(records, opt, bar)
	if err != nil {
		return err
	}

	store, err := openStore(ctx, f.db, newLogger(e, "text"))
	if err != nil {
		return err
	}
	defer store.Close()
	imp, ok := store.(vigil.UserImporter)
	if !ok {
		return fmt.Errorf("user import: the store %T cannot import users", store)
	}
	existing, err := store.ListUsers(ctx)
	if err != nil {
		return fmt.Errorf("user import: list the existing users: %w", err)
	}
	judge(rows, existing, opt)
	sum := importSummary{Type: "summary", File: name, DryRun: opt.dryRun}
	if name == "-" {
		sum.File = "standard input"
	}
	sum.count(rows)
	if !opt.dryRun && (sum.Refused == 0 || opt.partial) {
		sum.Imported, sum.failure = writeImport(ctx, store, imp, rows, opt.batchSize, bar)
	}
	bar.done()
	if !opt.dryRun {
		sum.NotImported = sum.Valid - sum.Imported
	}
	for _, r := range rows {
		if r.result == "" && r.user.PasswordHash == "" && sum.Imported > 0 {
			sum.WithoutPassword++
		}
	}
	if err := printImport(e.stdout, rows, sum, *asJSON); err != nil {
		return err
	}
	return sum.verdict(opt)
}

// openImport opens the file (standard input for "-") and returns a reader
// of its records in the format --format names or its extension tells.
func openImport(e *env, name, format string) (recordReader, func(), error) {
	if format == "" {
		switch strings.ToLower(filepath.Ext(name)) {
		case ".jsonl", ".ndjson":
			format = "jsonl"
		case ".csv":
			format = "csv"
		default:
			if name == "-" {
				return nil, nil, usagef("user import: reading standard input needs --format jsonl or --format csv")
			}
			return nil, nil, usagef("user import: cannot tell the format of %s from its extension (.jsonl, .ndjson or .csv): give --format jsonl or --format csv", printable(name))
		}
	}
	if format != "jsonl" && format != "csv" {
		return nil, nil, usagef("user import: --format %q: want jsonl or csv", format)
	}
	in, closeFile := e.stdin, func() {}
	if name != "-" {
		file, err := os.Open(name)
		if err != nil {
			return nil, nil, fileError("%s", printable(err.Error()))
		}
		if st, err := file.Stat(); err == nil && st.IsDir() {
			file.Close()
			return nil, nil, fileError("%s is a folder, not a file", name)
		}
		in, closeFile = file, func() { file.Close() }
	}
	lines := newLineReader(in)
	if format == "jsonl" {
		return &jsonlRecords{lines: lines}, closeFile, nil
	}
	r, err := newCSVRecords(lines)
	if err != nil {
		closeFile()
		return nil, nil, err
	}
	return r, closeFile, nil
}

// readImport reads and checks every line, on its own: what needs the
// other lines or the database is judge's.
func readImport(records recordReader, opt importOptions, bar *progress) ([]importRow, error) {
	var rows []importRow
	for {
		rec, err := records.next()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		rows = append(rows, checkRecord(rec, opt))
		bar.reading(len(rows))
	}
}

// checkRecord checks one line as vigil checks a user it creates (auth's
// CreateUser): the same normalization and rules, and a hash
// password.Identify knows.
func checkRecord(rec importRecord, opt importOptions) importRow {
	row := importRow{line: rec.line, problems: rec.problems}
	if rec.fields == nil {
		return row
	}
	fields := rec.fields
	row.name = vigil.NormalizeUsername(fields["username"])
	row.nameOK = vigil.ValidateUsername(row.name) == nil
	u := vigil.User{Username: row.name, ClinicianID: fields["clinician_id"], Email: vigil.NormalizeEmail(fields["email"]),
		DisplayName: auth.NormalizeDisplayName(fields["display_name"]), PasswordHash: fields["password_hash"]}
	problem := func(err error) {
		if err != nil {
			row.problems = append(row.problems, err.Error())
		}
	}
	problem(vigil.ValidateUsername(row.name))
	if role, err := vigil.ParseRole(fields["role"]); err == nil {
		u.Role = role
	} else if fields["role"] == "" {
		row.problems = append(row.problems, "role is empty (want patient, clinician or admin)")
	} else {
		row.problems = append(row.problems, "role "+quoteName(fields["role"])+" is not one of patient, clinician, admin")
	}
	problem(vigil.ValidateClinicianID(u.ClinicianID))
	problem(vigil.ValidateEmail(u.Email))
	problem(vigil.ValidateDisplayName(u.DisplayName))
	switch format, err := password.Identify(u.PasswordHash); {
	case u.PasswordHash == "" && !opt.allowNoPassword:
		row.problems = append(row.problems, "password_hash is empty (--allow-no-password creates such accounts without a password, awaiting a reset)")
	case u.PasswordHash == "":
	case err != nil:
		row.problems = append(row.problems, "password_hash: "+strings.TrimPrefix(err.Error(), "password: "))
	default:
		row.hash = format
	}
	row.user = u
	return row
}

// judge refuses the lines that break a rule across lines or against the
// database: a username on several lines (every one of them: which is
// right is not for vigil to guess), or one that exists already (skipped
// instead with --skip-existing when nothing else is wrong with the line).
func judge(rows []importRow, existing []vigil.User, opt importOptions) {
	lines := map[string][]int{}
	for _, r := range rows {
		if r.nameOK {
			lines[r.name] = append(lines[r.name], r.line)
		}
	}
	taken := make(map[string]bool, len(existing))
	for _, u := range existing {
		taken[u.Username] = true
	}
	for i := range rows {
		r := &rows[i]
		if on := lines[r.name]; r.nameOK && len(on) > 1 {
			r.problems = append(r.problems, fmt.Sprintf("the username is on lines %s (each may be imported once)", lineList(on)))
		}
		switch {
		case !r.nameOK || !taken[r.name]:
		case opt.skipExisting && len(r.problems) == 0:
			r.result = resultSkipped
			r.problems = []string{"the username exists already; the account is left as it is"}
		default:
			r.problems = append(r.problems, "the username exists already (--skip-existing leaves such lines out)")
		}
		if len(r.problems) > 0 && r.result == "" {
			r.result = resultRefused
		}
	}
}

// lineList lists line numbers: "3, 7 and 12", the first ten of many.
func lineList(on []int) string {
	var s []string
	for _, n := range on[:min(len(on), 10)] {
		s = append(s, fmt.Sprint(n))
	}
	if len(on) > 10 {
		return strings.Join(s, ", ") + fmt.Sprintf(" and %d more", len(on)-10)
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// writeImport writes the rows to import, batch by batch, each batch with
// its user_created events in one transaction. At the first batch that
// fails it stops: that batch was rolled back whole, and it and every later
// row are marked not imported with why. It returns how many users it
// wrote and, if it stopped, the batch's error.
func writeImport(ctx context.Context, store vigil.Store, imp vigil.UserImporter, rows []importRow, size int, bar *progress) (int, error) {
	var todo []*importRow
	for i := range rows {
		if rows[i].result == "" {
			todo = append(todo, &rows[i])
		}
	}
	written := 0
	for start, n := 0, 1; start < len(todo); start, n = start+size, n+1 {
		batch := todo[start:min(start+size, len(todo))]
		if importBeforeBatch != nil {
			importBeforeBatch(store, n)
		}
		now := time.Now().UTC().Truncate(time.Microsecond)
		users := make([]vigil.User, len(batch))
		events := make([]vigil.Event, len(batch))
		for i, r := range batch {
			users[i] = r.user
			users[i].CreatedAt = now
			if users[i].PasswordHash != "" {
				users[i].PasswordChangedAt = now
			}
			events[i] = vigil.Event{Time: now, Username: r.name, Actor: cliActor.Username, Category: vigil.CategoryAdmin,
				Event: vigil.EventUserCreated, Detail: importDetail(r)}
		}
		if err := ctx.Err(); err != nil {
			notImported(todo[start:], "the import was interrupted before this line's batch")
			return written, err
		}
		if err := imp.ImportUsers(ctx, users, events); err != nil {
			notImported(batch, batchFailure(n, batch, err))
			notImported(todo[start+len(batch):], fmt.Sprintf("the import stopped when batch %d failed", n))
			return written, fmt.Errorf("batch %d (lines %d to %d): %w", n, batch[0].line, batch[len(batch)-1].line, err)
		}
		written += len(batch)
		bar.writing(written, len(todo))
	}
	return written, nil
}

// importDetail is the detail of an imported user's user_created event:
// its role, and the format of its hash (never the hash).
func importDetail(r *importRow) string {
	hash := r.hash
	if hash == "" {
		hash = "none"
	}
	return fmt.Sprintf("role=%s imported hash=%s", r.user.Role, hash)
}

// batchFailure says why a batch was not written.
func batchFailure(n int, batch []*importRow, err error) string {
	var c *vigil.ImportConflict
	if errors.As(err, &c) && c.Index < len(batch) {
		return fmt.Sprintf("batch %d (lines %d to %d) was rolled back: the username %s of line %d was created by someone else during the import",
			n, batch[0].line, batch[len(batch)-1].line, c.Username, batch[c.Index].line)
	}
	return fmt.Sprintf("batch %d (lines %d to %d) was rolled back: %v", n, batch[0].line, batch[len(batch)-1].line, err)
}

func notImported(rows []*importRow, why string) {
	for _, r := range rows {
		r.result, r.problems = resultNotImported, []string{why}
	}
}

// importSummary is the last line of the report; its JSON form is the last
// line of --json.
type importSummary struct {
	Type            string `json:"type"`
	File            string `json:"file"`
	DryRun          bool   `json:"dry_run"`
	Read            int    `json:"read"`             // lines that hold a user
	Valid           int    `json:"valid"`            // of them, neither refused nor skipped
	Imported        int    `json:"imported"`         // written
	Refused         int    `json:"refused"`          // breaking a rule
	Skipped         int    `json:"skipped"`          // --skip-existing
	NotImported     int    `json:"not_imported"`     // valid, not written (not counted in a dry run)
	WithoutPassword int    `json:"without_password"` // of the imported, awaiting a reset
	failure         error  // the batch that failed, if one did
}

func (s *importSummary) count(rows []importRow) {
	for _, r := range rows {
		s.Read++
		switch r.result {
		case resultRefused:
			s.Refused++
		case resultSkipped:
			s.Skipped++
		default:
			s.Valid++
		}
	}
}

// importLine is a line of the report: a line of the file that was not
// imported, and why.
type importLine struct {
	Type     string   `json:"type"`
	Line     int      `json:"line"`
	Username string   `json:"username"`
	Result   string   `json:"result"`
	Reasons  []string `json:"reasons"`
}

// printImport prints the report: each line not imported, then the
// summary. In text, every value from the file is escaped (printable), and
// lines not imported for one reason are listed together.
func printImport(w io.Writer, rows []importRow, sum importSummary, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		for _, r := range rows {
			if r.result != "" {
				if err := enc.Encode(importLine{"line", r.line, r.name, r.result, r.problems}); err != nil {
					return err
				}
			}
		}
		return enc.Encode(sum)
	}
	for i := 0; i < len(rows); i++ {
		r := rows[i]
		switch r.result {
		case resultRefused, resultSkipped:
			who := ""
			if r.nameOK {
				who = r.name + ": "
			} else if r.name != "" {
				who = quoteName(r.name) + ": "
			}
			prefix := ""
			if r.result == resultSkipped {
				prefix = "skipped: "
			}
			fmt.Fprintf(w, "line %d: %s\n", r.line, printable(who+prefix+strings.Join(r.problems, "; ")))
		case resultNotImported:
			j := i
			for j+1 < len(rows) && rows[j+1].result == resultNotImported && rows[j+1].problems[0] == r.problems[0] {
				j++
			}
			fmt.Fprintf(w, "%s: not imported: %s\n", lineRanges(rows[i:j+1]), printable(r.problems[0]))
			i = j
		}
	}
	if sum.DryRun {
		fmt.Fprintf(w, "%s: %d read, %d valid, %d refused, %d skipped (dry run: nothing written)\n",
			printable(sum.File), sum.Read, sum.Valid, sum.Refused, sum.Skipped)
		return nil
	}
	fmt.Fprintf(w, "%s: %d read, %d imported, %d refused, %d skipped", printable(sum.File), sum.Read, sum.Imported, sum.Refused, sum.Skipped)
	if sum.NotImported > 0 {
		fmt.Fprintf(w, ", %d not imported", sum.NotImported)
	}
	fmt.Fprintln(w)
	if sum.WithoutPassword > 0 {
		fmt.Fprintf(w, "%d imported account(s) have no password: vigil user reset USERNAME prints each one's reset link\n", sum.WithoutPassword)
	}
	return nil
}

// lineRanges writes the line numbers of rows as ranges: "lines 4 to 9, 11".
func lineRanges(rows []importRow) string {
	var parts []string
	for i := 0; i < len(rows); {
		j := i
		for j+1 < len(rows) && rows[j+1].line == rows[j].line+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d to %d", rows[i].line, rows[j].line))
		} else {
			parts = append(parts, fmt.Sprint(rows[i].line))
		}
		i = j + 1
	}
	word := "line "
	if len(rows) > 1 {
		word = "lines "
	}
	return word + strings.Join(parts, ", ")
}

// verdict is the command's outcome: nil (exit 0) when every line was
// imported or skipped (in a dry run: would be), else the one line for
// standard error (exit 1) that says what to do.
func (s *importSummary) verdict(opt importOptions) error {
	switch {
	case s.failure != nil:
		return fmt.Errorf("user import: %d of %d users imported; %v; nothing of that batch was written. "+
			"Run the same command with --skip-existing to import the rest", s.Imported, s.Valid, s.failure)
	case s.Refused > 0 && opt.dryRun:
		return fmt.Errorf("user import: %d line(s) would be refused (dry run: nothing written)", s.Refused)
	case s.Refused > 0 && !opt.partial:
		return fmt.Errorf("user import: %d line(s) refused; nothing imported. Fix them and run again, or give --partial to import the %d valid line(s)",
			s.Refused, s.Valid)
	case s.Refused > 0:
		return fmt.Errorf("user import: %d line(s) refused; the other %d imported", s.Refused, s.Imported)
	}
	return nil
}
