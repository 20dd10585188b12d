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

// TestCodesListsEveryCode: vigil.Codes, which the status map and the API
// reference are checked against, holds every Code constant error.go
// declares, so a new code cannot be left out of either.
func TestCodesListsEveryCode(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "error.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	declared := 0
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, "Code") || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok {
					continue
				}
				code, _ := strconv.Unquote(lit.Value)
				declared++
				if !slices.Contains(vigil.Codes(), code) {
					t.Errorf("%s (%s) is not in vigil.Codes()", name.Name, code)
				}
			}
		}
	}
	if declared != len(vigil.Codes()) {
		t.Errorf("error.go declares %d codes, vigil.Codes() lists %d", declared, len(vigil.Codes()))
	}
}
