package password

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
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
// stdout, little-endian:
//
//	request: memory u32 | time u32 | threads u8 | key length u32 |
//	         salt length u32 | salt | password length u32 | password
//	answer:  status u8 (0: the key follows; else an error) | key

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
// from r on w until r ends (the server closed the pipe or exited), hashing
// on a thread at the given nice level (see Background). It returns nil at
// the end of r and an error for a malformed request.
func ServeWorker(r io.Reader, w io.Writer, nice int) error {
	br, bw := bufio.NewReader(r), bufio.NewWriter(w)
	for {
		p, salt, pw, err := readRequest(br)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := p.Validate(); err != nil {
			bw.WriteByte(1)
		} else {
			bw.WriteByte(0)
			bw.Write(argonKey(pw, salt, p, nice))
		}
		clear(pw)
		if err := bw.Flush(); err != nil {
			return err
		}
	}
}

func readRequest(br *bufio.Reader) (p Params, salt, pw []byte, err error) {
	var head [17]byte
	if _, err = io.ReadFull(br, head[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("%w: truncated request", ErrWorker)
		}
		return p, nil, nil, err
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
	var n [4]byte
	if _, err = io.ReadFull(br, n[:]); err != nil {
		return p, nil, nil, fmt.Errorf("%w: truncated request", ErrWorker)
	}
	size := binary.LittleEndian.Uint32(n[:])
	if size > maxWorkerPassword {
		return p, nil, nil, fmt.Errorf("%w: password of %d bytes", ErrWorker, size)
	}
	pw, err = readN(br, size)
	return p, salt, pw, err
}

func readN(br *bufio.Reader, n uint32) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(br, b); err != nil {
		return nil, fmt.Errorf("%w: truncated request", ErrWorker)
	}
	return b, nil
}

func appendRequest(b []byte, p Params, salt, pw []byte) []byte {
	b = binary.LittleEndian.AppendUint32(b, p.Memory)
	b = binary.LittleEndian.AppendUint32(b, p.Time)
	b = append(b, p.Threads)
	b = binary.LittleEndian.AppendUint32(b, p.KeyLen)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(salt)))
	b = append(b, salt...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(pw)))
	return append(b, pw...)
}

// argonKey computes the key, on a thread of its own at the nice level
// when nice > 0.
func argonKey(pw, salt []byte, p Params, nice int) []byte {
	if nice <= 0 {
		return argon2.IDKey(pw, salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	}
	key := make(chan []byte, 1)
	go func() {
		// The thread is never unlocked: when this goroutine ends the
		// runtime ends the thread, and its lowered priority with it, so no
		// other goroutine ever runs at that priority.
		runtime.LockOSThread()
		_ = lowerThreadPriority(nice) // if refused, the hash still runs
		key <- argon2.IDKey(pw, salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	}()
	return <-key
}

// workers are the worker processes of a Hasher, started on first use and
// kept; there are never more than the hasher's slots, since a worker is
// only taken inside a slot.
type workers struct {
	start func() *exec.Cmd
	mu    sync.Mutex
	idle  []*worker
	all   map[*worker]bool
	done  bool
}

type worker struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
	buf []byte
}

// key has a worker compute the key. An error means the worker is gone
// (it is stopped and forgotten; the next call starts another).
func (ws *workers) key(pw, salt []byte, p Params) ([]byte, error) {
	w, err := ws.take()
	if err != nil {
		return nil, err
	}
	key, err := w.key(pw, salt, p)
	if err != nil {
		ws.drop(w)
		return nil, err
	}
	ws.put(w)
	return key, nil
}

func (ws *workers) take() (*worker, error) {
	ws.mu.Lock()
	if ws.done {
		ws.mu.Unlock()
		return nil, errClosed
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
		return nil, err
	}
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.done {
		w.stop()
		return nil, errClosed
	}
	ws.all[w] = true
	return w, nil
}

func (ws *workers) put(w *worker) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.done {
		w.stop()
		return
	}
	ws.idle = append(ws.idle, w)
}

func (ws *workers) drop(w *worker) {
	w.kill()
	ws.mu.Lock()
	defer ws.mu.Unlock()
	delete(ws.all, w)
}

// close stops every worker; a hash running in one fails over to the
// server's own process.
func (ws *workers) close() {
	ws.mu.Lock()
	ws.done = true
	all := ws.all
	ws.all, ws.idle = nil, nil
	ws.mu.Unlock()
	for w := range all {
		w.stop()
	}
}

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
	return &worker{cmd: cmd, in: in, out: bufio.NewReader(out)}, nil
}

func (w *worker) key(pw, salt []byte, p Params) ([]byte, error) {
	w.buf = appendRequest(w.buf[:0], p, salt, pw)
	_, err := w.in.Write(w.buf)
	clear(w.buf)
	if err != nil {
		return nil, fmt.Errorf("%w: send: %v", ErrWorker, err)
	}
	status, err := w.out.ReadByte()
	if err != nil {
		return nil, fmt.Errorf("%w: no answer: %v", ErrWorker, err)
	}
	if status != 0 {
		return nil, fmt.Errorf("%w: refused the parameters", ErrWorker)
	}
	key := make([]byte, p.KeyLen)
	if _, err := io.ReadFull(w.out, key); err != nil {
		return nil, fmt.Errorf("%w: short answer: %v", ErrWorker, err)
	}
	return key, nil
}

// kill ends a worker that failed.
func (w *worker) kill() {
	w.in.Close()
	w.cmd.Process.Kill()
	w.cmd.Wait()
}

// stop closes the worker's stdin (it exits at the end of its input) and
// reaps it; one that does not exit is killed.
func (w *worker) stop() {
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
}
