package password

import (
	"context"
	"crypto/rand"
	"errors"
	"os/exec"
	"runtime"
)

// Hasher hashes passwords with argon2id and verifies them against argon2id
// and the other formats Identify names. It is safe for concurrent use; at
// most a fixed number of hashes are computed at once.
type Hasher struct {
	params Params
	// slots bounds the hash computations running at once (argon2 and
	// every other format), and so memory use under a login flood (SPEC §3
	// "Passwords").
	slots *slots
	// dummy is a PHC string with the hasher's parameters and a random key
	// no password is known to produce, for VerifyDummy.
	dummy string
	// nice, when above 0, is the scheduling priority (Linux nice level) of
	// the threads computing hashes; see Background.
	nice int
	// workers, if set, compute hashes in worker processes; see External.
	workers       *workers
	onWorkerError func(error)
}

// External makes h compute hashes in worker processes, each started with
// start (a command whose process runs ServeWorker on its stdin and
// stdout), on first need and kept until Close; never more than h's slots.
// A worker that cannot be started, stops answering or takes far too long
// (not counting time it spent waiting for a CPU) is killed and reported to
// onError (if not nil), and that hash is computed in this process instead,
// so a login never fails for it; hashing then stays in this process for 30
// seconds before a worker is tried again. A hash whose ctx ends while a
// worker computes it returns ctx.Err() (and the worker is replaced, with
// no pause). A worker lowers its own priority (ServeWorker's nice). Call
// it before h is used. It returns h.
func (h *Hasher) External(start func() *exec.Cmd, onError func(error)) *Hasher {
	h.workers = &workers{start: start}
	h.onWorkerError = onError
	return h
}

// Close stops h's worker processes, if any. Hashing afterwards runs in
// this process.
func (h *Hasher) Close() {
	if h.workers != nil {
		h.workers.close()
	}
}

// Background makes h compute every hash at a lower priority, so that the
// operating system gives the CPU to request handling first and hashing
// takes what is left: a login storm then slows logins, not the requests of
// people already signed in. In this process a hash runs on an OS thread of
// its own at the given nice level (1 to 19; Linux only, elsewhere
// ignored), created for the hash and ended with it. (Worker processes,
// External, lower themselves: ServeWorker.) Call it before h is used. It
// returns h.
func (h *Hasher) Background(nice int) *Hasher {
	h.nice = min(max(nice, 0), 19)
	return h
}

// NewHasher returns a Hasher that hashes with p and runs at most
// maxConcurrent hash computations at once (runtime.GOMAXPROCS(0) when
// maxConcurrent <= 0). Each computation uses p.Memory KiB, so peak memory
// is about maxConcurrent × p.Memory KiB (a stored hash of another format
// or parameters takes what it asks for, within Identify's limits).
//
// NewHasher panics if p.Validate() returns an error: the parameters are a
// programming choice, and a hasher that cannot hash must not start.
func NewHasher(p Params, maxConcurrent int) *Hasher {
	if err := p.Validate(); err != nil {
		panic("password: NewHasher: " + err.Error())
	}
	if maxConcurrent <= 0 {
		maxConcurrent = runtime.GOMAXPROCS(0)
	}
	dummy := encodePHC(p, randomBytes(p.SaltLen), randomBytes(p.KeyLen))
	return &Hasher{params: p, slots: newSlots(maxConcurrent), dummy: dummy}
}

// HoldBack keeps n of h's slots (at most all but one) for when busy
// reports false: while it reports true, fewer hashes start at once, and
// those it held back start when it reports false again (it is asked again
// every 100 ms while a hash waits for them). With busy saying whether the
// process is serving requests, a server keeps a core for the people
// already signed in while it has any, and lets logins use every core
// while it has none. busy must be cheap and safe for concurrent use. Call
// it before h is used. It returns h.
func (h *Hasher) HoldBack(n int, busy func() bool) *Hasher {
	h.slots.holdBack(n, busy)
	return h
}

// Params returns the parameters new hashes are made with.
func (h *Hasher) Params() Params { return h.params }

// Hash returns the PHC string of the NFKC-normalized password with a fresh
// random salt. It returns ctx.Err() if ctx ends before a hashing slot is
// free (or has already ended); it returns no other error.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := randomBytes(h.params.SaltLen)
	key, err := h.derive(ctx, password, salt, h.params)
	if err != nil {
		return "", err
	}
	return encodePHC(h.params, salt, key), nil
}

// Verify reports whether password matches the stored hash, comparing in
// constant time. stored is vigil's own argon2id PHC string or a hash in
// any other format Identify names, brought over from another system. The
// password is tried as typed and, when NFKC normalization changes it, in
// its NFKC form too (matchForms): vigil hashes the NFKC form, other
// systems the bytes they were given.
//
// When it matches, rehash reports whether the caller should store a new
// Hash of the password: for every hash but argon2id with the hasher's
// parameters that matched the NFKC form, so a hash brought over is
// replaced at its user's first sign-in.
//
// Errors: ErrUnsupportedHash (a format vigil does not read),
// ErrMalformedHash (badly written for its format, or above the limits on
// work; see Identify), or ctx.Err() if ctx ends before a hashing slot is
// free. With an error, ok and rehash are false.
func (h *Hasher) Verify(ctx context.Context, password, stored string) (ok, rehash bool, err error) {
	sh, err := parseStored(stored)
	if err != nil {
		return false, false, err
	}
	f, err := h.check(ctx, stored, sh, password)
	if err != nil || f == noMatch {
		return false, false, err
	}
	a, own := sh.(*argon2Hash)
	current := own && a.id && a.p == h.params && f == normalForm
	return true, !current, nil
}

// VerifyDummy does the work of a failed Verify against a hash with the
// hasher's current parameters, and reports nothing. Call it when the
// username is unknown (or has no password), so such a login takes as long
// as a wrong password (OWASP ASVS 5.0 6.3.8; SPEC §3 "Throttling and
// enumeration"). It waits for a hashing slot like Verify and returns early
// if ctx ends first.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) {
	_, _, _ = h.Verify(ctx, password, h.dummy)
}

// derive computes the argon2id key of the normalized password once a
// hashing slot is free. It returns ctx.Err() if ctx ends first.
func (h *Hasher) derive(ctx context.Context, password string, salt []byte, p Params) ([]byte, error) {
	if err := h.slots.acquire(ctx); err != nil {
		return nil, err
	}
	defer h.slots.release()
	pw := []byte(Normalize(password))
	if h.workers != nil {
		key, err := h.workers.key(ctx, pw, salt, p)
		if err == nil {
			return key, nil
		}
		if err := h.workerFailed(ctx, err); err != nil {
			return nil, err
		}
	}
	return argonKey(pw, salt, p, h.nice), nil
}

// check verifies password against sh (parsed from stored) once a hashing
// slot is free, in a worker process if h has them (a worker parses stored
// again), else in this process at h's priority. It returns ctx.Err() if
// ctx ends first.
func (h *Hasher) check(ctx context.Context, stored string, sh storedHash, password string) (form, error) {
	if err := h.slots.acquire(ctx); err != nil {
		return noMatch, err
	}
	defer h.slots.release()
	pw := []byte(password)
	if h.workers != nil {
		f, err := h.workers.check(ctx, stored, pw, allowance(sh))
		if err == nil {
			return f, nil
		}
		if err := h.workerFailed(ctx, err); err != nil {
			return noMatch, err
		}
	}
	var f form
	var err error
	lowered(h.nice, func() { f, err = matchForms(sh, pw) })
	return f, err
}

// workerFailed handles a worker's error: ctx.Err() if ctx has ended (the
// client has gone: nothing to fall back for), else nil after reporting
// the failure, and the work is done in this process.
func (h *Hasher) workerFailed(ctx context.Context, err error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if h.onWorkerError != nil && !errors.Is(err, errClosed) && !errors.Is(err, errPaused) {
		h.onWorkerError(err)
	}
	return nil
}

// randomBytes returns n bytes from crypto/rand. Since Go 1.24 rand.Read
// never returns an error (it crashes the program instead), so none is
// checked.
func randomBytes(n uint32) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// Running returns how many hash computations run now, and how many may
// run at once (held-back slots included; see HoldBack).
func (h *Hasher) Running() (running, limit int) { return h.slots.counts() }
