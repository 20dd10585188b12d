package web_test

import (
	"testing"
	"time"
)

// TestOneWordForNow: a moment ago is "now" on every page, as the device
// list says of this device; a minute and more is "N minutes ago".
func TestOneWordForNow(t *testing.T) {
	h := newHarness(t)
	phone, laptop, root := h.browser(), h.browser(), h.browser()
	phone.signIn("alice", alicePW)
	laptop.signIn("alice", alicePW)
	root.signIn("root", rootPW)
	cells := func(p page, label string) []string {
		var out []string
		for _, td := range p.Doc.find(func(n *node) bool { return n.Tag == "td" && n.Attr["data-label"] == label }) {
			out = append(out, td.Text())
		}
		return out
	}
	if got := cells(laptop.get("/auth/account"), "Last active"); len(got) != 2 || got[0] != "now" || got[1] != "now" {
		t.Errorf("my devices, both active this minute: %q, want now for each", got)
	}
	if got := cells(usersRowPage(t, root.get("/auth/admin"), "alice"), "Last sign-in"); len(got) != 1 || got[0] != "now" {
		t.Errorf("alice's last sign-in, this minute: %q", got)
	}
	h.Clock.Advance(5 * time.Minute)
	if got := cells(usersRowPage(t, root.get("/auth/admin"), "alice"), "Last sign-in"); len(got) != 1 || got[0] != "5 minutes ago" {
		t.Errorf("alice's last sign-in, 5 minutes on: %q", got)
	}
}

// usersRowPage is the page with only name's row of the users table.
func usersRowPage(t *testing.T, p page, name string) page {
	t.Helper()
	return page{Doc: usersRow(t, p, name)}
}
