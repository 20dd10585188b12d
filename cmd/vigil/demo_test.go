package main

import (
	"net"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDemoSaysWhereToGo: serve --demo prints its users with their
// passwords and the page to open, at the address it really listens on and
// under the route prefix; that page answers, and a printed password signs
// in.
func TestDemoSaysWhereToGo(t *testing.T) {
	srv := startServer(t, "", "--demo", "--route-prefix", "/sso")
	var out string
	openLine := regexp.MustCompile(`Open (http://\S+) and sign in`)
	deadline := time.Now().Add(10 * time.Second)
	for out = srv.stdout.String(); !openLine.MatchString(out) && time.Now().Before(deadline); out = srv.stdout.String() {
		time.Sleep(10 * time.Millisecond)
	}
	m := openLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the demo does not say which page to open:\n%s", out)
	}
	// The listener is 127.0.0.1's; the page is named localhost, which
	// passkeys need in development.
	if want := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/sso/auth/login"; m[1] != want {
		t.Errorf("it says to open %s, want %s", m[1], want)
	}
	pw := regexp.MustCompile(`(?m)^\s+patient\s+alice\s+(\S+)$`).FindStringSubmatch(out)
	if pw == nil {
		t.Fatalf("no password for alice in:\n%s", out)
	}
	d := srv.device(t)
	d.URL = srv.URL + "/sso"
	if r := d.Do("GET", "/auth/login", nil); r.Status != 200 || !strings.Contains(r.Raw, "<form") {
		t.Errorf("the page to open: %d", r.Status)
	}
	d.Login("alice", pw[1])
}

func TestSignInURL(t *testing.T) {
	for _, tc := range []struct {
		addr   *net.TCPAddr
		prefix string
		want   string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, "", "http://localhost:8080/auth/login"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 8080}, "/sso", "http://localhost:8080/sso/auth/login"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 9000}, "", "http://localhost:9000/auth/login"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 9000}, "", "http://localhost:9000/auth/login"},
	} {
		if got := signInURL(tc.addr, tc.prefix); got != tc.want {
			t.Errorf("signInURL(%v, %q) = %s, want %s", tc.addr, tc.prefix, got, tc.want)
		}
	}
}
