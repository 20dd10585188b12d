package vigil_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vigilauth/vigil"
)

// constants returns the string values of the constants declared in file
// whose names start with prefix. Go cannot enumerate constants at run
// time, so the source is the only place that lists them all.
func constants(t *testing.T, file, prefix string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, prefix) || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Fatalf("%s: %s is not a string literal", file, name.Name)
				}
				v, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, v)
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no %s constants found", file, prefix)
	}
	return out
}

// sameSet fails naming each value one list has and the other lacks, and
// any value listed twice.
func sameSet(t *testing.T, what string, declared, listed []string) {
	t.Helper()
	for _, v := range declared {
		if !slices.Contains(listed, v) {
			t.Errorf("%s %q is declared but missing from the list", what, v)
		}
	}
	for i, v := range listed {
		if !slices.Contains(declared, v) {
			t.Errorf("%s %q is listed but not declared", what, v)
		}
		if slices.Contains(listed[:i], v) {
			t.Errorf("%s %q is listed twice", what, v)
		}
	}
}

func TestEventNamesListsEveryEvent(t *testing.T) {
	sameSet(t, "event", constants(t, "event.go", "Event"), vigil.EventNames())
}

func TestReasonsListsEveryReason(t *testing.T) {
	var listed []string
	for _, r := range vigil.Reasons() {
		listed = append(listed, string(r))
	}
	sameSet(t, "reason", constants(t, "session.go", "Reason"), listed)
	// Each reason has a message of its own, not the fallback of an
	// unknown one.
	seen := map[string]vigil.Reason{}
	for _, r := range vigil.Reasons() {
		e := vigil.SessionEndedError(r)
		if e.Reason != r {
			t.Errorf("SessionEndedError(%q) carries reason %q", r, e.Reason)
		}
		if other, dup := seen[e.Message]; dup {
			t.Errorf("reasons %q and %q share the message %q", other, r, e.Message)
		}
		seen[e.Message] = r
	}
}

// TestCodesListsEveryCode: vigil.Codes, which the status map and the API
// reference are checked against, holds every Code constant of error.go.
func TestCodesListsEveryCode(t *testing.T) {
	sameSet(t, "code", constants(t, "error.go", "Code"), vigil.Codes())
}
