package password

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestMain lets this test binary be a hash worker: a test starts it again
// with VIGIL_TEST_HASH_WORKER=1, and it then serves requests on its stdin.
func TestMain(m *testing.M) {
	if os.Getenv("VIGIL_TEST_HASH_WORKER") == "1" {
		if err := ServeWorker(os.Stdin, os.Stdout, 5); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// workerCmd starts this test binary as a hash worker.
func workerCmd(started *atomic.Int32) func() *exec.Cmd {
	return func() *exec.Cmd {
		started.Add(1)
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "VIGIL_TEST_HASH_WORKER=1")
		cmd.Stderr = os.Stderr
		return cmd
	}
}

// TestExternalHashesMatch: hashes computed in worker processes verify in
// this process and the other way round, several at once, with no more
// workers than slots, and Close stops them.
func TestExternalHashesMatch(t *testing.T) {
	t.Parallel()
	var started atomic.Int32
	var failures atomic.Int32
	ext := NewHasher(cheap, 2).External(workerCmd(&started), func(err error) {
		t.Errorf("worker failure: %v", err)
		failures.Add(1)
	})
	local := NewHasher(cheap, 2)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			pw := "correct horse battery staple " + string(rune('a'+i))
			phc, err := ext.Hash(ctx, pw)
			if err != nil {
				t.Error(err)
				return
			}
			if ok, _, err := local.Verify(ctx, pw, phc); !ok || err != nil {
				t.Errorf("a worker's hash does not verify here: %v %v", ok, err)
			}
			mine, _ := local.Hash(ctx, pw)
			if ok, _, err := ext.Verify(ctx, pw, mine); !ok || err != nil {
				t.Errorf("this process's hash does not verify in a worker: %v %v", ok, err)
			}
			if ok, _, _ := ext.Verify(ctx, pw+"!", mine); ok {
				t.Error("a worker accepted a wrong password")
			}
		})
	}
	wg.Wait()
	if n := started.Load(); n < 1 || n > 2 {
		t.Errorf("%d workers started for 2 slots", n)
	}
	ext.Close()
	phc, err := ext.Hash(ctx, "after close")
	if ok, _, _ := local.Verify(ctx, "after close", phc); err != nil || !ok {
		t.Errorf("hashing after Close: %v", err)
	}
}

// TestExternalFailsOver: a worker that cannot start, or dies, is reported
// and the hash is computed in this process: logins never fail for it.
func TestExternalFailsOver(t *testing.T) {
	t.Parallel()
	for name, start := range map[string]func() *exec.Cmd{
		"cannot start": func() *exec.Cmd { return exec.Command("/nonexistent/vigil-hash-worker") },
		"exits":        func() *exec.Cmd { return exec.Command("true") },
		"answers junk": func() *exec.Cmd { return exec.Command("yes") },
	} {
		t.Run(name, func(t *testing.T) {
			var failures atomic.Int32
			h := NewHasher(cheap, 1).External(start, func(err error) {
				if !errors.Is(err, ErrWorker) {
					t.Errorf("failure %v is not ErrWorker", err)
				}
				failures.Add(1)
			})
			defer h.Close()
			local := NewHasher(cheap, 1)
			phc, err := h.Hash(context.Background(), "still works")
			if err != nil {
				t.Fatal(err)
			}
			if ok, _, _ := local.Verify(context.Background(), "still works", phc); !ok {
				t.Error("the fallback hash does not verify")
			}
			if failures.Load() != 1 {
				t.Errorf("%d failures reported, want 1", failures.Load())
			}
		})
	}
}

// TestExternalWorkerThatNeverAnswers: a worker that does not answer
// within its allowance, while not waiting for a CPU, is killed and
// reported; the hash runs in this process, and so does the next one at
// once, without trying a worker again for a while.
func TestExternalWorkerThatNeverAnswers(t *testing.T) {
	t.Parallel()
	var started, failures atomic.Int32
	h := NewHasher(cheap, 1).External(func() *exec.Cmd {
		started.Add(1)
		return exec.Command("sleep", "60")
	}, func(error) { failures.Add(1) })
	defer h.Close()
	h.workers.allow = 200 * time.Millisecond
	for _, pw := range []string{"stuck", "next one"} {
		phc, err := h.Hash(context.Background(), pw)
		if err != nil {
			t.Fatal(err)
		}
		if ok, _, _ := NewHasher(cheap, 1).Verify(context.Background(), pw, phc); !ok {
			t.Errorf("the hash of %q does not verify", pw)
		}
	}
	if started.Load() != 1 || failures.Load() != 1 {
		t.Errorf("%d workers started, %d failures; want 1 and 1 (then a pause)", started.Load(), failures.Load())
	}
}

// TestExternalStarvedWorkerIsNotWedged: while a worker's threads wait for
// a CPU (the machine busy with requests, which come first), its allowance
// grows by that wait; once it stops waiting and still does not answer, it
// is wedged.
func TestExternalStarvedWorkerIsNotWedged(t *testing.T) {
	t.Parallel()
	var starving atomic.Bool
	var calls atomic.Int32
	starving.Store(true)
	t0 := time.Now()
	var failedWhileStarving atomic.Bool
	h := NewHasher(cheap, 1).External(func() *exec.Cmd { return exec.Command("sleep", "60") }, func(error) {
		failedWhileStarving.Store(starving.Load())
	})
	defer h.Close()
	// Ample against the scheduler: a read deadline woken more than 5
	// allowances late (allow plus maxStarved) would find the worker out
	// before it was seen waiting three times.
	h.workers.allow = 250 * time.Millisecond
	var frozen atomic.Int64
	h.workers.queued = func(int) time.Duration {
		calls.Add(1)
		if starving.Load() {
			d := time.Since(t0) // waited all along
			frozen.Store(int64(d))
			return d
		}
		return time.Duration(frozen.Load())
	}
	done := make(chan error, 1)
	go func() {
		_, err := h.Hash(context.Background(), "starved")
		done <- err
	}()
	for calls.Load() < 3 { // within maxStarved allowances
		select {
		case err := <-done:
			t.Fatalf("the hash ended while the worker was starved: %v", err)
		default:
			time.Sleep(time.Millisecond)
		}
	}
	starving.Store(false)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if failedWhileStarving.Load() {
		t.Error("the worker was reported while it waited for a CPU")
	}
}

// TestExternalStarvedWorkerHasALimit: a worker whose threads seem to
// wait for a CPU all along still runs out, after maxStarved allowances of
// waiting: a stuck worker on a busy machine is found out. (Its run-queue
// wait, summed over its threads, can grow faster than the clock.)
func TestExternalStarvedWorkerHasALimit(t *testing.T) {
	t.Parallel()
	var failures atomic.Int32
	h := NewHasher(cheap, 1).External(func() *exec.Cmd { return exec.Command("sleep", "60") }, func(error) { failures.Add(1) })
	defer h.Close()
	h.workers.allow = 20 * time.Millisecond
	t0 := time.Now()
	h.workers.queued = func(int) time.Duration { return 3 * time.Since(t0) } // three threads waiting
	phc, err := h.Hash(context.Background(), "starved for good")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := NewHasher(cheap, 1).Verify(context.Background(), "starved for good", phc); !ok {
		t.Error("the hash computed here instead does not verify")
	}
	if failures.Load() != 1 {
		t.Errorf("%d failures reported, want 1", failures.Load())
	}
}

// TestExternalClientGone: a hash whose context ends while a worker
// computes it returns the context's error; the worker is killed, since
// its answer would come out of turn, but nothing failed, so the next hash
// starts another worker at once.
func TestExternalClientGone(t *testing.T) {
	t.Parallel()
	var started atomic.Int32
	slow := Params{Memory: 32 * 1024, Time: 8, Threads: 1, SaltLen: 16, KeyLen: 32}
	h := NewHasher(slow, 1).External(workerCmd(&started), func(err error) { t.Errorf("worker failure: %v", err) })
	defer h.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := h.Hash(ctx, "the client leaves")
		done <- err
	}()
	for started.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Hash after its client left: %v, want context.Canceled", err)
	}
	phc, err := h.Hash(context.Background(), "the next client")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := NewHasher(slow, 1).Verify(context.Background(), "the next client", phc); !ok {
		t.Error("the next hash does not verify")
	}
	if started.Load() != 2 {
		t.Errorf("%d workers started, want 2 (no pause after a client left)", started.Load())
	}
}

// TestExternalCloseDuringAHash: Close while a worker computes a hash lets
// the hash finish, then stops the worker; nothing is stopped twice.
func TestExternalCloseDuringAHash(t *testing.T) {
	t.Parallel()
	var started atomic.Int32
	slow := Params{Memory: 32 * 1024, Time: 4, Threads: 1, SaltLen: 16, KeyLen: 32}
	h := NewHasher(slow, 1).External(workerCmd(&started), func(err error) { t.Errorf("worker failure: %v", err) })
	done := make(chan error, 1)
	go func() {
		phc, err := h.Hash(context.Background(), "closing")
		if err == nil {
			if ok, _, _ := NewHasher(slow, 1).Verify(context.Background(), "closing", phc); !ok {
				err = errors.New("the hash does not verify")
			}
		}
		done <- err
	}()
	for started.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	h.Close()
	if err := <-done; err != nil {
		t.Error(err)
	}
	h.Close()
}

// TestServeWorkerRequests: well-formed requests get keys equal to this
// process's; out-of-bounds parameters get a refusal, not a computation;
// a malformed request ends the worker with an error; the end of input
// ends it cleanly.
func TestServeWorkerRequests(t *testing.T) {
	t.Parallel()
	p := cheap
	salt := bytes.Repeat([]byte{7}, int(p.SaltLen))
	var in bytes.Buffer
	in.Write(appendKeyRequest(nil, p, salt, []byte("pw one")))
	huge := p
	huge.Memory = maxMemory + 1
	in.Write(appendKeyRequest(nil, huge, salt, []byte("pw two")))
	var out bytes.Buffer
	if err := ServeWorker(&in, &out, 0); err != nil {
		t.Fatal(err)
	}
	want := append([]byte{0}, argonKey([]byte("pw one"), salt, p, 0)...)
	want = append(want, 1)
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("answers %x, want %x", out.Bytes(), want)
	}

	bad := appendKeyRequest(nil, p, salt, []byte("pw"))
	longSalt := bytes.Clone(bad)
	binary.LittleEndian.PutUint32(longSalt[14:], maxSaltLen+1)
	hugePassword := bytes.Clone(bad)
	binary.LittleEndian.PutUint32(hugePassword[18+len(salt):], maxWorkerPassword+1)
	for name, req := range map[string][]byte{
		"truncated":      bad[:len(bad)-1],
		"long salt":      longSalt,
		"huge password":  hugePassword,
		"truncated head": bad[:5],
	} {
		if err := ServeWorker(bytes.NewReader(req), &out, 0); !errors.Is(err, ErrWorker) {
			t.Errorf("%s: %v, want ErrWorker", name, err)
		}
	}
}

// TestExternalVerifiesLegacy: hashes of every format are verified in the
// worker processes (each Verify is one request to a worker), right and
// wrong passwords alike, with no failure.
func TestExternalVerifiesLegacy(t *testing.T) {
	t.Parallel()
	var started, asked atomic.Int32
	h := NewHasher(cheap, 2).External(workerCmd(&started), func(err error) { t.Errorf("worker failure: %v", err) })
	defer h.Close()
	h.workers.queued = func(int) time.Duration { asked.Add(1); return 0 }
	ctx := context.Background()
	seen, verifies := map[string]bool{}, int32(0)
	for _, v := range committedVectors(t) {
		if sh, _ := parseStored(v.Hash); seen[v.Format] || sh.work() > 100*time.Millisecond {
			continue
		}
		seen[v.Format] = true
		if ok, rehash, err := h.Verify(ctx, v.Password, v.Hash); !ok || !rehash || err != nil {
			t.Errorf("%s: Verify = %v, %v, %v; want true, true, nil", v.Hash, ok, rehash, err)
		}
		if ok, _, err := h.Verify(ctx, "X"+v.Password, v.Hash); ok || err != nil {
			t.Errorf("%s: a wrong password: %v, %v", v.Hash, ok, err)
		}
		verifies += 2
	}
	if len(seen) != len(formats) {
		t.Errorf("%d formats verified, want %d", len(seen), len(formats))
	}
	if asked.Load() != verifies || started.Load() < 1 {
		t.Errorf("%d requests to %d workers for %d verifications", asked.Load(), started.Load(), verifies)
	}
}

// TestServeWorkerChecks: a check request is answered with the form that
// matched (none, the NFKC form, or only as typed); a stored hash the
// worker cannot use gets a refusal; a stored hash longer than any
// readable one, or a request of an unknown kind, ends the worker with an
// error.
func TestServeWorkerChecks(t *testing.T) {
	t.Parallel()
	const typed = "cafe\u0301 noir"
	salt := bytes.Repeat([]byte{7}, 16)
	imported := encodePHC(cheap, salt, argonKey([]byte(typed), salt, cheap, 0))
	bcryptHash := bcryptHashOf("pw", 4)
	var in bytes.Buffer
	for _, r := range []struct{ stored, pw string }{
		{bcryptHash, "pw"}, {bcryptHash, "pW"}, {imported, typed}, {imported, "café noir"}, {"$2b$99$nonsense", "pw"},
	} {
		in.Write(appendCheckRequest(nil, r.stored, []byte(r.pw)))
	}
	var out bytes.Buffer
	if err := ServeWorker(&in, &out, 0); err != nil {
		t.Fatal(err)
	}
	want := []byte{0, byte(normalForm), 0, byte(noMatch), 0, byte(typedForm), 0, byte(noMatch), 1}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("answers %x, want %x", out.Bytes(), want)
	}
	long := appendCheckRequest(nil, strings.Repeat("x", maxStoredLen+1), []byte("pw"))
	for name, req := range map[string][]byte{
		"long stored hash": long,
		"truncated":        long[:3],
		"unknown kind":     {7, 0, 0, 0, 0},
	} {
		if err := ServeWorker(bytes.NewReader(req), &out, 0); !errors.Is(err, ErrWorker) {
			t.Errorf("%s: %v, want ErrWorker", name, err)
		}
	}
}
