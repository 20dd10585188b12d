package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/config"
)

// readDoc returns a document of docs/ (the tests run in cmd/vigil).
func readDoc(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../docs/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// headings returns the code spans that open a heading of the given level
// ("####"): "#### `--addr` (`VIGIL_ADDR`)" gives "--addr".
func headings(doc, level string) []string {
	re := regexp.MustCompile("(?m)^" + level + " `([^`]+)`")
	var out []string
	for _, m := range re.FindAllStringSubmatch(doc, -1) {
		out = append(out, m[1])
	}
	return out
}

// documented fails naming each of want the document has no heading for,
// and each heading that names nothing of want (a stale section).
func documented(t *testing.T, doc string, got, want []string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("docs/%s lacks %s", doc, w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			t.Errorf("docs/%s describes %s, which vigil does not have", doc, g)
		}
	}
}

// TestConfigurationDocumentsEveryFlag: docs/configuration.md has a section
// for each flag serve parses, naming its environment twin, and none for a
// flag serve does not have.
func TestConfigurationDocumentsEveryFlag(t *testing.T) {
	names := config.FlagNames()
	// The list is serve's own: `vigil serve --help` shows exactly these.
	code, help, _ := vigilRun(t, nil, "", "serve", "--help")
	if code != exitOK {
		t.Fatalf("vigil serve --help: exit %d", code)
	}
	var shown []string
	for _, m := range regexp.MustCompile(`(?m)^  --([a-z0-9-]+)`).FindAllStringSubmatch(help, -1) {
		shown = append(shown, m[1])
	}
	if !slices.Equal(shown, names) {
		t.Fatalf("vigil serve --help shows %v; config.FlagNames() is %v", shown, names)
	}

	doc := readDoc(t, "configuration.md")
	var flags, twins []string
	for _, n := range names {
		flags = append(flags, "--"+n)
		twins = append(twins, config.EnvName(n))
	}
	documented(t, "configuration.md", headings(doc, "####"), flags)
	for i, twin := range twins {
		// The twin stands in the flag's own heading.
		if !strings.Contains(doc, "#### `"+flags[i]+"` (`"+twin+"`)") {
			t.Errorf("docs/configuration.md lacks %s (in the heading of %s)", twin, flags[i])
		}
	}
}

// TestCLIDocumentsEveryCommand: docs/cli.md has a section for each command
// dispatch runs, and none for a command it does not.
func TestCLIDocumentsEveryCommand(t *testing.T) {
	var names []string
	for _, c := range commands {
		// Each is dispatched: its help answers, where an unknown command
		// would be a usage error.
		if code, _, stderr := vigilRun(t, nil, "", append(strings.Fields(c.name), "--help")...); code != exitOK {
			t.Errorf("vigil %s --help: exit %d, stderr %q", c.name, code, stderr)
		}
		names = append(names, "vigil "+c.name)
	}
	documented(t, "cli.md", headings(readDoc(t, "cli.md"), "##"), names)
}

// TestEventsDocumentsEveryEventAndReason: docs/events.md has a section for
// each audit event name, a row for each revocation reason, and nothing for
// names vigil does not have.
func TestEventsDocumentsEveryEventAndReason(t *testing.T) {
	doc := readDoc(t, "events.md")
	quote := func(s string) string { return "`" + s + "`" }
	var events, reasons []string
	for _, e := range vigil.EventNames() {
		events = append(events, quote(e))
	}
	for _, r := range vigil.Reasons() {
		reasons = append(reasons, quote(string(r)))
	}
	var got []string
	for _, h := range headings(doc, "####") {
		got = append(got, quote(h))
	}
	documented(t, "events.md", got, events)

	got = nil
	for _, m := range regexp.MustCompile("(?m)^\\| (`[a-z_]+`) \\| `SESSION_").FindAllStringSubmatch(doc, -1) {
		got = append(got, m[1])
	}
	documented(t, "events.md", got, reasons)
}
