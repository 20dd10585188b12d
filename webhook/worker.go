package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigilauth/vigil"
)

// Options configure a Worker. Only Secrets is required; every zero field
// takes the default named beside it.
type Options struct {
	// Endpoints are the URLs every message goes to, each on its own. With
	// none, Run only prunes: the messages wait for an instance that has
	// endpoints, or are deleted after Retention.
	Endpoints []string
	// Secrets sign every webhook, each adding a signature (Sign): the new
	// secret and the old one during a rotation.
	Secrets []Secret
	// Client sends the webhooks. Default: a client with Timeout that
	// follows no redirect (Standard Webhooks: a 3xx is a failure).
	Client *http.Client
	// Timeout bounds one attempt (Client's own Timeout, when it has
	// one). Default 15 s (Standard Webhooks, "Request timeouts": 15 to
	// 30 s). No attempt is begun that could outlast its lease.
	Timeout time.Duration
	Now     func() time.Time // default time.Now
	// Poll is how often the worker looks for due deliveries when not
	// nudged. Default 1 s.
	Poll time.Duration
	// Lease is how long a claimed delivery is the worker's: if the
	// process dies, another takes it after this. Default 2 min, and at
	// least twice Timeout.
	Lease time.Duration
	// MaxAge is how long after its message (or its revival) a delivery is
	// retried before it is given up, a dead letter. Default 24 h.
	MaxAge time.Duration
	// BaseDelay and MaxDelay bound the exponential backoff: the n-th
	// failure waits a random time below BaseDelay·2^(n-1), capped at
	// MaxDelay (full jitter). Defaults 5 s and 1 h.
	BaseDelay, MaxDelay time.Duration
	// Retention is how long delivered and dead deliveries are kept
	// (dead letters stay visible that long). Default 7 days.
	Retention time.Duration
	Batch     int          // deliveries claimed at once; default 16
	Logger    *slog.Logger // default slog.Default()
	// Jitter returns a random duration in [0, d); default math/rand/v2.
	Jitter func(d time.Duration) time.Duration
}

// Stats are a Worker's counts since it started.
type Stats struct {
	Delivered uint64 // attempts answered 2xx
	Failed    uint64 // attempts that failed (each retry counts)
	Dead      uint64 // deliveries given up
}

// Worker delivers the outbox's messages. Run it on every instance: the
// store's leases give each delivery to one worker at a time.
type Worker struct {
	store vigil.WebhookOutbox
	opt   Options
	nudge chan struct{}

	delivered, failed, dead atomic.Uint64
}

// recordTimeout bounds the recording of an answered attempt after the
// worker was told to stop.
const recordTimeout = 5 * time.Second

// responseLimit bounds how much of a response body is read (and thrown
// away, so that the connection can be reused).
const responseLimit = 64 << 10

// New returns a worker over store. It fails if there are endpoints and no
// secret, or an endpoint is not an absolute http(s) URL.
func New(store vigil.WebhookOutbox, opt Options) (*Worker, error) {
	if len(opt.Secrets) == 0 && len(opt.Endpoints) > 0 {
		return nil, errors.New("webhook: no signing secret")
	}
	for _, e := range opt.Endpoints {
		if u, err := url.Parse(e); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("webhook: endpoint %q is not an http(s) URL", e)
		}
	}
	opt = withDefaults(opt)
	return &Worker{store: store, opt: opt, nudge: make(chan struct{}, 1)}, nil
}

// withDefaults fills opt's zero fields.
func withDefaults(opt Options) Options {
	dur := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	dur(&opt.Timeout, 15*time.Second)
	dur(&opt.Poll, time.Second)
	dur(&opt.Lease, 2*time.Minute)
	dur(&opt.MaxAge, 24*time.Hour)
	dur(&opt.BaseDelay, 5*time.Second)
	dur(&opt.MaxDelay, time.Hour)
	dur(&opt.Retention, 7*24*time.Hour)
	if opt.Client == nil {
		opt.Client = &http.Client{Timeout: opt.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	} else if opt.Client.Timeout > 0 {
		opt.Timeout = opt.Client.Timeout
	}
	opt.Lease = max(opt.Lease, 2*opt.Timeout) // room for at least one attempt a claim
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Batch <= 0 {
		opt.Batch = 16
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Jitter == nil {
		opt.Jitter = func(d time.Duration) time.Duration { return rand.N(d) }
	}
	return opt
}

// Stats returns the worker's counts.
func (w *Worker) Stats() Stats {
	return Stats{Delivered: w.delivered.Load(), Failed: w.failed.Load(), Dead: w.dead.Load()}
}

// Nudge makes a running worker look for due deliveries now instead of at
// its next poll. It never blocks.
func (w *Worker) Nudge() {
	select {
	case w.nudge <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends, then returns. It claims and delivers
// batches while there are due deliveries, then waits for Poll or a
// Nudge; it prunes old rows at start and hourly. Store errors are logged
// and retried at the next poll.
func (w *Worker) Run(ctx context.Context) {
	poll := time.NewTimer(0)
	defer poll.Stop()
	nextPrune := w.opt.Now()
	for {
		if now := w.opt.Now(); !now.Before(nextPrune) {
			w.Prune(ctx)
			nextPrune = now.Add(time.Hour)
		}
		// An instance without endpoints claims nothing: fanning the
		// messages out to no endpoint would mark them done for every
		// instance (one started without --webhook-url in a cluster that
		// has it). It only prunes, which bounds the outbox all the same.
		n, err := 0, error(nil)
		if len(w.opt.Endpoints) > 0 {
			n, err = w.RunOnce(ctx)
		}
		if err != nil && ctx.Err() == nil {
			w.opt.Logger.Warn("webhooks: cannot claim deliveries", "err", err)
		}
		if n == w.opt.Batch && err == nil {
			continue // more may be due
		}
		poll.Reset(w.opt.Poll)
		select {
		case <-ctx.Done():
			return
		case <-w.nudge:
		case <-poll.C:
		}
	}
}

// Prune deletes delivered and dead deliveries older than Retention, and
// their messages, in batches.
func (w *Worker) Prune(ctx context.Context) {
	const batch = 1000
	before := w.opt.Now().Add(-w.opt.Retention)
	for {
		n, err := w.store.DeleteWebhooksBefore(ctx, before, batch)
		if err != nil {
			w.opt.Logger.Warn("webhooks: cannot prune", "err", err)
			return
		}
		if n < batch {
			return
		}
	}
}

// RunOnce claims one batch of due deliveries, attempts each, records
// every outcome, and returns how many it claimed. Endpoints are served at
// once, each on its own; the deliveries to one endpoint go one after
// another in the order claimed (earliest due first), so that a receiver
// usually sees a user disabled before enabled again. Usually, not always:
// a failed attempt is retried later, after the messages behind it, so
// receivers order events by their timestamp.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	// The lease runs from before the claim, which may wait for the
	// database: real time, on which the attempts' timeouts run too.
	leased := time.Now()
	claimed, err := w.store.ClaimWebhooks(ctx, w.opt.Endpoints, w.opt.Now(), w.opt.Lease, w.opt.Batch)
	if err != nil {
		return 0, err
	}
	queues := map[string][]vigil.WebhookDelivery{}
	for _, d := range claimed {
		queues[d.Endpoint] = append(queues[d.Endpoint], d)
	}
	var wg sync.WaitGroup
	for _, q := range queues {
		wg.Go(func() {
			for _, d := range q {
				// An attempt that could outlast the lease is not begun:
				// another worker may take the delivery when the lease
				// ends, and two attempts would run at once. The rest of
				// the queue waits for the lease to end, then is claimed
				// again.
				if time.Since(leased)+w.opt.Timeout > w.opt.Lease {
					return
				}
				w.deliver(ctx, d)
			}
		})
	}
	wg.Wait()
	return len(claimed), nil
}

// deliver makes one attempt and records its outcome. An attempt cut short
// by ctx (shutdown) before an answer came is not recorded: the lease ends
// and another attempt follows. An answered one is recorded even when ctx
// ended meanwhile, so that a receiver's 2xx does not bring the message
// again after a restart.
func (w *Worker) deliver(ctx context.Context, d vigil.WebhookDelivery) {
	status, retryAfter, err := w.send(ctx, d)
	if ctx.Err() != nil {
		if status == 0 {
			return
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
		defer cancel()
	}
	now := w.opt.Now()
	a := vigil.WebhookAttempt{At: now, Status: status}
	log := w.opt.Logger.With("webhook_id", d.Message.ID, "type", d.Message.Type, "endpoint", Host(d.Endpoint),
		"delivery", d.ID, "attempt", d.Attempts+1)
	if err == nil {
		w.delivered.Add(1)
		w.record(ctx, log, "delivered", w.store.WebhookDelivered(ctx, d.ID, a))
		return
	}
	w.failed.Add(1)
	a.Error = err.Error()
	deadline := d.Since.Add(w.opt.MaxAge)
	// 410 Gone: the receiver wants no more (Standard Webhooks,
	// "Delivery success and failure").
	if status == http.StatusGone || !now.Before(deadline) {
		w.dead.Add(1)
		log.Error("webhooks: delivery given up", "status", status, "err", a.Error)
		w.record(ctx, log, "given up", w.store.KillWebhook(ctx, d.ID, a))
		return
	}
	next := now.Add(max(w.backoff(d.Attempts+1), min(retryAfter, w.opt.MaxDelay)))
	if next.After(deadline) {
		next = deadline // one last attempt at the end of the window
	}
	log.Warn("webhooks: delivery failed", "status", status, "err", a.Error, "next", next)
	w.record(ctx, log, "retry", w.store.RetryWebhook(ctx, d.ID, a, next))
}

// record logs a store error in recording an outcome; the lease then ends
// and the delivery is attempted again.
func (w *Worker) record(ctx context.Context, log *slog.Logger, what string, err error) {
	if err != nil && ctx.Err() == nil {
		log.Warn("webhooks: cannot record the outcome", "outcome", what, "err", err)
	}
}

// backoff is the wait after the n-th failed attempt: full jitter below
// BaseDelay·2^(n-1), capped at MaxDelay, and at least a second (AWS
// Architecture Blog, "Exponential Backoff and Jitter").
func (w *Worker) backoff(n int) time.Duration {
	ceiling := w.opt.MaxDelay
	if n-1 < 32 && w.opt.BaseDelay<<(n-1) < ceiling && w.opt.BaseDelay<<(n-1) > 0 {
		ceiling = w.opt.BaseDelay << (n - 1)
	}
	return max(time.Second, w.opt.Jitter(ceiling))
}

// send POSTs d's message, signed, and returns the response's status and
// Retry-After; err is nil only for a 2xx.
func (w *Worker) send(ctx context.Context, d vigil.WebhookDelivery) (status int, retryAfter time.Duration, err error) {
	body, err := Payload(d.Message)
	if err != nil {
		return 0, 0, err
	}
	// Timeout bounds the attempt even with a Client that has none: an
	// attempt must not outlast the lease it was begun in.
	ctx, cancel := context.WithTimeout(ctx, w.opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Endpoint, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	now := w.opt.Now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "vigil-webhooks")
	Headers(req.Header, w.opt.Secrets, d.Message.ID, now, body)
	resp, err := w.opt.Client.Do(req)
	if err != nil {
		return 0, 0, cause(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, responseLimit))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, 0, nil
	}
	return resp.StatusCode, parseRetryAfter(resp.Header.Get("Retry-After"), now), errors.New(resp.Status)
}

// Payload returns the body of the webhook of m (Standard Webhooks,
// "Payload structure"): {"type", "timestamp", "data"}.
func Payload(m vigil.WebhookMessage) ([]byte, error) {
	return json.Marshal(struct {
		Type      string          `json:"type"`
		Timestamp time.Time       `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}{m.Type, m.Time.UTC(), m.Data})
}

// parseRetryAfter reads a Retry-After header, in seconds or an HTTP date
// (RFC 9110 §10.2.3); 0 if absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// cause returns the reason of a client error without its URL, which may
// carry a credential in its query.
func cause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return errors.New("timeout")
		}
		return ue.Err
	}
	return err
}

// Host returns the host of an endpoint URL: what vigil shows of an
// endpoint in logs and pages (its path and query may carry a credential).
func Host(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Host
}
