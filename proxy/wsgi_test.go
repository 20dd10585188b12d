package proxy_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
)

// TestWSGIApp puts a real WSGI app behind vigil: Python's wsgiref files
// Remote-User and Remote_User alike under HTTP_REMOTE_USER, so a client's
// Remote_User would be the app's user if it got through.
func TestWSGIApp(t *testing.T) {
	f := newFront(t, startWSGI(t), config{public: []string{"/static"}, dev: true})
	forged := []string{"Remote_User: admin", "Remote_Role: admin", "remote_clinician_id: GMC-999",
		"X_Forwarded_User: admin", "X_Auth_Request_User: admin", "X_Remote_User: admin",
		"X_Forwarded_For: 192.0.2.66", "X_Forwarded_Proto: https"} // wsgiref would join them to vigil's

	t.Run("public path, no session", func(t *testing.T) {
		env := wsgiEnviron(t, f, "/static/app.css", forged...)
		for _, k := range []string{"HTTP_REMOTE_USER", "HTTP_REMOTE_ROLE", "HTTP_REMOTE_CLINICIAN_ID", "HTTP_X_FORWARDED_USER",
			"HTTP_X_AUTH_REQUEST_USER", "HTTP_X_REMOTE_USER", "REMOTE_USER"} {
			if v, ok := env[k]; ok {
				t.Errorf("the app got %s=%q from a client without a session", k, v)
			}
		}
	})
	t.Run("private path, no session", func(t *testing.T) {
		if a := f.raw(t, "/records", forged...); a.StatusCode != http.StatusUnauthorized {
			t.Errorf("API request: %d %s, want 401", a.StatusCode, a.body)
		}
		if a := f.raw(t, "/records", append(forged, "Accept: text/html")...); a.StatusCode != http.StatusSeeOther {
			t.Errorf("page request: %d, want a redirect to sign in", a.StatusCode)
		}
	})
	t.Run("a patient's session", func(t *testing.T) {
		cookie := "Cookie: " + f.signIn(t, "pat.jones", vigil.RolePatient)
		env := wsgiEnviron(t, f, "/records", append(forged, cookie)...)
		if env["HTTP_REMOTE_USER"] != "pat.jones" || env["HTTP_REMOTE_ROLE"] != "patient" || env["HTTP_REMOTE_CLINICIAN_ID"] != "" {
			t.Errorf("the app saw user %q, role %q, clinician %q; want the patient", env["HTTP_REMOTE_USER"],
				env["HTTP_REMOTE_ROLE"], env["HTTP_REMOTE_CLINICIAN_ID"])
		}
		for _, k := range []string{"HTTP_X_FORWARDED_USER", "HTTP_X_AUTH_REQUEST_USER", "HTTP_X_REMOTE_USER"} {
			if v, ok := env[k]; ok {
				t.Errorf("the app got %s=%q", k, v)
			}
		}
		if env["HTTP_X_FORWARDED_FOR"] != "127.0.0.1" || env["HTTP_X_FORWARDED_PROTO"] != "http" {
			t.Errorf("forwarded for %q proto %q", env["HTTP_X_FORWARDED_FOR"], env["HTTP_X_FORWARDED_PROTO"])
		}
	})
}

// wsgiEnviron sends a GET written by hand through f to the WSGI app and
// returns the environ keys the app reported.
func wsgiEnviron(t *testing.T, f *front, path string, lines ...string) map[string]string {
	t.Helper()
	a := f.raw(t, path, lines...)
	var got struct {
		Path    string            `json:"path"`
		Environ map[string]string `json:"environ"`
	}
	if a.StatusCode != http.StatusOK || json.Unmarshal(a.body, &got) != nil || got.Path != path {
		t.Fatalf("not the app's answer: %d %s", a.StatusCode, a.body)
	}
	return got.Environ
}

// startWSGI runs testdata/wsgi_echo.py and returns its URL once it
// answers; the test is skipped only when there is no python3.
func startWSGI(t *testing.T) string {
	t.Helper()
	python := pythonBinary()
	if python == "" {
		t.Skip("no python3 (neither /usr/bin/python3 nor python3 on PATH): the WSGI app cannot run")
	}
	cmd := exec.Command(python, "testdata/wsgi_echo.py")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	port, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("the WSGI app did not say its port: %v", err)
	}
	url := "http://127.0.0.1:" + strings.TrimSpace(port)
	waitAnswering(t, url)
	return url
}

// pythonBinary is Debian's python3, else the first on PATH, else "".
func pythonBinary() string {
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	p, _ := exec.LookPath("python3")
	return p
}

// waitAnswering polls url until it answers (the port is already bound,
// so this is a short wait for the serve loop).
func waitAnswering(t *testing.T, url string) {
	t.Helper()
	var err error
	for range 100 {
		var resp *http.Response
		if resp, err = http.Get(url + "/ready"); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the WSGI app never answered: %v", err)
}
