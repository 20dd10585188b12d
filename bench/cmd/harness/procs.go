package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is a server the harness started.
type proc struct {
	name    string
	cmd     *exec.Cmd
	addr    string
	logPath string
	started time.Time
	ready   time.Duration // from exec to the "listening" line
	done    chan struct{}
	mu      sync.Mutex
	stopped bool
}

// readiness says how a server announces its address: "listening ADDR" on
// stdout (the bench's servers) or vigil's JSON log line on stderr.
type readiness int

const (
	stdoutListening readiness = iota
	vigilJSONLog
)

// start runs bin with args and waits until it announces its address. Its
// output goes to a log file in dir.
func start(dir, name, bin string, args, env []string, how readiness) (*proc, error) {
	logPath := filepath.Join(dir, strings.NewReplacer(" ", "-", "/", "-", ",", "").Replace(name)+".log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the harness
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	p := &proc{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	addrc := make(chan string, 1)
	scan := func(r io.Reader, announce bool) {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logf, line)
			if announce {
				if a := announced(line, how); a != "" {
					select {
					case addrc <- a:
					default:
					}
				}
			}
		}
	}
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	var pipes sync.WaitGroup
	pipes.Go(func() { scan(stdout, how == stdoutListening) })
	pipes.Go(func() { scan(stderr, how == vigilJSONLog) })
	go func() {
		pipes.Wait()
		cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	select {
	case p.addr = <-addrc:
		p.ready = time.Since(p.started)
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("%s exited before listening (%s)\n%s", name, cmd.ProcessState, tail(logPath))
	case <-time.After(2 * time.Minute):
		p.kill()
		return nil, fmt.Errorf("%s did not announce its address within 2 minutes\n%s", name, tail(logPath))
	}
}

// announced returns the address a line announces, or "".
func announced(line string, how readiness) string {
	if how == stdoutListening {
		if a, ok := strings.CutPrefix(line, "listening "); ok {
			return strings.TrimSpace(a)
		}
		return ""
	}
	var rec struct{ Msg, Addr string }
	if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "vigil listening" {
		return rec.Addr
	}
	return ""
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// alive reports an error if the server has exited without being asked to.
func (p *proc) alive() error {
	select {
	case <-p.done:
		p.mu.Lock()
		defer p.mu.Unlock()
		if !p.stopped {
			return fmt.Errorf("%s crashed (%s)\n%s", p.name, p.cmd.ProcessState, tail(p.logPath))
		}
	default:
	}
	return nil
}

// stop ends the server (SIGTERM, then SIGKILL after 15 s) and reports a
// crash that happened before.
func (p *proc) stop() error {
	err := p.alive()
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	if err != nil {
		return err
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.kill()
	}
	return nil
}

func (p *proc) kill() {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	p.cmd.Process.Kill()
	<-p.done
}

// tail returns the last lines of a log file.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return "  | " + strings.Join(lines, "\n  | ")
}

// serverEnv is the harness's environment without VIGIL_* settings (CI sets
// some for the tests), plus extra.
func serverEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VIGIL_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// goBuild builds pkg (run in dir) into out.
func goBuild(dir, out, pkg string, extra ...string) error {
	args := append([]string{"build", "-o", out}, extra...)
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
	}
	return nil
}
