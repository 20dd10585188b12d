package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

// TestAdminForbidden: a patient (or a clinician) gets the 403 page, and
// the attempt is audited as access_forbidden; their posts are refused too.
func TestAdminForbidden(t *testing.T) {
	h := newHarness(t)
	for _, who := range []struct{ name, pw string }{{"alice", alicePW}, {"bob", bobPW}} {
		b := h.browser()
		b.signIn(who.name, who.pw)
		for _, path := range []string{"/auth/admin", "/auth/admin/audit", "/auth/admin/users/root", "/auth/admin/policy", "/auth/admin/sessions"} {
			p := b.get(path)
			expectStatus(t, who.name+" "+path, p, http.StatusForbidden)
			if got := mustID(t, p, "error-title").Text(); got != "Not allowed" {
				t.Errorf("%s: heading %q", path, got)
			}
		}
		p := b.post("/auth/admin/users/root/disable", url.Values{"csrf_token": {b.csrf()}})
		expectStatus(t, who.name+" disable root", p, http.StatusForbidden)
		evs := h.events(who.name, vigil.EventAccessForbidden)
		if len(evs) != 6 || !strings.Contains(evs[len(evs)-1].Detail, "GET /auth/admin") {
			t.Errorf("%s: %d access_forbidden events: %+v", who.name, len(evs), evs)
		}
	}
	if u := user(t, h, "root"); u.Disabled {
		t.Error("root was disabled by a patient")
	}
}

// user returns the account named name.
func user(t *testing.T, h *harness, name string) vigil.User {
	t.Helper()
	users, err := h.Engine.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Username == name {
			return u
		}
	}
	t.Fatalf("no user %s", name)
	return vigil.User{}
}

// TestAdminReauth: once the re-authentication window has passed, an
// administrator's change shows the password form instead of happening;
// the password rotates the session (new cookie) and comes back, and the
// change then goes through.
func TestAdminReauth(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	b.signIn("root", rootPW)
	h.Clock.Advance(11 * time.Minute)
	csrf := b.csrf()
	if mustID(t, b.get("/auth/admin"), "reauth-banner") == nil {
		t.Fatal("no re-authentication banner")
	}

	p := b.post("/auth/admin/users/alice/disable", url.Values{"csrf_token": {csrf}, "rd": {"/auth/admin/users/alice"}})
	expectStatus(t, "stale disable", p, http.StatusUnauthorized)
	form := mustID(t, p, "reauth-form")
	if rd := form.find(func(n *node) bool { return n.Attr["name"] == "rd" })[0].Attr["value"]; rd != "/auth/admin/users/alice" {
		t.Errorf("reauth rd %q", rd)
	}
	checkPage(t, "reauth", p, csrf)
	if user(t, h, "alice").Disabled {
		t.Fatal("disabled without a recent password")
	}

	p = b.post("/auth/reauth", url.Values{"csrf_token": {csrf}, "password": {"not the password!"}, "rd": {"/auth/admin/users/alice"}})
	expectStatus(t, "wrong password", p, http.StatusUnauthorized)
	mustID(t, p, "reauth-error")
	if p := b.post("/auth/reauth", url.Values{"password": {rootPW}}); p.Status != http.StatusForbidden {
		t.Errorf("reauth without the CSRF token: %d", p.Status)
	}

	old := b.token()
	p = b.post("/auth/reauth", url.Values{"csrf_token": {csrf}, "password": {rootPW}, "rd": {"/auth/admin/users/alice"}})
	expectStatus(t, "reauth", p, http.StatusSeeOther)
	if p.location() != "/auth/admin/users/alice" {
		t.Errorf("back to %q", p.location())
	}
	if ck := setCookie(p, cookieName); ck == nil || ck.Value == old || b.token() == old {
		t.Fatal("the session kept its token through re-authentication")
	}
	if b.get("/auth/admin").Doc.byID("reauth-banner") != nil {
		t.Error("banner still shown after re-authentication")
	}
	// The old form's token belonged to the old token: refused.
	if p := b.post("/auth/admin/users/alice/disable", url.Values{"csrf_token": {csrf}}); p.Status != http.StatusForbidden {
		t.Errorf("stale CSRF token: %d", p.Status)
	}
	csrf = b.csrf()
	p = b.post("/auth/admin/users/alice/disable", url.Values{"csrf_token": {csrf}, "rd": {"/auth/admin/users/alice"}})
	expectStatus(t, "disable", p, http.StatusSeeOther)
	if p.location() != "/auth/admin/users/alice?done=disabled&n=0&user=alice" {
		t.Errorf("Location %q", p.location())
	}
	if !user(t, h, "alice").Disabled {
		t.Error("alice not disabled")
	}
	if got := mustID(t, b.get(p.location()), "notice").Text(); got != "alice is disabled; 0 sessions signed out." {
		t.Errorf("notice %q", got)
	}
}

// TestAdminUsers: create an account (a reset link shown once, the token
// only in the fragment), disable and enable it, sign it out everywhere.
func TestAdminUsers(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	b.signIn("root", rootPW)
	csrf := b.csrf()
	post := func(path string, form url.Values) page {
		form.Set("csrf_token", csrf)
		return b.post(path, form)
	}

	p := post("/auth/admin/users", url.Values{"username": {"Carol"}, "role": {"clinician"}, "clinician_id": {"GMC-7012345"}})
	expectStatus(t, "create", p, http.StatusOK)
	link := mustID(t, p, "reset-link").Attr["value"]
	prefix := h.URL + "/auth/reset#token="
	if !strings.HasPrefix(link, prefix) {
		t.Fatalf("reset link %q", link)
	}
	token := strings.TrimPrefix(link, prefix)
	if _, err := vigil.ParseToken(token); err != nil {
		t.Fatalf("token in the link: %v", err)
	}
	row := usersRow(t, b.get("/auth/admin"), "carol")
	if !strings.Contains(row.Text(), "clinician") || !strings.Contains(row.Text(), "GMC-7012345") || !strings.Contains(row.Text(), "Awaiting first password") {
		t.Errorf("carol's row: %q", row.Text())
	}
	if strings.Contains(b.get("/auth/admin").Body, token) {
		t.Error("the reset token is shown again")
	}

	// Refusals keep the form.
	p = post("/auth/admin/users", url.Values{"username": {"carol"}, "role": {"patient"}})
	expectStatus(t, "taken", p, http.StatusConflict)
	if !strings.Contains(mustID(t, p, "create-user-error").Text(), "taken") || mustID(t, p, "new-username").Attr["value"] != "carol" {
		t.Errorf("conflict: %q", mustID(t, p, "create-user-error").Text())
	}
	p = post("/auth/admin/users", url.Values{"username": {"dave"}, "role": {"superuser"}})
	expectStatus(t, "bad role", p, http.StatusBadRequest)

	// Carol sets her password with the link, then signs in on two devices.
	reset := h.browser()
	r := reset.get("/auth/reset?token=" + url.QueryEscape(token))
	expectStatus(t, "reset link", r, http.StatusSeeOther)
	r = reset.post("/auth/reset", url.Values{"new_password": {"a sunny meadow by the river"}, "confirm_password": {"a sunny meadow by the river"}})
	expectStatus(t, "reset", r, http.StatusSeeOther)
	c1, c2 := h.browser(), h.browser()
	c1.signIn("carol", "a sunny meadow by the river")
	c2.signIn("carol", "a sunny meadow by the river")
	if n := usersRow(t, b.get("/auth/admin"), "carol").find(func(n *node) bool { return n.Attr["data-label"] == "Sessions" })[0].Text(); n != "2" {
		t.Errorf("carol's sessions: %q", n)
	}
	u := b.get("/auth/admin/users/carol")
	checkPage(t, "carol's page", u, csrf)
	if rows := mustID(t, u, "user-sessions-table").find(func(n *node) bool { return n.Attr["data-session-id"] != "" }); len(rows) != 2 {
		t.Errorf("%d sessions on carol's page", len(rows))
	}
	if !strings.Contains(mustID(t, u, "user-events-table").Text(), "login_succeeded") {
		t.Error("carol's events do not show her sign-in")
	}

	p = post("/auth/admin/users/carol/revoke-sessions", url.Values{"rd": {"/auth/admin"}})
	if p.location() != "/auth/admin?done=revoked&n=2&user=carol" {
		t.Errorf("revoke: %d %q", p.Status, p.location())
	}
	if r := c1.get("/auth/account"); !strings.HasPrefix(r.location(), "/auth/login?reason=revoked") {
		t.Errorf("carol after revoke: %q", r.location())
	}
	c1.signIn("carol", "a sunny meadow by the river")
	p = post("/auth/admin/users/carol/disable", url.Values{"rd": {"//evil.example"}})
	if p.location() != "/auth/admin?done=disabled&n=1&user=carol" {
		t.Errorf("disable: %d %q", p.Status, p.location())
	}
	if r := c1.get("/auth/account"); !strings.HasPrefix(r.location(), "/auth/login?reason=user_disabled") {
		t.Errorf("carol after disable: %q", r.location())
	}
	row = usersRow(t, b.get("/auth/admin"), "carol")
	if !strings.Contains(row.Text(), "Disabled") || len(row.find(func(n *node) bool { return n.Attr["class"] == "button small enable-user" })) != 1 {
		t.Errorf("disabled row: %q", row.Text())
	}
	p = post("/auth/admin/users/carol/enable", url.Values{})
	if p.location() != "/auth/admin?done=enabled&n=0&user=carol" {
		t.Errorf("enable: %d %q", p.Status, p.location())
	}
	c1.signIn("carol", "a sunny meadow by the river")

	// A new reset link, shown on the page it was asked from.
	p = post("/auth/admin/users/carol/reset-link", url.Values{"rd": {"/auth/admin/users/carol"}})
	expectStatus(t, "reset link", p, http.StatusOK)
	if !strings.HasPrefix(mustID(t, p, "reset-link").Attr["value"], prefix) || mustID(t, p, "user-sessions-table") == nil {
		t.Error("reset link not shown on carol's page")
	}
	if p := post("/auth/admin/users/nobody/disable", url.Values{}); p.Status != http.StatusNotFound {
		t.Errorf("unknown user: %d", p.Status)
	}
	// An administrator cannot disable themselves; signing out everywhere
	// signs this session out too.
	if p := post("/auth/admin/users/root/disable", url.Values{}); p.Status != http.StatusConflict || user(t, h, "root").Disabled {
		t.Errorf("self-disable: %d", p.Status)
	}
	p = post("/auth/admin/users/root/revoke-sessions", url.Values{})
	if p.location() != "/auth/login?reason=revoked" || !cleared(p) {
		t.Errorf("revoke self: %q", p.location())
	}
}

// usersRow returns the users table's row of name.
func usersRow(t *testing.T, p page, name string) *node {
	t.Helper()
	rows := mustID(t, p, "users-table").find(func(n *node) bool { return n.Tag == "tr" && n.Attr["data-username"] == name })
	if len(rows) != 1 {
		t.Fatalf("%d rows for %s", len(rows), name)
	}
	return rows[0]
}

// TestAdminAudit: the audit log filters by user, event and time, and
// pages backwards without gaps or repeats.
func TestAdminAudit(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	for i := 0; i < 120; i++ {
		h.Engine.Audit(ctx, auth.Actor{Username: "system"}, vigil.Event{Username: "alice", Category: vigil.CategorySession,
			Event: vigil.EventSessionExpiredInactivity, Detail: fmt.Sprintf("n=%d", i)})
		if i == 59 {
			h.Clock.Advance(2 * time.Hour)
		}
	}
	b := h.browser()
	b.signIn("root", rootPW)

	ids := func(p page) []string {
		var out []string
		for _, r := range mustID(t, p, "audit-table").find(func(n *node) bool { return n.Attr["data-event-id"] != "" }) {
			out = append(out, r.Attr["data-event"]+"/"+r.find(func(n *node) bool { return n.Attr["class"] == "detail" })[0].Text())
		}
		return out
	}
	p := b.get("/auth/admin/audit?username=alice&event=session_expired_inactivity")
	expectStatus(t, "audit", p, 200)
	first := ids(p)
	if len(first) != 50 || first[0] != "session_expired_inactivity/n=119" {
		t.Fatalf("first page: %d events, first %v", len(first), first[:1])
	}
	if mustID(t, p, "audit-event").find(func(n *node) bool { _, sel := n.Attr["selected"]; return sel })[0].Attr["value"] != "session_expired_inactivity" {
		t.Error("the event filter is not kept")
	}
	older := mustID(t, p, "audit-older").Attr["href"]
	var all []string
	all = append(all, first...)
	for pages := 1; older != ""; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		p = b.get(older)
		expectStatus(t, "older", p, 200)
		mustID(t, p, "audit-newest")
		all = append(all, ids(p)...)
		older = ""
		if o := p.Doc.byID("audit-older"); o != nil {
			older = o.Attr["href"]
		}
	}
	if len(all) != 120 || all[119] != "session_expired_inactivity/n=0" {
		t.Errorf("paged through %d events, last %q", len(all), all[len(all)-1])
	}
	// The time range: the last hour holds only the second batch.
	if got := ids(b.get("/auth/admin/audit?username=alice&event=session_expired_inactivity&since=1h")); len(got) != 50 || got[0] != "session_expired_inactivity/n=119" {
		t.Errorf("since 1h: %d", len(got))
	}
	until := h.Clock.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04")
	if got := ids(b.get("/auth/admin/audit?username=alice&until=" + until)); len(got) != 50 || got[0] != "session_expired_inactivity/n=59" {
		t.Errorf("until %s: first %v", until, got[:min(len(got), 1)])
	}
	p = b.get("/auth/admin/audit?since=last+tuesday")
	expectStatus(t, "bad since", p, http.StatusBadRequest)
	mustID(t, p, "audit-error")
	if got := mustID(t, p, "audit-since").Attr["value"]; got != "last tuesday" {
		t.Errorf("since kept as %q", got)
	}
}

// TestAdminPolicy: with 8 hours and 30 minutes for every role and no
// second factor required the page names, as deviations, only the second
// factor of each role (failing the report for clinicians and admins), and
// lists apart, as vigil's own, the recommendation of 15 minutes for staff
// that clinicians and admins do not follow; HIPAA's automatic logoff is
// met for every role.
func TestAdminPolicy(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	b.signIn("root", rootPW)
	p := b.get("/auth/admin/policy")
	expectStatus(t, "policy", p, 200)
	if v := mustID(t, p, "policy-verdict"); v.Attr["class"] != "notice notice-error" || !strings.Contains(v.Text(), "Not every requirement is met") {
		t.Errorf("verdict %q (%s)", v.Text(), v.Attr["class"])
	}
	if dev := mustID(t, p, "policy-deviations"); !strings.Contains(dev.Text(), "9 deviations") ||
		!strings.Contains(dev.Text(), "admin: NIST SP 800-63B-4 AAL2 §2.2.1 permitted authenticator types (SHALL): a password alone signs in (not in --require-mfa)") {
		t.Errorf("deviations: %q", dev.Text())
	}
	recs := mustID(t, p, "policy-recommendations")
	if txt := recs.Text(); !strings.Contains(txt, "vigil's recommendations not followed") ||
		!strings.Contains(txt, "clinician: inactivity timeout at most 15 minutes for staff") ||
		!strings.Contains(txt, "admin: inactivity timeout at most 15 minutes for staff") || strings.Contains(txt, "patient:") || strings.Contains(txt, "HIPAA") {
		t.Errorf("recommendations: %q", txt)
	}
	marked := func(role, class string) []*node {
		return mustID(t, p, "policy-"+role).find(func(n *node) bool { return n.Tag == "tr" && n.Attr["class"] == class })
	}
	rec := marked("clinician", "recommendation")
	if len(rec) != 1 || !strings.Contains(rec[0].Text(), "vigil's recommendation") || !strings.Contains(rec[0].Text(), "Not followed 30 minutes is longer than 15 minutes") {
		t.Errorf("clinician rows marked as a recommendation not followed: %d %q", len(rec), texts(rec))
	}
	for _, role := range []string{"patient", "clinician", "admin", "all"} {
		if n := marked(role, "deviation"); role == "all" && len(n) != 0 || role != "all" && (len(n) != 3 || !strings.Contains(texts(n)[0], "two distinct authentication factors")) {
			t.Errorf("%s rows marked as deviations: %q; want the second factor's three alone", role, texts(n))
		}
		for _, row := range mustID(t, p, "policy-"+role).find(func(n *node) bool { return n.Tag == "tr" }) {
			txt := row.Text()
			if strings.HasPrefix(txt, "HIPAA") && (!strings.Contains(txt, "addressable (HIPAA)") || !strings.Contains(txt, "Meets") || strings.Contains(txt, "15 minutes")) {
				t.Errorf("%s: HIPAA row %q", role, txt)
			}
		}
	}
	if n := marked("patient", "recommendation"); len(n) != 0 {
		t.Errorf("patient rows marked: %q", texts(n))
	}
	if life := mustID(t, p, "policy-patient-title").Parent.Text(); !strings.Contains(life, "8 hours") {
		t.Errorf("patient section: %q", life)
	}
}

func texts(nodes []*node) []string {
	var out []string
	for _, n := range nodes {
		out = append(out, n.Text())
	}
	return out
}
