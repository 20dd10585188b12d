package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/sqlite"
)

// legacyVector is a line of password/testdata/legacy_vectors.jsonl: a
// password and its hash, made by the Python library that writes the
// format (python3-werkzeug, python3-bcrypt, python3-passlib).
type legacyVector struct {
	Format   string `json:"format"`
	Password string `json:"password"`
	Hash     string `json:"hash"`
}

// legacyHash returns the first vector of format whose password is the
// common one.
func legacyHash(t *testing.T, format string) legacyVector {
	t.Helper()
	f, err := os.Open("../../password/testdata/legacy_vectors.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var v legacyVector
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		if v.Format == format && v.Password == "correct horse battery staple" {
			return v
		}
	}
	t.Fatalf("no %s vector for the common password", format)
	return legacyVector{}
}

// importFile writes an import file in a fresh folder and returns its path.
func importFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	writeFile(t, path, content)
	return path
}

// usersCSV is a CSV file of n patients u00, u01, … with the password
// hash h.
func usersCSV(h string, n int) string {
	var b strings.Builder
	b.WriteString("username,role,password_hash\n")
	for i := range n {
		fmt.Fprintf(&b, "u%02d,patient,%s\n", i, h)
	}
	return b.String()
}

// openDB opens the command line's SQLite database from the test.
func openDB(t *testing.T, db string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// usernames lists the accounts, through vigil user list --json.
func usernames(t *testing.T, vigilCLI func(...string) (int, string, string)) []string {
	t.Helper()
	code, out, errs := vigilCLI("user", "list", "--json")
	if code != exitOK {
		t.Fatalf("user list: exit %d: %s", code, errs)
	}
	var names []string
	for line := range strings.Lines(out) {
		var u struct{ Username string }
		if err := json.Unmarshal([]byte(line), &u); err != nil {
			t.Fatalf("user list line %q: %v", line, err)
		}
		names = append(names, u.Username)
	}
	return names
}

// reportLines parses --json's report: the lines by number, and the
// summary.
func reportLines(t *testing.T, out string) (map[int]importLine, importSummary) {
	t.Helper()
	lines := map[int]importLine{}
	var sum importSummary
	for l := range strings.Lines(out) {
		var kind struct{ Type string }
		if err := json.Unmarshal([]byte(l), &kind); err != nil {
			t.Fatalf("report line %q: %v", l, err)
		}
		switch kind.Type {
		case "line":
			var il importLine
			json.Unmarshal([]byte(l), &il)
			lines[il.Line] = il
		case "summary":
			json.Unmarshal([]byte(l), &sum)
		default:
			t.Fatalf("report line of type %q: %s", kind.Type, l)
		}
	}
	if sum.Type != "summary" {
		t.Fatalf("no summary in the report:\n%s", out)
	}
	return lines, sum
}

// wantLine is what the report must say of a line.
type wantLine struct {
	user, says string
}

// checkTextReport checks that the text report has, for each line, one
// line naming its number, its username and why.
func checkTextReport(t *testing.T, out string, want map[int]wantLine) {
	t.Helper()
	for n, w := range want {
		prefix := fmt.Sprintf("line %d: ", n)
		if w.user != "" {
			prefix += w.user + ": "
		}
		found := false
		for l := range strings.Lines(out) {
			if strings.HasPrefix(l, prefix) && strings.Contains(l, w.says) {
				found = true
			}
		}
		if !found {
			t.Errorf("the report has no line %q…%q:\n%s", prefix, w.says, out)
		}
	}
}

// TestImportCSVNamesEveryBadLine: a CSV export (BOM, CRLF, blank lines,
// columns in its own order) that mixes good users with every kind of bad
// line: the report names each bad line, its username and why; without
// --partial nothing is written; with it the good users are, each audited
// as user_created with its hash's format.
func TestImportCSVNamesEveryBadLine(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vigil.db")
	vigilCLI := cliOn(db)
	if code, _, errs := vigilCLI("user", "add", "olga", "--role", "admin"); code != exitOK {
		t.Fatalf("user add olga: %s", errs)
	}
	wz, bc := legacyHash(t, "werkzeug-pbkdf2-sha256"), legacyHash(t, "bcrypt")
	rows := []string{
		"\ufeffUsername,role,clinician_id,email,display_name,password_hash", // 1
		"Alice,patient,,Alice@Clinic.Example,  Alice Ng ," + wz.Hash,        // 2: good
		"dr.bob,clinician,C-114,,Dr. Bob," + bc.Hash,                        // 3: good
		"",                                  // 4: blank
		"   ",                               // 5: blank
		"bad name,patient,,,," + wz.Hash,    // 6
		"carl,doctor,,,," + wz.Hash,         // 7
		"dora,,,,," + wz.Hash,               // 8
		"emil,clinician,C\x07,,," + wz.Hash, // 9
		"fay,patient,,fay-at-example.org,," + wz.Hash, // 10
		"gus,patient,,,\"Gus \u202eevil\"," + wz.Hash, // 11
		"hal,patient,,,,",                                      // 12
		"ivy,patient,,,,md5$abc$def",                           // 13
		"jon,patient,,,,pbkdf2:sha256:0$salt$00",               // 14
		"kim,patient,,,," + wz.Hash,                            // 15
		"KIM,admin,,,," + bc.Hash,                              // 16
		"olga,admin,,,," + bc.Hash,                             // 17
		"\"pat,patient,,,," + wz.Hash,                          // 18
		"quin,patient," + wz.Hash,                              // 19
		"rex,patient,,,," + strings.Repeat("a", maxImportLine), // 20
		"sue,patient,,,Su\xe9," + wz.Hash,                      // 21
		"tom,admin,,tom@example.org,Tom," + wz.Hash,            // 22: good
	}
	path := importFile(t, "users.csv", strings.Join(rows, "\r\n")+"\r\n")
	want := map[int]wantLine{
		6:  {`"bad name"`, "username may hold only"},
		7:  {"carl", `role "doctor" is not one of patient, clinician, admin`},
		8:  {"dora", "role is empty"},
		9:  {"emil", "clinician id"},
		10: {"fay", "email must contain exactly one @"},
		11: {"gus", "display name may not contain control characters"},
		12: {"hal", "password_hash is empty (--allow-no-password"},
		13: {"ivy", "password_hash: unsupported hash"},
		14: {"jon", "password_hash: malformed"},
		15: {"kim", "the username is on lines 15 and 16"},
		16: {"kim", "the username is on lines 15 and 16"},
		17: {"olga", "the username exists already (--skip-existing"},
		18: {"", "not valid CSV"},
		19: {"", "3 values, want 6"},
		20: {"", "longer than 16384 bytes"},
		21: {"", "not valid UTF-8"},
	}

	code, out, errs := vigilCLI("user", "import", path)
	if code != exitFail || !strings.Contains(errs, "16 line(s) refused; nothing imported") || !strings.Contains(errs, "--partial to import the 3 valid") {
		t.Errorf("import with bad lines: exit %d, stderr %q", code, errs)
	}
	checkTextReport(t, out, want)
	if got := strings.Count(out, "\n"); got != len(want)+1 {
		t.Errorf("the report has %d lines, want one per bad line and the summary:\n%s", got, out)
	}
	if !strings.Contains(out, "users.csv: 19 read, 0 imported, 16 refused, 0 skipped, 3 not imported") {
		t.Errorf("summary wrong:\n%s", out)
	}
	if strings.Contains(out, wz.Hash) || strings.Contains(out, "\u202e") || strings.Contains(out, "\x07") {
		t.Errorf("the report holds a hash or an unescaped control character:\n%q", out)
	}
	if names := usernames(t, vigilCLI); !slices.Equal(names, []string{"olga"}) {
		t.Fatalf("users after a refused import: %v, want only olga", names)
	}

	code, out, errs = vigilCLI("user", "import", path, "--partial")
	if code != exitFail || !strings.Contains(errs, "16 line(s) refused; the other 3 imported") {
		t.Errorf("import --partial: exit %d, stderr %q", code, errs)
	}
	checkTextReport(t, out, want)
	if !strings.Contains(out, "users.csv: 19 read, 3 imported, 16 refused, 0 skipped\n") {
		t.Errorf("summary wrong:\n%s", out)
	}
	if names := usernames(t, vigilCLI); !slices.Equal(names, []string{"alice", "dr.bob", "olga", "tom"}) {
		t.Fatalf("users after import --partial: %v", names)
	}
	store := openDB(t, db)
	alice, err := store.UserByUsername(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	if alice.Email != "Alice@clinic.example" || alice.DisplayName != "Alice Ng" || alice.Role != vigil.RolePatient || alice.PasswordHash != wz.Hash {
		t.Errorf("alice stored as %+v", alice)
	}
	evs, err := store.Events(context.Background(), vigil.EventFilter{Event: vigil.EventUserCreated})
	if err != nil {
		t.Fatal(err)
	}
	details := map[string]string{}
	for _, ev := range evs {
		if ev.Actor == "cli" {
			details[ev.Username] = ev.Detail
		}
	}
	if details["alice"] != "role=patient imported hash=werkzeug-pbkdf2-sha256" || details["dr.bob"] != "role=clinician imported hash=bcrypt" || len(details) != 4 {
		t.Errorf("user_created events: %v", details)
	}
}

// TestImportJSONLNamesEveryBadLine: JSON Lines with good users and every
// kind of bad line, the report in --json: one object per line not
// imported, then the summary.
func TestImportJSONLNamesEveryBadLine(t *testing.T) {
	vigilCLI := cliOn(filepath.Join(t.TempDir(), "vigil.db"))
	scrypt, django := legacyHash(t, "werkzeug-scrypt"), legacyHash(t, "django-pbkdf2-sha256")
	line := func(fields map[string]any) string {
		b, err := json.Marshal(fields)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	rows := []string{
		line(map[string]any{"username": "ann", "role": "patient", "password_hash": scrypt.Hash, "email": nil}),        // 1: good
		line(map[string]any{"username": "ben", "role": "admin", "password_hash": django.Hash}),                        // 2: good
		line(map[string]any{"username": "cai", "role": "patient", "password_hash": scrypt.Hash, "pass": "x"}),         // 3
		`{"username": "dee", "role": "patient", "role": "admin", "password_hash": "` + scrypt.Hash + `"}`,             // 4
		line(map[string]any{"username": "eve", "role": "patient", "password_hash": scrypt.Hash, "clinician_id": 114}), // 5
		`["fox", "patient"]`,                    // 6
		`{"username": "gil", "role": "patient"`, // 7
		line(map[string]any{"username": "hana", "role": "patient", "password_hash": scrypt.Hash}) + ` {}`, // 8
		``, // 9: blank
		line(map[string]any{"username": "ida\u0000", "role": "patient", "password_hash": scrypt.Hash}), // 10
		line(map[string]any{"username": "ann", "role": "patient", "password_hash": scrypt.Hash}),       // 11
	}
	path := importFile(t, "users.ndjson", strings.Join(rows, "\n"))
	code, out, errs := vigilCLI("user", "import", path, "--json", "--partial")
	if code != exitFail || errs == "" {
		t.Errorf("import: exit %d, stderr %q", code, errs)
	}
	lines, sum := reportLines(t, out)
	want := map[int]wantLine{
		1:  {"ann", "the username is on lines 1 and 11"},
		3:  {"cai", `unknown field "pass"`},
		4:  {"dee", "field role appears twice"},
		5:  {"eve", "field clinician_id must be a string"},
		6:  {"", "not a JSON object"},
		7:  {"", "the object is not closed"},
		8:  {"", "more than one JSON value"},
		10: {"ida\x00", "username may hold only"},
		11: {"ann", "the username is on lines 1 and 11"},
	}
	for n, w := range want {
		got, ok := lines[n]
		if !ok || got.Result != resultRefused || got.Username != w.user || !strings.Contains(strings.Join(got.Reasons, "; "), w.says) {
			t.Errorf("line %d reported as %+v; want refused, username %q, saying %q", n, got, w.user, w.says)
		}
	}
	if len(lines) != len(want) {
		t.Errorf("%d lines reported, want %d: %v", len(lines), len(want), lines)
	}
	if sum.Read != 10 || sum.Valid != 1 || sum.Imported != 1 || sum.Refused != 9 || sum.NotImported != 0 || sum.File != path {
		t.Errorf("summary %+v", sum)
	}
	if names := usernames(t, vigilCLI); !slices.Equal(names, []string{"ben"}) {
		t.Errorf("users: %v, want ben", names)
	}
}

// TestImportDryRunWritesNothing: --dry-run checks every line against the
// database too, reports as an import would, and writes nothing: no user,
// no audit event.
func TestImportDryRunWritesNothing(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vigil.db")
	vigilCLI := cliOn(db)
	if code, _, errs := vigilCLI("user", "add", "olga", "--role", "admin"); code != exitOK {
		t.Fatalf("user add olga: %s", errs)
	}
	h := legacyHash(t, "passlib-pbkdf2-sha256").Hash
	good := "username,role,password_hash\nann,patient," + h + "\nben,patient," + h + "\n"
	code, out, errs := vigilCLI("user", "import", importFile(t, "u.csv", good), "--dry-run")
	if code != exitOK || errs != "" || !strings.Contains(out, "u.csv: 2 read, 2 valid, 0 refused, 0 skipped (dry run: nothing written)") {
		t.Errorf("dry run of a good file: exit %d, out %q, stderr %q", code, out, errs)
	}
	code, out, errs = vigilCLI("user", "import", importFile(t, "u.csv", good+"olga,admin,"+h+"\n"), "--dry-run")
	if code != exitFail || !strings.Contains(out, "line 4: olga: the username exists already") || !strings.Contains(errs, "1 line(s) would be refused") {
		t.Errorf("dry run with an existing user: exit %d, out %q, stderr %q", code, out, errs)
	}
	if names := usernames(t, vigilCLI); !slices.Equal(names, []string{"olga"}) {
		t.Errorf("users after dry runs: %v", names)
	}
	code, out, _ = vigilCLI("audit", "--event", "user_created", "--json")
	if code != exitOK || strings.Count(out, "\n") != 1 {
		t.Errorf("user_created events after dry runs: %q", out)
	}
}

// TestImportSkipExistingAndNoPassword: --skip-existing leaves an existing
// account as it is and counts its line skipped; --allow-no-password
// creates an account awaiting a reset, and the summary says how it gets
// its link.
func TestImportSkipExistingAndNoPassword(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vigil.db")
	vigilCLI := cliOn(db)
	if code, _, errs := vigilCLI("user", "add", "olga", "--role", "admin", "--email", "olga@example.org"); code != exitOK {
		t.Fatalf("user add olga: %s", errs)
	}
	path := importFile(t, "u.jsonl", `{"username":"olga","role":"patient"}`+"\n"+`{"username":"new","role":"clinician","password_hash":""}`+"\n")
	code, out, errs := vigilCLI("user", "import", path, "--skip-existing", "--allow-no-password")
	if code != exitOK || errs != "" {
		t.Fatalf("import: exit %d, out %q, stderr %q", code, out, errs)
	}
	for _, want := range []string{"line 1: olga: skipped: the username exists already", "u.jsonl: 2 read, 1 imported, 0 refused, 1 skipped\n",
		"1 imported account(s) have no password: vigil user reset USERNAME"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = vigilCLI("user", "list")
	if code != exitOK || !strings.Contains(out, "awaiting reset") {
		t.Errorf("user list: %s", out)
	}
	olga, err := openDB(t, db).UserByUsername(context.Background(), "olga")
	if err != nil || olga.Role != vigil.RoleAdmin || olga.Email != "olga@example.org" {
		t.Errorf("olga after --skip-existing: %+v, %v", olga, err)
	}
	if code, out, _ = vigilCLI("user", "reset", "new"); code != exitOK || !strings.Contains(out, "one-time password-reset token") {
		t.Errorf("user reset of an imported account: exit %d, %s", code, out)
	}
}

// TestImportFileErrors: what is wrong with the file as a whole, or with
// the command, is a usage error (exit 2) that says what, and nothing is
// imported.
func TestImportFileErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vigil.db")
	vigilCLI := cliOn(db)
	h := legacyHash(t, "bcrypt").Hash
	for _, tc := range []struct {
		name string
		args []string
		says string
	}{
		{"no such file", []string{filepath.Join(t.TempDir(), "none.csv")}, "no such file"},
		{"a folder", []string{filepath.Join(t.TempDir(), "d.csv")}, "is a folder"},
		{"unknown extension", []string{importFile(t, "u.txt", "")}, "give --format jsonl or --format csv"},
		{"unknown format", []string{importFile(t, "u.csv", ""), "--format", "xml"}, `--format "xml": want jsonl or csv`},
		{"empty CSV", []string{importFile(t, "u.csv", "\n\n")}, "the file is empty: want a header line"},
		{"unknown column", []string{importFile(t, "u.csv", "username,role,passwd\nann,patient,x\n")}, `unknown column "passwd"`},
		{"column twice", []string{importFile(t, "u.csv", "username,role,role\n")}, "column role appears twice"},
		{"no role column", []string{importFile(t, "u.csv", "username,password_hash\nann,"+h+"\n")}, "want at least the columns username and role"},
		{"UTF-16", []string{importFile(t, "u.csv", "\xff\xfeu\x00s\x00")}, "the file is UTF-16; save it as UTF-8"},
		{"batch size 0", []string{importFile(t, "u.csv", "username,role\n"), "--batch-size", "0"}, "--batch-size 0: want 1 to 5000"},
		{"two files", []string{"a.csv", "b.csv"}, "want 1 argument(s), got 2"},
		{"stdin without a format", []string{"-"}, "reading standard input needs --format"},
	} {
		if tc.name == "a folder" {
			os.Mkdir(tc.args[0], 0o700)
		}
		code, out, errs := vigilCLI(append([]string{"user", "import"}, tc.args...)...)
		if code != exitUsage || out != "" || !strings.Contains(errs, tc.says) {
			t.Errorf("%s: exit %d, out %q, stderr %q; want exit 2 saying %q", tc.name, code, out, errs, tc.says)
		}
	}
	if names := usernames(t, vigilCLI); len(names) != 0 {
		t.Errorf("users: %v", names)
	}
}

// TestImportFromStandardInput: - reads standard input, in the format
// --format names.
func TestImportFromStandardInput(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vigil.db")
	h := legacyHash(t, "salted-sha256").Hash
	code, out, errs := vigilRun(t, nil, `{"username":"ann","role":"patient","password_hash":"`+h+`"}`+"\r\n",
		"user", "import", "-", "--format", "jsonl", "--db", db)
	if code != exitOK || !strings.Contains(out, "standard input: 1 read, 1 imported") {
		t.Errorf("import -: exit %d, out %q, stderr %q", code, out, errs)
	}
}

// TestImportBatchFailsWhole: a batch the store refuses (a username created
// by someone else once the file was checked; a store that went away) is
// rolled back whole, the import stops there, and the report says which
// lines were not imported; run again with --skip-existing, the rest is
// imported.
func TestImportBatchFailsWhole(t *testing.T) {
	path := importFile(t, "u.csv", usersCSV(legacyHash(t, "werkzeug-pbkdf2-sha256").Hash, 12))

	t.Run("a username taken meanwhile", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "vigil.db")
		vigilCLI := cliOn(db)
		other := openDB(t, db)
		importBeforeBatch = func(_ vigil.Store, n int) {
			if n == 2 {
				if err := other.CreateUser(context.Background(), &vigil.User{Username: "u07", Role: vigil.RoleAdmin, CreatedAt: time.Now()}); err != nil {
					t.Error(err)
				}
			}
		}
		defer func() { importBeforeBatch = nil }()
		code, out, errs := vigilCLI("user", "import", path, "--batch-size", "5")
		if code != exitFail || !strings.Contains(errs, "5 of 12 users imported") || !strings.Contains(errs, "--skip-existing") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
		for _, want := range []string{
			"lines 7 to 11: not imported: batch 2 (lines 7 to 11) was rolled back: the username u07 of line 9 was created by someone else during the import\n",
			"lines 12 to 13: not imported: the import stopped when batch 2 failed\n",
			"u.csv: 12 read, 5 imported, 0 refused, 0 skipped, 7 not imported\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("report lacks %q:\n%s", want, out)
			}
		}
		want := []string{"u00", "u01", "u02", "u03", "u04", "u07"}
		if names := usernames(t, vigilCLI); !slices.Equal(names, want) {
			t.Fatalf("users after the failed batch: %v, want %v (no half batch)", names, want)
		}
		importBeforeBatch = nil
		code, out, errs = vigilCLI("user", "import", path, "--batch-size", "5", "--skip-existing")
		if code != exitOK || !strings.Contains(out, "u.csv: 12 read, 6 imported, 0 refused, 6 skipped\n") {
			t.Errorf("again with --skip-existing: exit %d, out %q, stderr %q", code, out, errs)
		}
		if names := usernames(t, vigilCLI); len(names) != 12 {
			t.Errorf("users at the end: %v", names)
		}
	})

	t.Run("the store gone", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "vigil.db")
		importBeforeBatch = func(s vigil.Store, n int) {
			if n == 2 {
				s.Close()
			}
		}
		defer func() { importBeforeBatch = nil }()
		code, out, errs := vigilRun(t, nil, "", "user", "import", path, "--batch-size", "5", "--json", "--db", db)
		if code != exitFail || !strings.Contains(errs, "batch 2 (lines 7 to 11)") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
		lines, sum := reportLines(t, out)
		for n := 7; n <= 13; n++ {
			if lines[n].Result != resultNotImported || lines[n].Username != fmt.Sprintf("u%02d", n-2) {
				t.Errorf("line %d: %+v, want not_imported", n, lines[n])
			}
		}
		if !strings.Contains(lines[7].Reasons[0], "was rolled back") || sum.Imported != 5 || sum.NotImported != 7 {
			t.Errorf("line 7 %+v, summary %+v", lines[7], sum)
		}
		if names := usernames(t, cliOn(db)); len(names) != 5 {
			t.Errorf("users: %v, want the first batch's 5", names)
		}
	})
}

// TestImportedWerkzeugUserSignsIn is the adoption the issue asks for: a
// user brought over from a Flask app with a Werkzeug hash (made by
// python3-werkzeug) signs in with the old password, and is stored as
// vigil's argon2id afterwards, audited; so are the other formats.
func TestImportedWerkzeugUserSignsIn(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vigil.db")
	formats := []string{"werkzeug-pbkdf2-sha256", "werkzeug-scrypt", "django-pbkdf2-sha256", "bcrypt",
		"passlib-pbkdf2-sha512", "salted-sha256", "argon2i"}
	var b strings.Builder
	for i, f := range formats {
		fmt.Fprintf(&b, `{"username":"user%d","role":"clinician","password_hash":%q}`+"\n", i, legacyHash(t, f).Hash)
	}
	code, out, errs := vigilRun(t, nil, "", "user", "import", importFile(t, "flask.jsonl", b.String()), "--db", db)
	if code != exitOK {
		t.Fatalf("import: exit %d, out %q, stderr %q", code, out, errs)
	}
	store := openDB(t, db)
	e := testkit.Engine(store, auth.Options{Policy: vigil.Policy{Lifetime: time.Hour, IdleTimeout: 30 * time.Minute}})
	ctx := context.Background()
	for i, f := range formats {
		name, pw := fmt.Sprintf("user%d", i), legacyHash(t, f).Password
		if _, err := e.Login(ctx, name, pw+"!", nil, auth.Actor{}); vigil.ErrorCode(err) != vigil.CodeInvalidCredentials {
			t.Errorf("%s: a wrong password: %v", f, err)
		}
		if _, err := e.Login(ctx, name, pw, nil, auth.Actor{}); err != nil {
			t.Errorf("%s: the old password: %v", f, err)
			continue
		}
		u, err := store.UserByUsername(ctx, name)
		if err != nil || !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
			t.Errorf("%s: after sign-in the hash is %.12q…, want argon2id", f, u.PasswordHash)
		}
		if evs := testkit.Events(t, e, name, vigil.EventPasswordRehashed); len(evs) != 1 {
			t.Errorf("%s: %d password_rehashed events", f, len(evs))
		}
		if _, err := e.Login(ctx, name, pw, nil, auth.Actor{}); err != nil {
			t.Errorf("%s: the old password against the new hash: %v", f, err)
		}
	}
}

// TestImportProgressOnlyOnATerminal: the bar is drawn on standard error
// when it is a terminal, at most a few times a second, and erased at the
// end; in a pipe standard error stays empty.
func TestImportProgressOnlyOnATerminal(t *testing.T) {
	path := importFile(t, "u.csv", usersCSV(legacyHash(t, "bcrypt").Hash, 2000))

	code, _, errs := vigilRun(t, nil, "", "user", "import", path, "--batch-size", "100", "--db", filepath.Join(t.TempDir(), "a.db"))
	if code != exitOK || errs != "" {
		t.Errorf("in a pipe: exit %d, stderr %q; want nothing on stderr", code, errs)
	}

	was := isTerminal
	isTerminal = func(io.Writer) bool { return true }
	defer func() { isTerminal = was }()
	var out, errb bytes.Buffer
	code = run(context.Background(), []string{"user", "import", path, "--batch-size", "100", "--db", filepath.Join(t.TempDir(), "b.db")},
		noEnv, strings.NewReader(""), &out, &errb)
	draws := strings.Count(errb.String(), "\r\x1b[K")
	if code != exitOK || !strings.Contains(errb.String(), "importing [") || !strings.Contains(errb.String(), "] 2000/2000 users") ||
		!strings.HasSuffix(errb.String(), "\r\x1b[K") || draws > 2000/4 {
		t.Errorf("on a terminal: exit %d, %d draws, stderr %q", code, draws, errb.String())
	}
	if strings.Contains(out.String(), "\r") {
		t.Errorf("the bar went to stdout: %q", out.String())
	}
}

// TestImportTenThousand imports 10,000 users in batches of 500 (its time
// is measured in the docs, not asserted here).
func TestImportTenThousand(t *testing.T) {
	t.Parallel() // long and self-contained: beside the other long ones
	if testing.Short() {
		t.Skip("10,000 users")
	}
	path := importFile(t, "u.csv", usersCSV(legacyHash(t, "werkzeug-pbkdf2-sha256").Hash, 10000))
	start := time.Now()
	code, out, errs := vigilRun(t, nil, "", "user", "import", path, "--db", filepath.Join(t.TempDir(), "vigil.db"))
	if code != exitOK || !strings.Contains(out, "10000 read, 10000 imported") {
		t.Fatalf("exit %d, out %q, stderr %q", code, out, errs)
	}
	t.Logf("10,000 users imported in %v", time.Since(start))
}
