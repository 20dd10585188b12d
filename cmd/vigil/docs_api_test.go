package main

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/httpapi"
	"github.com/vigilauth/vigil/web"
)

// docRoute spells a registered pattern as docs/api.md writes it: the
// site root's exact-match marker dropped ("GET /{$}" is "GET /").
func docRoute(pattern string) string { return strings.TrimSuffix(pattern, "{$}") }

// TestDocsAPINamesEveryRouteAndCode holds docs/api.md to the server: every
// route it registers (the API's, forward auth, health, the pages, their
// static files and "/") has its own entry there, a heading "### `METHOD
// /path`" or a table row "| `METHOD /path` |", and every error code is
// written as `CODE`.
func TestDocsAPINamesEveryRouteAndCode(t *testing.T) {
	b, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	routes := slices.Concat(httpapi.Routes(), web.Routes())
	if len(routes) < 40 {
		t.Fatalf("the server lists only %d routes: %q", len(routes), routes)
	}
	for _, p := range routes {
		r := "`" + docRoute(p) + "`"
		if !strings.Contains(doc, "\n### "+r+"\n") && !strings.Contains(doc, "\n| "+r+" |") {
			t.Errorf("docs/api.md has no heading or table row for the route %s (registered as %q)", r, p)
		}
	}
	codes := vigil.Codes()
	if len(codes) == 0 {
		t.Fatal("vigil.Codes lists no error code")
	}
	for _, c := range codes {
		if want := "`" + c + "`"; !strings.Contains(doc, want) {
			t.Errorf("docs/api.md lacks the error code %s", want)
		}
	}
}
