package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/pgtest"
	"github.com/vigilauth/vigil/postgres"
	"github.com/vigilauth/vigil/sqlite"
	"github.com/vigilauth/vigil/vigilhttp"
	"github.com/vigilauth/vigil/webhook"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var start = time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)

// receiver is a webhook endpoint as a service would write one: it
// verifies every request with vigilhttp.VerifyWebhook, answers the first
// failFirst with 500 (or with status, when set), and processes each
// webhook-id once.
type receiver struct {
	t         *testing.T
	secret    string
	now       func() time.Time
	failFirst int
	status    int         // the answer to a failure; 500 if 0
	header    http.Header // added to failures
	mu        sync.Mutex
	requests  int
	ids       []string          // every verified request's id, in order
	processed map[string][]byte // id → the body processed
}

func newReceiver(t *testing.T, secret string, now func() time.Time) (*receiver, *httptest.Server) {
	r := &receiver{t: t, secret: secret, now: now, processed: map[string][]byte{}}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return r, srv
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if err := vigilhttp.VerifyWebhook(r.secret, req.Header, body, r.now()); err != nil {
		r.t.Errorf("receiver: %v", err)
		http.Error(w, "unverified", http.StatusUnauthorized)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	id := req.Header.Get("webhook-id")
	r.ids = append(r.ids, id)
	if r.requests <= r.failFirst {
		for k, v := range r.header {
			w.Header()[k] = v
		}
		w.WriteHeader(cmp(r.status, http.StatusInternalServerError))
		return
	}
	if _, done := r.processed[id]; !done {
		r.processed[id] = body
	}
	w.WriteHeader(http.StatusNoContent)
}

// cmp returns a, or b when a is 0.
func cmp(a, b int) int {
	if a == 0 {
		return b
	}
	return a
}

// seen returns how many verified requests came and how many ids were
// processed.
func (r *receiver) seen() (requests, processed int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests, len(r.processed)
}

// openSQLite opens a store in the test's directory.
func openSQLite(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "vigil.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// changePasswords creates n users and changes each one's password at at:
// n user.password_changed messages.
func changePasswords(t *testing.T, s vigil.Store, n int, at time.Time) {
	t.Helper()
	for i := range n {
		u := &vigil.User{Username: "user" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Role: vigil.RolePatient, CreatedAt: at}
		if err := s.CreateUser(t.Context(), u); err != nil {
			t.Fatal(err)
		}
		if err := s.SetPassword(t.Context(), u.ID, "$argon2id$x", at); err != nil {
			t.Fatal(err)
		}
	}
}

// newWorker returns a worker over store to endpoint, on clk.
func newWorker(t *testing.T, store vigil.WebhookOutbox, secret, endpoint string, clk *clock, opt webhook.Options) *webhook.Worker {
	t.Helper()
	opt.Endpoints = []string{endpoint}
	opt.Secrets = []webhook.Secret{mustSecret(t, secret)}
	if clk != nil {
		opt.Now = clk.Now
	}
	opt.Logger = slog.New(slog.DiscardHandler)
	w, err := webhook.New(store, opt)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func mustSecret(t *testing.T, s string) webhook.Secret {
	t.Helper()
	k, err := webhook.ParseSecret(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// counts reads the store's counts.
func counts(t *testing.T, s vigil.WebhookOutbox) vigil.WebhookCounts {
	t.Helper()
	c, err := s.CountWebhooks(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestFailingReceiverGetsEachMessageOnce: a receiver that fails the first
// three deliveries gets every message after the retries, verified, and
// processes each webhook-id once.
func TestFailingReceiverGetsEachMessageOnce(t *testing.T) {
	store, clk, secret := openSQLite(t), &clock{t: start}, webhook.NewSecret()
	rec, srv := newReceiver(t, secret, clk.Now)
	rec.failFirst = 3
	changePasswords(t, store, 2, start)
	w := newWorker(t, store, secret, srv.URL, clk, webhook.Options{})
	for range 10 {
		if _, err := w.RunOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Hour) // past any backoff
	}
	requests, processed := rec.seen()
	if processed != 2 || requests != 5 {
		t.Fatalf("receiver saw %d requests and processed %d messages, want 5 (3 failed) and 2", requests, processed)
	}
	if st := w.Stats(); st.Delivered != 2 || st.Failed != 3 || st.Dead != 0 {
		t.Errorf("Stats = %+v, want 2 delivered, 3 failed", st)
	}
	if c := counts(t, store); c.Pending != 0 || c.Dead != 0 {
		t.Errorf("counts = %+v after delivery", c)
	}
	for id, body := range rec.processed {
		var p struct {
			Type      string          `json:"type"`
			Timestamp time.Time       `json:"timestamp"`
			Data      json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(body, &p); err != nil || p.Type != vigil.WebhookPasswordChanged || !p.Timestamp.Equal(start) {
			t.Errorf("message %s: body %s (%v), want a user.password_changed at %v", id, body, err, start)
		}
	}
}

// lossy is a store whose first WebhookDelivered fails, as when an
// instance dies after the receiver answered and before it recorded it.
type lossy struct {
	vigil.Store
	lost atomic.Bool
}

func (l *lossy) WebhookDelivered(ctx context.Context, id int64, a vigil.WebhookAttempt) error {
	if l.lost.CompareAndSwap(false, true) {
		return errors.New("lost on the way")
	}
	return l.Store.WebhookDelivered(ctx, id, a)
}

// TestLostAnswerRepeatsTheID: an answer never recorded means the lease
// ends and the message comes again, with the same webhook-id, which the
// receiver does not process twice.
func TestLostAnswerRepeatsTheID(t *testing.T) {
	store, clk, secret := openSQLite(t), &clock{t: start}, webhook.NewSecret()
	rec, srv := newReceiver(t, secret, clk.Now)
	changePasswords(t, store, 1, start)
	w := newWorker(t, &lossy{Store: store}, secret, srv.URL, clk, webhook.Options{Lease: time.Minute})
	w.RunOnce(t.Context())
	if n, _ := w.RunOnce(t.Context()); n != 0 {
		t.Fatalf("claimed again within the lease")
	}
	clk.Add(time.Minute)
	w.RunOnce(t.Context())
	requests, processed := rec.seen()
	if requests != 2 || processed != 1 || rec.ids[0] != rec.ids[1] {
		t.Fatalf("receiver saw ids %v and processed %d, want one id twice, processed once", rec.ids, processed)
	}
	if c := counts(t, store); c.Pending != 0 {
		t.Errorf("counts = %+v, want none pending", c)
	}
}

// TestGivenUpAfter24Hours: a receiver that always fails is tried until 24
// hours after the message, the last attempt at that moment, and then the
// delivery is a dead letter.
func TestGivenUpAfter24Hours(t *testing.T) {
	store, clk, secret := openSQLite(t), &clock{t: start}, webhook.NewSecret()
	rec, srv := newReceiver(t, secret, clk.Now)
	rec.failFirst = 1 << 30
	changePasswords(t, store, 1, start)
	w := newWorker(t, store, secret, srv.URL, clk, webhook.Options{})
	var last time.Time
	for range 24*6 + 10 {
		if n, _ := w.RunOnce(t.Context()); n > 0 {
			last = clk.Now()
		}
		if counts(t, store).Dead == 1 {
			break
		}
		clk.Add(10 * time.Minute)
	}
	deadline := start.Add(24 * time.Hour)
	if last.Before(deadline) || last.After(deadline.Add(10*time.Minute)) {
		t.Errorf("last attempt at %v, want at the 24-hour mark %v", last, deadline)
	}
	letters, err := store.DeadWebhooks(t.Context(), 10)
	if err != nil || len(letters) != 1 || letters[0].LastStatus != 500 || letters[0].Endpoint != srv.URL {
		t.Fatalf("DeadWebhooks = %+v, %v, want the one delivery, last answered 500", letters, err)
	}
	requests, _ := rec.seen()
	if st := w.Stats(); st.Dead != 1 || st.Failed != uint64(requests) || letters[0].Attempts != requests {
		t.Errorf("Stats = %+v, attempts %d, receiver saw %d", st, letters[0].Attempts, requests)
	}
	clk.Add(48 * time.Hour)
	if n, _ := w.RunOnce(t.Context()); n != 0 {
		t.Errorf("a dead letter was attempted again")
	}
	// An administrator revives it: a new window, delivered once the
	// receiver answers.
	if err := store.ReviveWebhook(t.Context(), letters[0].ID, clk.Now()); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	rec.failFirst = 0
	rec.mu.Unlock()
	w.RunOnce(t.Context())
	if _, processed := rec.seen(); processed != 1 {
		t.Errorf("the revived delivery was not processed")
	}
}

// TestRetryAfterIsHonoured: a 503 with Retry-After: 600 is not retried
// before ten minutes, whatever the backoff says.
func TestRetryAfterIsHonoured(t *testing.T) {
	store, clk, secret := openSQLite(t), &clock{t: start}, webhook.NewSecret()
	rec, srv := newReceiver(t, secret, clk.Now)
	rec.failFirst, rec.status, rec.header = 1, http.StatusServiceUnavailable, http.Header{"Retry-After": {"600"}}
	changePasswords(t, store, 1, start)
	w := newWorker(t, store, secret, srv.URL, clk, webhook.Options{Jitter: func(time.Duration) time.Duration { return 0 }})
	w.RunOnce(t.Context())
	clk.Add(599 * time.Second)
	if n, _ := w.RunOnce(t.Context()); n != 0 {
		t.Fatal("retried before Retry-After")
	}
	clk.Add(time.Second)
	w.RunOnce(t.Context())
	if _, processed := rec.seen(); processed != 1 {
		t.Error("not delivered once Retry-After passed")
	}
}

// TestRedirectIsAFailure: a 3xx is not followed (Standard Webhooks).
func TestRedirectIsAFailure(t *testing.T) {
	store, clk, secret := openSQLite(t), &clock{t: start}, webhook.NewSecret()
	var followed atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/hook", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) { followed.Add(1) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	changePasswords(t, store, 1, start)
	w := newWorker(t, store, secret, srv.URL+"/hook", clk, webhook.Options{})
	w.RunOnce(t.Context())
	if followed.Load() != 0 || w.Stats().Failed != 1 || counts(t, store).Pending != 1 {
		t.Errorf("followed %d redirects, stats %+v: want the 307 counted as a failure", followed.Load(), w.Stats())
	}
}

// TestTwoInstancesDeliverEachOnce: on PostgreSQL, two instances' workers
// over one schema, running at once, deliver every message exactly once.
func TestTwoInstancesDeliverEachOnce(t *testing.T) {
	pgtest.BaseURL(t)
	_, url := pgtest.Schema(t)
	open := func() *postgres.Store {
		s, err := postgres.Open(t.Context(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	secret := webhook.NewSecret()
	rec, srv := newReceiver(t, secret, time.Now)
	const messages = 40
	changePasswords(t, a, messages, time.Now())
	var wg sync.WaitGroup
	for _, s := range []*postgres.Store{a, b} {
		w := newWorker(t, s, secret, srv.URL, nil, webhook.Options{Batch: 3})
		wg.Go(func() {
			for {
				n, err := w.RunOnce(t.Context())
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	requests, processed := rec.seen()
	if processed != messages || requests != messages {
		t.Errorf("%d requests for %d messages processed, want %d each: no message twice", requests, processed, messages)
	}
}
