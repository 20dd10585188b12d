package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var resetLinkLine = regexp.MustCompile(`(?m)^reset link: (\S+)$`)

// TestResetLinkSignsTheUserIn: with --public-url (and the server's
// --route-prefix), `user add` and `user reset` print the whole reset link;
// the link names the reset page of that server, its fragment carries a
// token that sets the password, and the user then signs in with it.
func TestResetLinkSignsTheUserIn(t *testing.T) {
	srv := startServer(t, "", "--dev", "--route-prefix", "/care")
	code, out, errs := srv.cli(t, "", "user", "add", "root", "--role", "admin", "--public-url", srv.URL, "--route-prefix", "/care")
	if code != 0 {
		t.Fatalf("user add: exit %d: %s", code, errs)
	}
	m := resetLinkLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("user add printed no reset link: %q", out)
	}
	link, err := url.Parse(m[1])
	if err != nil {
		t.Fatal(err)
	}
	if got := link.Scheme + "://" + link.Host + link.Path; got != srv.URL+"/care/auth/reset" {
		t.Fatalf("link %s: want the reset page %s/care/auth/reset", link, srv.URL)
	}
	tok, ok := strings.CutPrefix(link.Fragment, "token=")
	if !ok || link.RawQuery != "" {
		t.Fatalf("link %s: want the token in the fragment only", link)
	}
	resp, err := http.Get(link.String()) // the fragment stays in the browser
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d, want the reset page", link, resp.StatusCode)
	}
	d := srv.device(t)
	d.URL = srv.URL + "/care"
	expect(t, "reset with the link's token", d.Do("POST", "/api/auth/password-reset", map[string]string{
		"reset_token": tok, "new_password": alicePW, "confirm_password": alicePW,
	}), http.StatusOK)
	expect(t, "sign in with the new password", d.Login("root", alicePW), http.StatusOK)

	// user reset prints a new link; the one before stops working.
	code, out, errs = srv.cli(t, "", "user", "reset", "root", "--public-url", srv.URL+"/", "--route-prefix", "/care")
	if m2 := resetLinkLine.FindStringSubmatch(out); code != 0 || m2 == nil || m2[1] == m[1] || !strings.HasPrefix(m2[1], srv.URL+"/care/auth/reset#token=") {
		t.Fatalf("user reset: exit %d, out %q, stderr %q", code, out, errs)
	}
}

// TestResetLinkNeedsAPublicURL: without a public URL only the token is
// printed, and stderr says how to have the link; a public URL serve would
// refuse is a usage error that names the flag.
func TestResetLinkNeedsAPublicURL(t *testing.T) {
	db := t.TempDir() + "/vigil.db"
	vigilCLI := cliOn(db)
	code, out, errs := vigilCLI("user", "add", "ann", "--role", "patient")
	if code != 0 || resetLinkLine.MatchString(out) || !strings.Contains(errs, "--public-url") {
		t.Errorf("user add without a public URL: exit %d, out %q, stderr %q", code, out, errs)
	}
	for _, bad := range []string{"ftp://care.example", "https://care.example/path", "care.example"} {
		code, out, errs = vigilCLI("user", "reset", "ann", "--public-url", bad)
		if code != 2 || out != "" || !strings.Contains(errs, "--public-url") {
			t.Errorf("user reset --public-url %q: exit %d, out %q, stderr %q; want a usage error naming the flag", bad, code, out, errs)
		}
	}
	code, _, errs = vigilCLI("user", "reset", "ann", "--public-url", "https://care.example", "--route-prefix", "care/")
	if code != 2 || !strings.Contains(errs, "--route-prefix") {
		t.Errorf("user reset --route-prefix care/: exit %d, stderr %q", code, errs)
	}
}
