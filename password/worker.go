package password

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
)

// Hashing in worker processes.
//
// A hash allocates its whole memory cost (19 MiB at the defaults) on every
// call, so in the server's own process a login storm makes the garbage
// collector run every few hashes; each collection stops the world, and
// stopping it waits for the hashing thread — the one the kernel is told to
// run last (Background). Worker processes keep that memory and those
// collections out of the server: the server only writes a request to a
// pipe and reads 32 bytes back.
//
// The protocol, one request then one answer on the worker's stdin and
// stdout, little-endian. A request is either kind:
//
//	key:     0 u8 | memory u32 | time u32 | threads u8 | key length u32 |
//	         salt length u32 | salt | password length u32 | password
//	answer:  status u8 (0: the key follows; else refused) | key
//
//	check:   1 u8 | stored hash length u32 | stored hash |
//	         password length u32 | password
//	answer:  status u8 (0: the form follows; else refused) |
//	         form u8 (0: no match, 1: its NFKC form, 2: as typed only)
//
// A key is argon2id's with the hasher's parameters (Hash); a check
// verifies a password against a stored hash of any format (Verify), the
// password as typed (matchForms tries its NFKC form too). bcrypt, PBKDF2
// and scrypt hashes brought over from other systems are verified in the
// workers as well: they take as much CPU as argon2id or more, and scrypt
// and argon2 with their own parameters as much memory.

// Request kinds.
const (
	requestKey   = 0
	requestCheck = 1
)

// maxWorkerPassword bounds a password a worker reads (the API's body limit
// is 64 KiB; this only stops a corrupt length from allocating much).
const maxWorkerPassword = 1 << 20

// ErrWorker is wrapped by the errors of a worker process that could not
// be started or stopped answering.
var ErrWorker = errors.New("password: hash worker")

// errClosed says the hasher was closed: hashing goes on in this process,
// and nothing failed.
var errClosed = fmt.Errorf("%w: hasher closed", ErrWorker)

// ServeWorker is the body of a worker process: it answers requests read
// from r on w until r ends (the server closed the pipe or exited), and
// returns nil then, or an error for a malformed request.
//
// With nice > 0 it first puts the whole process at that nice level and,
// on Linux, in the SCHED_IDLE policy, every thread: its garbage collector
// and its pipe reader as well as its hashing yield to request handling,
// and the kernel preempts the worker the moment a request handler wakes,
// so hashing takes only the CPU that requests leave idle. The worker does
// it to itself, after it has started: a server thread lowered to start it
// would be one the kernel may starve while it holds the runtime's
// attention through the fork, stalling the server's collector.
func ServeWorker(r io.Reader, w io.Writer, nice int) error {
	if nice > 0 {
		_ = lowerProcess(nice) // if refused, the worker still hashes
	}
	br, bw := bufio.NewReader(r), bufio.NewWriter(w)
	for {
		kind, err := br.ReadByte()
		if errors.Is(err, io.EOF) {
			return nil
		}
		switch {
		case err != nil:
			return err
		case kind == requestKey:
			err = serveKey(br, bw)
		case kind == requestCheck:
			err = serveCheck(br, bw)
		default:
			err = fmt.Errorf("%w: request of unknown kind %d", ErrWorker, kind)
		}
		if err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		// Collect now, while the server reads the answer: the hash's
		// memory is garbage, and freed at once it is reused by the next
		// hash instead of a second block piling up beside it before the
		// collector's own pace gets to it (about half the worker's RSS).
		runtime.GC()
	}
}

// serveKey answers a key request (its kind already read). The process is
// already lowered: the key is computed on this goroutine.
func serveKey(br *bufio.Reader, bw *bufio.Writer) error {
	p, salt, pw, err := readKeyRequest(br)
	if err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		bw.WriteByte(1)
	} else {
		bw.WriteByte(0)
		bw.Write(argonKey(pw, salt, p, 0))
	}
	clear(pw)
	return nil
}

// serveCheck answers a check request (its kind already read).
func serveCheck(br *bufio.Reader, bw *bufio.Writer) error {
	stored, err := readLength(br, maxStoredLen, "stored hash")
	if err != nil {
		return err
	}
	pw, err := readLength(br, maxWorkerPassword, "password")
	if err != nil {
		return err
	}
	defer clear(pw)
	h, err := parseStored(string(stored))
	var f form
	if err == nil {
		f, err = matchForms(h, pw)
	}
	if err != nil {
		bw.WriteByte(1)
		return nil
	}
	bw.Write([]byte{0, byte(f)})
	return nil
}

// readLength reads a length, at most limit, and that many bytes.
func readLength(br *bufio.Reader, limit uint32, name string) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(br, n[:]); err != nil {
		return nil, fmt.Errorf("%w: truncated request", ErrWorker)
	}
	size := binary.LittleEndian.Uint32(n[:])
	if size > limit {
		return nil, fmt.Errorf("%w: %s of %d bytes", ErrWorker, name, size)
	}
	return readN(br, size)
}

func readKeyRequest(br *bufio.Reader) (p Params, salt, pw []byte, err error) {
	var head [17]byte
	if _, err = io.ReadFull(br, head[:]); err != nil {
		return p, nil, nil, fmt.Errorf("%w: truncated request", ErrWorker)
	}
	p.Memory = binary.LittleEndian.Uint32(head[0:])
	p.Time = binary.LittleEndian.Uint32(head[4:])
	p.Threads = head[8]
	p.KeyLen = binary.LittleEndian.Uint32(head[9:])
	p.SaltLen = binary.LittleEndian.Uint32(head[13:])
	if p.SaltLen > maxSaltLen {
		return p, nil, nil, fmt.Errorf("%w: salt of %d bytes", ErrWorker, p.SaltLen)
	}
	if salt, err = readN(br, p.SaltLen); err != nil {
		return p, nil, nil, err
	}
	pw, err = readLength(br, maxWorkerPassword, "password")
	return p, salt, pw, err
}

func readN(br *bufio.Reader, n uint32) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(br, b); err != nil {
		return nil, fmt.Errorf("%w: truncated request", ErrWorker)
	}
	return b, nil
}

func appendKeyRequest(b []byte, p Params, salt, pw []byte) []byte {
	b = append(b, requestKey)
	b = binary.LittleEndian.AppendUint32(b, p.Memory)
	b = binary.LittleEndian.AppendUint32(b, p.Time)
	b = append(b, p.Threads)
	b = binary.LittleEndian.AppendUint32(b, p.KeyLen)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(salt)))
	b = append(b, salt...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(pw)))
	return append(b, pw...)
}

func appendCheckRequest(b []byte, stored string, pw []byte) []byte {
	b = append(b, requestCheck)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(stored)))
	b = append(b, stored...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(pw)))
	return append(b, pw...)
}

// argonKey computes the key, on a thread of its own at the nice level
// when nice > 0.
func argonKey(pw, salt []byte, p Params, nice int) []byte {
	var key []byte
	lowered(nice, func() { key = argon2.IDKey(pw, salt, p.Time, p.Memory, p.Threads, p.KeyLen) })
	return key
}

// lowered runs f, on a thread of its own at the nice level when nice > 0.
func lowered(nice int, f func()) {
	if nice <= 0 {
		f()
		return
	}
	done := make(chan struct{})
	go func() {
		// The thread is never unlocked: when this goroutine ends the
		// runtime ends the thread, and its lowered priority with it, so no
		// other goroutine ever runs at that priority.
		runtime.LockOSThread()
		_ = lowerThreadPriority(nice) // if refused, the hash still runs
		f()
		close(done)
	}()
	<-done
}

// workers are the worker processes of a Hasher, started on first use and
// kept; there are never more than the hasher's slots, since a worker is
// only taken inside a slot.
type workers struct {
	start func() *exec.Cmd
	mu    sync.Mutex
	idle  []*worker
	done  bool
	// pauseUntil: after a worker failed, hashes run in this process until
	// then, so a worker that cannot start is not retried on every hash.
	pauseUntil time.Time
	// allow and queued, when set, replace every allowance and
	// runQueueWait (tests).
	allow  time.Duration
	queued func(pid int) time.Duration
}

// workerPause is how long hashing stays in the server after a worker
// failed.
const workerPause = 30 * time.Second

// errPaused says hashing is in the server for a while after a failure
// (already reported).
var errPaused = fmt.Errorf("%w: paused after a failure", ErrWorker)

type worker struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Reader
	pipe interface{ SetReadDeadline(time.Time) error } // stdout, for deadlines; nil if unsupported
	buf  []byte
	end  sync.Once
}

// key has a worker compute the key (an error: see ask).
func (ws *workers) key(ctx context.Context, pw, salt []byte, p Params) ([]byte, error) {
	key := make([]byte, p.KeyLen)
	err := ws.ask(ctx, func(b []byte) []byte { return appendKeyRequest(b, p, salt, pw) }, key, nil, answerWithin(p))
	if err != nil {
		return nil, err
	}
	return key, nil
}

// check has a worker verify pw against a stored hash (an error: see ask),
// with allow to answer.
func (ws *workers) check(ctx context.Context, stored string, pw []byte, allow time.Duration) (form, error) {
	var f [1]byte
	valid := func(a []byte) bool { return a[0] <= byte(typedForm) }
	err := ws.ask(ctx, func(b []byte) []byte { return appendCheckRequest(b, stored, pw) }, f[:], valid, allow)
	if err != nil {
		return noMatch, err
	}
	return form(f[0]), nil
}

// ask sends a worker the request build appends, and reads its answer into
// answer, which valid (if not nil) must accept. An error means the worker is gone (it is killed and forgotten).
// The answer must come within allow (plus any time the worker waited for
// a CPU) and before ctx ends. A worker that failed pauses the use of
// workers; one killed because ctx ended does not (the next hash starts
// another).
func (ws *workers) ask(ctx context.Context, build func([]byte) []byte, answer []byte, valid func([]byte) bool, allow time.Duration) error {
	w, err := ws.take()
	if err != nil {
		return err
	}
	queued := ws.queued
	if queued == nil {
		queued = runQueueWait
	}
	if ws.allow != 0 {
		allow = ws.allow
	}
	err = w.ask(ctx, build, answer, allow, queued)
	if err == nil && valid != nil && !valid(answer) {
		err = fmt.Errorf("%w: answer %x out of range", ErrWorker, answer)
	}
	if err != nil {
		w.kill()
		if ctx.Err() == nil { // a client that left is no fault of the worker's
			ws.failed()
		}
		return err
	}
	ws.put(w)
	return nil
}

// maxStarved bounds how many allowances of waiting for a CPU are added to
// a worker's allowance (about a minute at the default parameters).
const maxStarved = 4

// answerWithin is how long a worker may take for a hash with p: far more
// than the hash needs on a loaded machine (about 25 ms per pass over
// 19 MiB here), so only a wedged worker runs out.
func answerWithin(p Params) time.Duration {
	return 10*time.Second + time.Duration(p.Memory)*time.Duration(p.Time)*time.Millisecond/10
}

func (ws *workers) take() (*worker, error) {
	ws.mu.Lock()
	switch {
	case ws.done:
		ws.mu.Unlock()
		return nil, errClosed
	case time.Now().Before(ws.pauseUntil):
		ws.mu.Unlock()
		return nil, errPaused
	}
	if n := len(ws.idle); n > 0 {
		w := ws.idle[n-1]
		ws.idle = ws.idle[:n-1]
		ws.mu.Unlock()
		return w, nil
	}
	ws.mu.Unlock()
	w, err := startWorker(ws.start())
	if err != nil {
		ws.failed()
		return nil, err
	}
	return w, nil
}

// failed pauses the use of workers.
func (ws *workers) failed() {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.pauseUntil = time.Now().Add(workerPause)
}

// put returns a worker after a hash; after close it is stopped.
func (ws *workers) put(w *worker) {
	ws.mu.Lock()
	if !ws.done {
		ws.idle = append(ws.idle, w)
		ws.mu.Unlock()
		return
	}
	ws.mu.Unlock()
	w.stop()
}

// close stops the idle workers; one busy with a hash is stopped when the
// hash is done (put).
func (ws *workers) close() {
	ws.mu.Lock()
	ws.done = true
	idle := ws.idle
	ws.idle = nil
	ws.mu.Unlock()
	for _, w := range idle {
		w.stop()
	}
}

// startWorker starts a worker process (which lowers its own priority:
// ServeWorker).
func startWorker(cmd *exec.Cmd) (*worker, error) {
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrWorker, err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrWorker, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: start: %v", ErrWorker, err)
	}
	w := &worker{cmd: cmd, in: in, out: bufio.NewReader(out)}
	w.pipe, _ = out.(interface{ SetReadDeadline(time.Time) error })
	return w, nil
}

// ask sends the worker one request, built by build, and reads the answer
// into answer. The worker has allow to answer, not counting the time its
// threads spend waiting for a CPU (queued, up to maxStarved allowances):
// on a machine busy with requests, which come first, a starved worker is
// slow, not wedged. An error means the worker failed, refused, ran out of
// time, or ctx ended.
func (w *worker) ask(ctx context.Context, build func([]byte) []byte, answer []byte, allow time.Duration, queued func(pid int) time.Duration) error {
	start, pid := time.Now(), w.cmd.Process.Pid
	waited := queued(pid)
	if w.pipe != nil {
		if err := w.pipe.SetReadDeadline(start.Add(allow)); err != nil {
			w.pipe = nil
		}
	}
	// A request whose client has gone stops waiting (the worker is then
	// killed: its answer would arrive out of turn).
	stop := context.AfterFunc(ctx, func() {
		if w.pipe != nil {
			w.pipe.SetReadDeadline(time.Now())
		} else {
			w.cmd.Process.Kill()
		}
	})
	defer stop()
	w.buf = build(w.buf[:0])
	_, err := w.in.Write(w.buf)
	clear(w.buf)
	if err != nil {
		return fmt.Errorf("%w: send: %v", ErrWorker, err)
	}
	status, err := w.out.ReadByte()
	for err != nil && w.pipe != nil && errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() == nil {
		// The wait is summed over the worker's threads, so it can grow
		// faster than the clock: never more than the time gone by, and
		// never more than maxStarved allowances in all, so a worker stuck
		// on a busy machine is still found out.
		extra := min(queued(pid)-waited, time.Since(start), maxStarved*allow)
		end := start.Add(allow + extra)
		if !end.After(time.Now()) {
			break
		}
		w.pipe.SetReadDeadline(end)
		if ctx.Err() != nil { // ended just now: its AfterFunc may have run before the line above
			w.pipe.SetReadDeadline(time.Now())
		}
		status, err = w.out.ReadByte()
	}
	if err != nil {
		return fmt.Errorf("%w: no answer: %v", ErrWorker, err)
	}
	if status != 0 {
		return fmt.Errorf("%w: refused the request", ErrWorker)
	}
	if _, err := io.ReadFull(w.out, answer); err != nil {
		return fmt.Errorf("%w: short answer: %v", ErrWorker, err)
	}
	return nil
}

// kill ends a worker that failed, once.
func (w *worker) kill() {
	w.end.Do(func() {
		w.in.Close()
		w.cmd.Process.Kill()
		w.cmd.Wait()
	})
}

// stop closes the worker's stdin (it exits at the end of its input) and
// reaps it, once; one that does not exit in time is killed.
func (w *worker) stop() {
	w.end.Do(func() {
		w.in.Close()
		done := make(chan struct{})
		go func() {
			w.cmd.Wait()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			w.cmd.Process.Kill()
			<-done
		}
	})
}
