package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/sqlite"
)

// TestAuditTextCannotForgeLines: values a client chose are printed one
// field each, however many newlines, tabs, escapes or bidi overrides they
// hold; --json keeps them exact.
func TestAuditTextCannotForgeLines(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vigil.db")
	store, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	forged := "mallory\n2026-01-01T00:00:00Z  login_succeeded  admin  cli  10.0.0.1"
	for _, ev := range []vigil.Event{
		{Username: forged, Event: vigil.EventLoginFailed, Category: vigil.CategoryAuthentication},
		{Username: "eve", Event: vigil.EventLoginFailed, Category: vigil.CategoryAuthentication,
			Detail: "a\rb\tc\x1b[2J\u202egnp.exe\\n\xff", IP: "203.0.113.9\u2028x", UserAgent: "ua\x00"},
	} {
		ev.Time = time.Now()
		if err := store.AppendEvent(context.Background(), &ev); err != nil {
			t.Fatal(err)
		}
	}
	store.Close()

	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"audit", "--db", db}, noEnv, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("audit: exit %d: %s", code, errb.String())
	}
	text := out.String()
	if lines := strings.Count(text, "\n"); lines != 3 {
		t.Errorf("audit printed %d lines for a header and 2 events:\n%s", lines, text)
	}
	for _, raw := range []string{"\r", "\x1b", "\u202e", "\u2028", "\xff", "\t"} {
		if strings.Contains(text, raw) {
			t.Errorf("output holds raw %q:\n%q", raw, text)
		}
	}
	for _, want := range []string{`mallory\n2026-01-01T00:00:00Z`, `a\rb\tc\x1b[2J\u202egnp.exe\\n\xff`, `203.0.113.9\u2028x`} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks the escaped %s:\n%s", want, text)
		}
	}

	out.Reset()
	if code := run(context.Background(), []string{"audit", "--json", "--db", db}, noEnv, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("audit --json: exit %d", code)
	}
	if strings.Count(out.String(), "\n") != 2 || !strings.Contains(out.String(), `"username":"mallory\n2026`) {
		t.Errorf("--json: %s", out.String())
	}
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"":                "",
		"alice":           "alice",
		"dr.bob@clinic":   "dr.bob@clinic",
		"Zoë 名前":          "Zoë 名前",
		"a\nb":            `a\nb`,
		`back\slash`:      `back\\slash`,
		"\x7f\u0085":      `\x7f\x85`,
		"zero\u200bwidth": `zero\u200bwidth`,
		"\xc3":            `\xc3`,
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %q, want %q", in, got, want)
		}
	}
	if got := clip("ééééé", 3); got != "éé…" {
		t.Errorf("clip cuts inside a character: %q", got)
	}
}

// TestLogLinesCannotBeForged: in both log formats a value with newlines
// stays inside its one line.
func TestLogLinesCannotBeForged(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		var errb bytes.Buffer
		log := newLogger(&env{stderr: &errb}, format)
		log.Warn("login failed", "username", "mallory\ntime=2026-01-01 level=INFO msg=\"login succeeded\" username=admin", "ua", "x\r\x1b[2J")
		if n := strings.Count(errb.String(), "\n"); n != 1 || strings.ContainsAny(errb.String(), "\r\x1b") {
			t.Errorf("%s log: %d lines: %q", format, n, errb.String())
		}
	}
}
