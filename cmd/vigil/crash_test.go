package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/vigilauth/vigil/internal/pgtest"
	"github.com/vigilauth/vigil/internal/testkit"
)

// childEnv marks a copy of this test binary started as `vigil serve` in a
// process of its own, so that a test can kill it with SIGKILL.
const childEnv = "VIGIL_TEST_CHILD_SERVE"

// startChild runs `vigil serve --dev` on db in a separate process (this
// test binary, which TestMain turns into vigil) and returns it once it
// listens. The process is killed at cleanup if still running.
func startChild(t *testing.T, db string) (*server, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve", "--addr", "127.0.0.1:0", "--db", db, "--dev")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	s := &server{DB: db, stdout: &testkit.SyncBuffer{}, stderr: &testkit.SyncBuffer{}}
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			fmt.Fprintln(s.stderr, sc.Text())
			if m := listenLine.FindStringSubmatch(sc.Text()); m != nil {
				listening <- m[1]
			}
		}
	}()
	select {
	case addr := <-listening:
		s.URL = "http://" + addr
	case <-time.After(60 * time.Second):
		t.Fatalf("child vigil did not start: %s", s.stderr.String())
	}
	return s, cmd
}

// kill9 kills the child at once, as a power cut or the OOM killer would.
func kill9(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
}

// TestAcknowledgedRevocationsSurviveKill9: every revocation vigil has
// answered 200 for — sign-out, signing out one device, signing out the
// others, a password change — is still in force after the process is
// killed with SIGKILL the moment the answer arrives, and the sessions it
// left alone still work.
func TestAcknowledgedRevocationsSurviveKill9(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		killDuringRevocations(t, filepath.Join(t.TempDir(), "vigil.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		pgtest.BaseURL(t)
		_, db := pgtest.Schema(t)
		killDuringRevocations(t, db)
	})
}

func killDuringRevocations(t *testing.T, db string) {
	srv, cmd := startChild(t, db)
	srv.addUser(t, "alice", "patient", alicePW)
	srv.addUser(t, "bob", "clinician", bobPW)
	login := func(user, pw string) *device {
		d := srv.device(t)
		d.Login(user, pw)
		return d
	}
	// Each step revokes something, is acknowledged, and the process dies
	// at once; the next step runs on a new process over the same store.
	type step struct {
		name    string
		revoke  func(s *server, keep, gone []*device)
		reasons []string // the reason each of gone must get
	}
	aliceKeep, aliceGone := login("alice", alicePW), login("alice", alicePW)
	bobOut := login("bob", bobPW)
	alice3, alice4 := login("alice", alicePW), login("alice", alicePW)
	devices := []*device{aliceKeep, aliceGone, bobOut, alice3, alice4}
	restart := func() {
		kill9(t, cmd)
		srv, cmd = startChild(t, db)
		for i, d := range devices {
			devices[i] = carry(t, d, srv)
		}
		aliceKeep, aliceGone, bobOut, alice3, alice4 = devices[0], devices[1], devices[2], devices[3], devices[4]
	}
	stolen := bobOut.cookie() // a copy of bob's cookie, kept after he signs out
	expect(t, "bob signs out", bobOut.Do("POST", "/api/auth/logout", nil), 200)
	restart()
	thief := srv.device(t)
	thief.Client.Jar.SetCookies(mustURL(t, srv.URL), []*http.Cookie{{Name: stolen.Name, Value: stolen.Value, Path: "/"}})
	expect(t, "bob's old cookie after sign-out and SIGKILL", thief.Do("GET", "/api/auth/session", nil), 401, "SESSION_REVOKED", "logout")

	id := aliceGone.sessionID("alice's second device")
	expect(t, "alice signs out her second device", aliceKeep.Do("DELETE", "/api/auth/sessions/"+id, nil), 200)
	restart()
	expect(t, "the signed-out device after SIGKILL", aliceGone.Do("GET", "/api/auth/session", nil), 401, "SESSION_REVOKED", "revoked")
	aliceKeep.sessionID("the device that signed it out")

	expect(t, "alice signs out the others", aliceKeep.Do("POST", "/api/auth/sessions/revoke-others", nil), 200)
	restart()
	for _, d := range []*device{alice3, alice4} {
		expect(t, "another device after revoke-others and SIGKILL", d.Do("GET", "/api/auth/session", nil), 401, "SESSION_REVOKED", "revoked")
	}
	aliceKeep.sessionID("the device that kept its session")

	newPW := "a quiet harbour at dawn, twice"
	expect(t, "alice changes her password", aliceKeep.Do("POST", "/api/auth/change-password", map[string]string{
		"current_password": alicePW, "new_password": newPW, "confirm_password": newPW}), 200)
	restart()
	expect(t, "alice's device after the password change and SIGKILL", aliceKeep.Do("GET", "/api/auth/session", nil), 401)
	r := srv.device(t).Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": alicePW})
	expect(t, "the old password after SIGKILL", r, 401, "INVALID_CREDENTIALS")
	srv.device(t).Login("alice", newPW)
	code, out, _ := srv.cli(t, "", "audit", "--user", "alice", "--event", "password_changed_all_sessions_invalidated", "--json")
	if code != 0 || out == "" {
		t.Errorf("the password change's audit event did not survive SIGKILL (exit %d): %q", code, out)
	}
}
