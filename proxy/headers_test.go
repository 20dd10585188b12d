package proxy_test

import (
	"io"
	"net"
	"slices"
	"testing"

	"github.com/vigilauth/vigil"
)

// forgedLines are headers a client might send to be taken for someone,
// or from somewhere, else: every name an app or its server could read
// as who the user is or where the request came from, in the spellings a
// CGI/WSGI server files under the same key (Remote_User and remote-user
// are both HTTP_REMOTE_USER), each with a value marked "forged".
var forgedLines = []string{
	// vigil's identity headers, today's and those to come.
	"Remote-User: forged-1", "Remote_User: forged-2", "remote-user: forged-3", "REMOTE_USER: forged-4",
	"Remote-Role: forged-5", "REMOTE_ROLE: forged-6", "remote_role: forged-7",
	"Remote-Clinician-Id: forged-8", "Remote_Clinician_Id: forged-9",
	"Remote-Session-Id: forged-10", "remote_session-id: forged-11",
	"Remote-Name: forged-12", "Remote_Email: forged-13", "Remote-Groups: forged-14",
	"REMOTE-AAL: forged-15", "Remote_Device_Bound: forged-16", "Remote.User: forged-17",
	// other proxies' names (Kubernetes' authenticating proxy, oauth2-proxy).
	"X-Remote-User: forged-18", "X_Remote_User: forged-19", "x-remote-group: forged-20",
	"X-Forwarded-User: forged-21", "X_Forwarded_User: forged-22", "x-forwarded-email: forged-23",
	"X-Forwarded-Groups: forged-24", "X_FORWARDED_PREFERRED_USERNAME: forged-25",
	"X-Auth-Request-User: forged-26", "x_auth_request_email: forged-27",
	"X-Auth-Request-Preferred-Username: forged-28", "X-Auth-Request-Access-Token: forged-29",
	// where the request came from: vigil says that itself.
	"X-Forwarded-For: 192.0.2.66, forged-30", "X_Forwarded_For: forged-31",
	"X-Forwarded-Proto: forged-32", "x_forwarded_proto: forged-33",
	"X-Forwarded-Host: forged-34.example", "X_FORWARDED_HOST: forged-35.example",
	"Forwarded: for=forged-36", "forwarded: for=\"forged-37\"",
	"X-Real-Ip: forged-38", "X_Real_IP: forged-39",
	"X-Forwarded-Prefix: /forged-40", "X-Forwarded-Port: forged-41",
	// a path in place of the request's own (Symfony, CVE-2018-14773).
	"X-Original-URL: /forged-42", "X_Rewrite_Url: /forged-43",
}

// innocentLines are headers that are the app's business and pass.
var innocentLines = []string{"X-App-Theme: dark", "Remoteness: far", "X-Remoted: yes", "Accept-Language: cy"}

// TestForgedHeadersNeverReachTheApp: whatever a client sends, in any
// spelling, the app learns who the user is and where the request came
// from only from vigil — with a session or without, on a public path or
// not — and the app's own headers still reach it.
func TestForgedHeadersNeverReachTheApp(t *testing.T) {
	f := newFront(t, echoApp(t), config{public: []string{"/static"}, dev: true})
	carol := f.signIn(t, "dr.carol", vigil.RoleClinician)
	for _, c := range []struct {
		name, path, cookie, user string
	}{
		{"public path, no session", "/static/app.css", "", ""},
		// A public path does not look at the session: no identity at all.
		{"public path, a session", "/static/app.css", carol, ""},
		{"private path, a session", "/notes/42", carol, "dr.carol"},
	} {
		t.Run(c.name, func(t *testing.T) {
			lines := append(slices.Clone(forgedLines), innocentLines...)
			if c.cookie != "" {
				lines = append(lines, "Cookie: "+c.cookie)
			}
			got := decode(t, f.raw(t, c.path, lines...))
			if forged := carrying(got.Header, "forged"); len(forged) > 0 {
				t.Errorf("forged headers reached the app: %q", forged)
			}
			if u := got.Header.Values("Remote-User"); c.user == "" && len(u) > 0 || c.user != "" && !slices.Equal(u, []string{c.user}) {
				t.Errorf("Remote-User %q, want %q", u, c.user)
			}
			if c.user != "" && (got.Header.Get("Remote-Role") != "clinician" || got.Header.Get("Remote-Clinician-Id") != "GMC-1") {
				t.Errorf("the session's identity did not reach the app: %v", got.Header)
			}
			for _, h := range []string{"X-App-Theme", "Remoteness", "X-Remoted", "Accept-Language"} {
				if got.Header.Get(h) == "" {
					t.Errorf("the app's own header %s was removed", h)
				}
			}
		})
	}
}

// TestForgedHeadersWithoutSession: a private path without a session
// reaches nothing, whatever identity the client claims.
func TestForgedHeadersWithoutSession(t *testing.T) {
	f := newFront(t, echoApp(t), config{dev: true})
	if a := f.raw(t, "/notes/42", forgedLines...); a.StatusCode != 401 {
		t.Fatalf("status %d: %s", a.StatusCode, a.body)
	}
	if a := f.raw(t, "/notes/42", append([]string{"Accept: text/html"}, forgedLines...)...); a.StatusCode != 303 {
		t.Fatalf("page: status %d, want a redirect to sign in", a.StatusCode)
	}
}

// TestConnectionHeaderCannotDropVigilsHeaders: naming vigil's headers as
// hop-by-hop does not stop them reaching the app.
func TestConnectionHeaderCannotDropVigilsHeaders(t *testing.T) {
	f := newFront(t, echoApp(t), config{dev: true})
	carol := f.signIn(t, "dr.carol", vigil.RoleClinician)
	got := decode(t, f.raw(t, "/notes", "Cookie: "+carol,
		"Connection: Remote-User, Remote-Role, X-Forwarded-For, Forwarded, X-Real-Ip"))
	for h, want := range map[string]string{"Remote-User": "dr.carol", "Remote-Role": "clinician",
		"X-Forwarded-For": "127.0.0.1", "X-Real-Ip": "127.0.0.1"} {
		if v := got.Header.Values(h); !slices.Equal(v, []string{want}) {
			t.Errorf("%s %q, want %q", h, v, want)
		}
	}
	if got.Header.Get("Forwarded") == "" {
		t.Errorf("no Forwarded")
	}
}

// TestForgedTrailers: identity headers sent as trailers of a chunked body
// do not reach the app either, not even announced.
func TestForgedTrailers(t *testing.T) {
	f := newFront(t, echoApp(t), config{dev: true})
	carol := f.signIn(t, "dr.carol", vigil.RoleClinician)
	conn, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "POST /notes HTTP/1.1\r\nHost: "+f.addr+"\r\nCookie: "+carol+"\r\n"+
		"Sec-Fetch-Site: same-origin\r\nTransfer-Encoding: chunked\r\nTrailer: Remote_User, X-Auth-Request-User, X-Note\r\n"+
		"Connection: close\r\n\r\n4\r\nnote\r\n0\r\nRemote_User: forged-1\r\nX-Auth-Request-User: forged-2\r\nX-Note: kept\r\n\r\n")
	got := decode(t, readAnswer(t, conn))
	if forged := append(carrying(got.Trailer, "forged"), carrying(got.Header, "forged")...); len(forged) > 0 {
		t.Errorf("forged trailers reached the app: %q", forged)
	}
	for name := range got.Trailer {
		if name != "X-Note" {
			t.Errorf("the app was sent trailer %s", name)
		}
	}
	if got.Header.Get("Remote-User") != "dr.carol" {
		t.Errorf("Remote-User %q", got.Header.Get("Remote-User"))
	}
}
