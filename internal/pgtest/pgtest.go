// Package pgtest starts a throwaway PostgreSQL server for tests that must
// stop and restart the database under a running vigil, leaving the
// machine's shared server alone.
package pgtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
)

// Server is a PostgreSQL cluster in a temporary directory on its own port.
type Server struct {
	t    *testing.T
	bin  string
	dir  string
	port int
	URL  string // postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable
}

// Start initializes and starts a cluster; it is stopped at cleanup. The
// test fails when PostgreSQL's programs are missing.
func Start(t *testing.T) *Server {
	t.Helper()
	bin := binDir(t)
	dir, err := os.MkdirTemp("", "vigil-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &Server{t: t, bin: bin, dir: dir, port: freePort(t)}
	s.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
	s.chown()
	s.run("initdb", "-D", s.data(), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
	s.Restart()
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }

// Stop stops the server at once (immediate shutdown, like a crash).
func (s *Server) Stop() {
	s.t.Helper()
	if _, err := os.Stat(filepath.Join(s.data(), "postmaster.pid")); err != nil {
		return
	}
	s.run("pg_ctl", "-D", s.data(), "-m", "immediate", "-w", "stop")
}

// Restart starts the server again on the same port and waits until it
// accepts connections.
func (s *Server) Restart() {
	s.t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", s.port, s.dir)
	s.run("pg_ctl", "-D", s.data(), "-l", filepath.Join(s.dir, "log"), "-o", opts, "-w", "-t", "60", "start")
}

// run runs a PostgreSQL program, as the postgres user when we are root
// (the server refuses to run as root).
func (s *Server) run(name string, args ...string) {
	s.t.Helper()
	prog := filepath.Join(s.bin, name)
	cmd := exec.Command(prog, args...)
	if os.Geteuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", prog}, args...)...)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "log"))
		s.t.Fatalf("%s %v: %v\n%s\n%s", name, args, err, out, log)
	}
}

// chown gives the directory to the postgres user when we are root.
func (s *Server) chown() {
	if os.Geteuid() != 0 {
		return
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		s.t.Fatalf("running as root needs a postgres user: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(s.dir, uid, gid); err != nil {
		s.t.Fatal(err)
	}
}

// binDir finds the newest /usr/lib/postgresql/*/bin with initdb.
func binDir(t *testing.T) string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Strings(dirs)
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	t.Fatal("PostgreSQL server programs (initdb, pg_ctl) not found")
	return ""
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
