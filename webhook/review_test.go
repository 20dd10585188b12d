package webhook_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/pgtest"
	"github.com/vigilauth/vigil/postgres"
	"github.com/vigilauth/vigil/webhook"
)

// The outbox's delivery as an operator, an attacker and a receiver see
// it: what the issue promised beyond the happy path.

// openPostgres opens a store in a new schema of the test database, or
// skips the test without one.
func openPostgres(t *testing.T) *postgres.Store {
	t.Helper()
	pgtest.BaseURL(t)
	_, url := pgtest.Schema(t)
	s, err := postgres.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// eachStore runs fn on SQLite and, when the test database is configured,
// on PostgreSQL.
func eachStore(t *testing.T, fn func(t *testing.T, s vigil.Store)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, openSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, openPostgres(t)) })
}

// TestRevivedOldDeadLetterIsNotPruned: a dead letter of a message made
// more than the retention ago (given up after its 24 hours, kept 7 days
// from then) that an administrator retries is delivered, not deleted by
// the next hourly prune for its message's age: the retry promises another
// 24 hours.
func TestRevivedOldDeadLetterIsNotPruned(t *testing.T) {
	eachStore(t, func(t *testing.T, store vigil.Store) {
		clk, secret := &clock{t: start}, webhook.NewSecret()
		rec, srv := newReceiver(t, secret, clk.Now)
		rec.failFirst = 1 << 30
		changePasswords(t, store, 1, start)
		w := newWorker(t, store, secret, srv.URL, clk, webhook.Options{})
		for counts(t, store).Dead == 0 {
			w.RunOnce(t.Context())
			clk.Add(time.Hour)
		}
		letters, err := store.DeadWebhooks(t.Context(), 1)
		if err != nil || len(letters) != 1 {
			t.Fatalf("DeadWebhooks = %+v, %v", letters, err)
		}
		// Seven and a half days after the change, six and a half after
		// it was given up: still listed, and retried.
		clk.t = start.Add(7*24*time.Hour + 12*time.Hour)
		if err := store.ReviveWebhook(t.Context(), letters[0].ID, clk.Now()); err != nil {
			t.Fatal(err)
		}
		rec.mu.Lock()
		rec.failFirst = 0
		rec.mu.Unlock()
		w.Prune(t.Context())
		if c := counts(t, store); c.Pending != 1 {
			t.Fatalf("counts after the prune = %+v, want the revived delivery pending", c)
		}
		w.RunOnce(t.Context())
		if _, processed := rec.seen(); processed != 1 {
			t.Error("the revived delivery was not delivered")
		}
	})
}

// TestNoEndpointKeepsTheOutboxBounded: without --webhook-url the worker
// still runs; every message is done with fan-out, nothing is pending, and
// the messages go once older than the retention.
func TestNoEndpointKeepsTheOutboxBounded(t *testing.T) {
	eachStore(t, func(t *testing.T, store vigil.Store) {
		clk := &clock{t: start}
		changePasswords(t, store, 3, start)
		w, err := webhook.New(store, webhook.Options{Now: clk.Now, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := w.RunOnce(t.Context()); n != 0 || err != nil {
			t.Fatalf("RunOnce with no endpoint = %d, %v", n, err)
		}
		if c := counts(t, store); c.Pending != 0 || c.Dead != 0 {
			t.Errorf("counts = %+v, want nothing pending", c)
		}
		clk.Add(7*24*time.Hour + time.Minute)
		n, err := store.DeleteWebhooksBefore(t.Context(), clk.Now().Add(-7*24*time.Hour), 100)
		if err != nil || n != 3 {
			t.Errorf("DeleteWebhooksBefore = %d, %v, want the 3 messages", n, err)
		}
	})
}

// TestAttemptBoundedWithoutClientTimeout: Options.Timeout bounds an
// attempt even when the Client given has no timeout of its own, so that no
// attempt outlasts its lease.
func TestAttemptBoundedWithoutClientTimeout(t *testing.T) {
	store, secret := openSQLite(t), webhook.NewSecret()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	changePasswords(t, store, 1, time.Now())
	w := newWorker(t, store, secret, srv.URL, nil, webhook.Options{Client: &http.Client{}, Timeout: 50 * time.Millisecond})
	done := make(chan struct{})
	go func() { w.RunOnce(t.Context()); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute): // a backstop: the attempt ends after 50 ms
		t.Fatal("an attempt outlived Options.Timeout")
	}
	letters, _ := store.DeadWebhooks(t.Context(), 1)
	if st := w.Stats(); st.Failed != 1 || len(letters) != 0 || counts(t, store).Pending != 1 {
		t.Errorf("Stats = %+v, want the timed-out attempt failed and to be retried", st)
	}
}

// slowClaim is a store whose claims take at least delay, as a claim
// waiting for a busy database's locks does.
type slowClaim struct {
	vigil.Store
	delay time.Duration
}

func (s slowClaim) ClaimWebhooks(ctx context.Context, endpoints []string, now time.Time, lease time.Duration, limit int) ([]vigil.WebhookDelivery, error) {
	time.Sleep(s.delay)
	return s.Store.ClaimWebhooks(ctx, endpoints, now, lease, limit)
}

// TestLeaseCountsFromBeforeTheClaim: the lease is set before a claim
// returns; a claim so slow that an attempt could outlast the rest of the
// lease begins none (another instance may take the delivery when the
// lease ends).
func TestLeaseCountsFromBeforeTheClaim(t *testing.T) {
	store, secret := openSQLite(t), webhook.NewSecret()
	rec, srv := newReceiver(t, secret, time.Now)
	changePasswords(t, store, 1, time.Now())
	// Lease 100 ms, attempts up to 50 ms: after a claim of 60 ms there is
	// no room left for one.
	w := newWorker(t, slowClaim{store, 60 * time.Millisecond}, secret, srv.URL, nil,
		webhook.Options{Timeout: 50 * time.Millisecond, Lease: 100 * time.Millisecond})
	if n, err := w.RunOnce(t.Context()); n != 1 || err != nil {
		t.Fatalf("RunOnce = %d, %v, want the delivery claimed", n, err)
	}
	if requests, _ := rec.seen(); requests != 0 {
		t.Errorf("an attempt began with %d ms of lease left for a 50 ms timeout", 40)
	}
}

// cancelAfter is a transport that cancels the worker's context once the
// receiver has answered: a SIGTERM between the 2xx and its recording.
type cancelAfter struct{ cancel context.CancelFunc }

func (c cancelAfter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	c.cancel()
	return resp, err
}

// TestAnsweredAttemptRecordedAtShutdown: an attempt the receiver answered
// 2xx is recorded even if the worker is stopped just then, so that the
// message does not come again after the restart.
func TestAnsweredAttemptRecordedAtShutdown(t *testing.T) {
	store, clk, secret := openSQLite(t), &clock{t: start}, webhook.NewSecret()
	rec, srv := newReceiver(t, secret, clk.Now)
	changePasswords(t, store, 1, start)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	w := newWorker(t, store, secret, srv.URL, clk, webhook.Options{Client: &http.Client{Transport: cancelAfter{cancel}}})
	w.RunOnce(ctx)
	if _, processed := rec.seen(); processed != 1 {
		t.Fatal("not delivered")
	}
	if c := counts(t, store); c.Pending != 0 {
		t.Errorf("counts = %+v: the answered delivery is still pending, to be sent again", c)
	}
}

// TestUnansweredAttemptLeftAtShutdown: an attempt cut short by the
// shutdown before any answer is not recorded as a failure; it is made
// again, with the same webhook-id, when the lease ends.
func TestUnansweredAttemptLeftAtShutdown(t *testing.T) {
	store, clk, secret := openSQLite(t), &clock{t: start}, webhook.NewSecret()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	rec := &receiver{t: t, secret: secret, now: clk.Now, processed: map[string][]byte{}}
	var first sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cut := false
		first.Do(func() { cut = true })
		if cut {
			io.ReadAll(r.Body) // then the server notices the client leave
			cancel()           // SIGTERM while the receiver works
			<-r.Context().Done()
			return
		}
		rec.ServeHTTP(w, r)
	}))
	defer srv.Close()
	changePasswords(t, store, 1, start)
	w := newWorker(t, store, secret, srv.URL, clk, webhook.Options{})
	w.RunOnce(ctx)
	if st := w.Stats(); st.Failed != 0 || st.Delivered != 0 {
		t.Errorf("Stats = %+v: the cut attempt was counted", st)
	}
	restarted := newWorker(t, store, secret, srv.URL, clk, webhook.Options{})
	if n, _ := restarted.RunOnce(t.Context()); n != 0 {
		t.Fatal("claimed again within the lease")
	}
	clk.Add(2 * time.Minute)
	restarted.RunOnce(t.Context())
	if _, processed := rec.seen(); processed != 1 {
		t.Error("the cut attempt was not made again after the lease")
	}
	if c := counts(t, store); c.Pending != 0 {
		t.Errorf("counts = %+v after the second attempt", c)
	}
}

// TestEndlessResponseBodyIsBounded: a receiver that answers 2xx and then
// streams forever does not hold the worker; the delivery is done.
func TestEndlessResponseBodyIsBounded(t *testing.T) {
	store, clk, secret := openSQLite(t), &clock{t: start}, webhook.NewSecret()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		chunk := bytes.Repeat([]byte("x"), 32<<10)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	changePasswords(t, store, 1, start)
	w := newWorker(t, store, secret, srv.URL, clk, webhook.Options{})
	w.RunOnce(t.Context())
	if st := w.Stats(); st.Delivered != 1 || counts(t, store).Pending != 0 {
		t.Errorf("Stats = %+v, want the 200 recorded as delivered", st)
	}
}

// TestUntrustedCertificateIsAFailure: TLS is verified; an endpoint whose
// certificate no trusted authority signed is never delivered to.
func TestUntrustedCertificateIsAFailure(t *testing.T) {
	store, clk, secret := openSQLite(t), &clock{t: start}, webhook.NewSecret()
	var reached sync.Mutex
	hits := 0
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Lock()
		hits++
		reached.Unlock()
	}))
	defer srv.Close()
	srv.Config.ErrorLog = nil
	changePasswords(t, store, 1, start)
	w := newWorker(t, store, secret, srv.URL, clk, webhook.Options{})
	w.RunOnce(t.Context())
	reached.Lock()
	defer reached.Unlock()
	if st := w.Stats(); hits != 0 || st.Failed != 1 || st.Delivered != 0 {
		t.Errorf("Stats = %+v, %d requests reached: want the self-signed endpoint refused", st, hits)
	}
}

// TestEndpointCredentialNeverShown: a token in an endpoint's path or query
// appears in no log line and in no dead letter's error; only the host.
func TestEndpointCredentialNeverShown(t *testing.T) {
	store, clk, secret := openSQLite(t), &clock{t: start}, webhook.NewSecret()
	const token = "s3cr3t-t0ken"
	var logs bytes.Buffer
	var mu sync.Mutex
	endpoint := "http://127.0.0.1:1/hooks/" + token + "?key=" + token // nothing listens on port 1
	changePasswords(t, store, 1, start)
	w, err := webhook.New(store, webhook.Options{Endpoints: []string{endpoint}, Secrets: []webhook.Secret{mustSecret(t, secret)},
		Now: clk.Now, Logger: slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	for counts(t, store).Dead == 0 {
		w.RunOnce(t.Context())
		clk.Add(time.Hour)
	}
	letters, err := store.DeadWebhooks(t.Context(), 1)
	if err != nil || len(letters) != 1 {
		t.Fatalf("DeadWebhooks = %+v, %v", letters, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(logs.String(), token) || strings.Contains(letters[0].LastError, token) {
		t.Errorf("the endpoint's credential was shown:\n%s\nlast error %q", logs.String(), letters[0].LastError)
	}
	if !strings.Contains(logs.String(), "endpoint=127.0.0.1:1") {
		t.Errorf("the logs do not name the endpoint's host:\n%s", logs.String())
	}
}

// lockedWriter serializes writes to a buffer.
type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// TestManySignaturesHashTheBodyOnce: a sender without the secret who puts
// a thousand signatures in webhook-signature makes Verify hash the body
// once per secret, not once per signature (each HMAC costs allocations,
// which AllocsPerRun counts without timing anything).
func TestManySignaturesHashTheBodyOnce(t *testing.T) {
	secrets := []webhook.Secret{mustSecret(t, webhook.NewSecret())}
	body := bytes.Repeat([]byte("x"), 64<<10)
	now := time.Now()
	forged := "v1," + base64.StdEncoding.EncodeToString(make([]byte, 32))
	allocs := func(n int) float64 {
		h := http.Header{}
		h.Set(webhook.HeaderID, "msg_p5jXN8AQM9LWM0D4loKWxJek")
		h.Set(webhook.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
		h.Set(webhook.HeaderSignature, strings.TrimSpace(strings.Repeat(forged+" ", n)))
		return testing.AllocsPerRun(5, func() {
			if err := webhook.Verify(secrets, h, body, now); err != webhook.ErrSignature {
				t.Fatalf("Verify of forged signatures = %v", err)
			}
		})
	}
	one, many := allocs(1), allocs(1001)
	if perSignature := (many - one) / 1000; perSignature >= 2 {
		t.Errorf("%.1f allocations per extra signature: the body is hashed for each", perSignature)
	}
}
