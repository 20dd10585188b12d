package config

import (
	"errors"
	"flag"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

// userAdd is a FlagSet shaped like `vigil user add`.
type userAdd struct {
	fs    *flag.FlagSet
	role  *string
	stdin *bool
	db    *string
	since *time.Duration
}

func newUserAdd() userAdd {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return userAdd{
		fs:    fs,
		role:  fs.String("role", "", "role"),
		stdin: fs.Bool("password-stdin", false, "read the password from stdin"),
		db:    fs.String("db", "vigil.db", "database"),
		since: fs.Duration("since", 0, "since"),
	}
}

func TestParseInterspersed(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		pos   []string
		role  string
		stdin bool
	}{
		{"flags after", []string{"alice", "--role", "patient"}, []string{"alice"}, "patient", false},
		{"flags before", []string{"--role", "patient", "alice"}, []string{"alice"}, "patient", false},
		{"equals form", []string{"alice", "--role=patient"}, []string{"alice"}, "patient", false},
		{"one dash", []string{"-role", "patient", "alice"}, []string{"alice"}, "patient", false},
		{"bool alone before positional", []string{"--password-stdin", "alice", "--role", "admin"}, []string{"alice"}, "admin", true},
		{"bool alone last", []string{"alice", "--role", "admin", "--password-stdin"}, []string{"alice"}, "admin", true},
		{"bool equals false", []string{"--password-stdin=false", "alice"}, []string{"alice"}, "", false},
		{"bool does not take the next word", []string{"--password-stdin", "false"}, []string{"false"}, "", true},
		{"value may start with a dash", []string{"--role", "-x", "alice"}, []string{"alice"}, "-x", false},
		{"double dash ends flags", []string{"--role", "admin", "--", "--password-stdin", "-h"}, []string{"--password-stdin", "-h"}, "admin", false},
		{"double dash first", []string{"--", "--role", "admin"}, []string{"--role", "admin"}, "", false},
		{"double dash as a value", []string{"--role", "--", "alice"}, []string{"alice"}, "--", false},
		{"lone dash is positional", []string{"-", "--role", "admin"}, []string{"-"}, "admin", false},
		{"several positionals keep order", []string{"a", "--role", "admin", "b", "--password-stdin", "c"}, []string{"a", "b", "c"}, "admin", true},
		{"empty", nil, nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := newUserAdd()
			pos, err := ParseInterspersed(u.fs, tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(pos, tt.pos) {
				t.Errorf("positionals = %q, want %q", pos, tt.pos)
			}
			if len(pos) > 0 && !reflect.DeepEqual(u.fs.Args(), pos) || !u.fs.Parsed() {
				t.Errorf("fs.Args() = %q, Parsed %v", u.fs.Args(), u.fs.Parsed())
			}
			if *u.role != tt.role || *u.stdin != tt.stdin {
				t.Errorf("role %q stdin %v, want %q %v", *u.role, *u.stdin, tt.role, tt.stdin)
			}
		})
	}
}

func TestParseInterspersedErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"alice", "--rol", "patient"}, "unknown flag --rol"},
		{[]string{"alice", "--role"}, "flag --role needs a value"},
		{[]string{"--password-stdin=maybe"}, `--password-stdin "maybe": invalid boolean`},
		{[]string{"--since", "soon"}, `--since "soon": invalid duration`},
		{[]string{"---role", "x"}, "bad flag syntax: ---role"},
		{[]string{"--=x"}, "bad flag syntax"},
		{[]string{"--bogus", "--rol"}, "unknown flag --bogus"}, // the first problem
	}
	for _, tt := range tests {
		_, err := ParseInterspersed(newUserAdd().fs, tt.args)
		if err == nil || errors.Is(err, flag.ErrHelp) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseInterspersed(%q) = %v, want %q", tt.args, err, tt.want)
		}
	}
	for _, args := range [][]string{{"-h"}, {"alice", "--help"}, {"--help=1"}} {
		if _, err := ParseInterspersed(newUserAdd().fs, args); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("ParseInterspersed(%q) = %v, want flag.ErrHelp", args, err)
		}
	}
	// A FlagSet that defines -h itself gets it as a flag.
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	human := fs.Bool("h", false, "human output")
	if _, err := ParseInterspersed(fs, []string{"-h"}); err != nil || !*human {
		t.Errorf("own -h: err %v, value %v", err, *human)
	}
}

func TestEnv(t *testing.T) {
	u := newUserAdd()
	if _, err := ParseInterspersed(u.fs, []string{"alice", "--role", "admin"}); err != nil {
		t.Fatal(err)
	}
	problems := Env(u.fs, env(map[string]string{
		"VIGIL_DB":             "postgres://db/vigil", // not on the command line: applied
		"VIGIL_ROLE":           "patient",             // on the command line: ignored
		"VIGIL_PASSWORD_STDIN": "",                    // empty: unset
		"VIGIL_SINCE":          "soon",                // refused
	}))
	if *u.db != "postgres://db/vigil" || *u.role != "admin" || *u.stdin {
		t.Errorf("db %q role %q stdin %v", *u.db, *u.role, *u.stdin)
	}
	if want := []string{`VIGIL_SINCE "soon": invalid duration`}; !reflect.DeepEqual(problems, want) {
		t.Errorf("problems = %q, want %q", problems, want)
	}
	if Env(newUserAdd().fs, nil) != nil {
		t.Error("nil getenv should apply nothing")
	}
}

func TestEnvName(t *testing.T) {
	for name, want := range map[string]string{
		"idle-timeout":        "VIGIL_IDLE_TIMEOUT",
		"db":                  "VIGIL_DB",
		"password-min-length": "VIGIL_PASSWORD_MIN_LENGTH",
	} {
		if got := EnvName(name); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", name, got, want)
		}
	}
}
