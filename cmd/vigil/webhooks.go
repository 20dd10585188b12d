package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/webhook"
)

// startWebhooks runs serve's webhook worker over store until stop is
// called: it delivers every message of the outbox to each of urls, signed
// with every secret of secretFile. With no urls it runs too, with no
// secret needed: it only prunes old messages, so the outbox stays bounded
// and an instance started without --webhook-url takes no message away
// from the instances that have it. Every instance runs one; the store's
// leases give each delivery to one of them at a time. stop ends the
// worker and waits for it; an attempt it cuts short is made again later.
func startWebhooks(ctx context.Context, store vigil.WebhookOutbox, urls []*url.URL, secretFile string, log *slog.Logger) (w *webhook.Worker, stop func(), err error) {
	opt := webhook.Options{Logger: log}
	for _, u := range urls {
		opt.Endpoints = append(opt.Endpoints, u.String())
	}
	if len(urls) > 0 {
		if opt.Secrets, err = webhook.LoadSecrets(secretFile); err != nil {
			return nil, nil, err
		}
	}
	if w, err = webhook.New(store, opt); err != nil {
		return nil, nil, err
	}
	run, end := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { w.Run(run) })
	if len(urls) > 0 {
		hosts := make([]string, len(urls))
		for i, u := range urls {
			hosts[i] = u.Host
		}
		log.Info("webhooks: delivering", "endpoints", hosts, "secrets", len(opt.Secrets))
	}
	return w, func() { end(); wg.Wait() }, nil
}

// addWebhooks registers the webhook metrics: the worker's counts since
// start, and the outbox's pending and dead deliveries, read at scrape
// time (-1 when the store cannot be read).
func (m *metrics) addWebhooks(w *webhook.Worker, store vigil.WebhookOutbox) {
	counter := func(name, help string, f func(webhook.Stats) uint64) {
		m.reg.MustRegister(newFuncMetric(name, help, prometheus.CounterValue, func() float64 { return float64(f(w.Stats())) }))
	}
	counter("vigil_webhooks_delivered_total", "Webhook attempts answered 2xx.", func(s webhook.Stats) uint64 { return s.Delivered })
	counter("vigil_webhooks_failed_total", "Webhook attempts that failed (each retry counts).", func(s webhook.Stats) uint64 { return s.Failed })
	counter("vigil_webhooks_dead_total", "Webhook deliveries given up by this instance.", func(s webhook.Stats) uint64 { return s.Dead })
	m.reg.MustRegister(newWebhookCounts(store))
}

// webhookCounts collects the outbox's counts with one store read per
// scrape.
type webhookCounts struct {
	store         vigil.WebhookOutbox
	pending, dead *prometheus.Desc
}

func newWebhookCounts(store vigil.WebhookOutbox) *webhookCounts {
	return &webhookCounts{store: store,
		pending: prometheus.NewDesc("vigil_webhooks_pending", "Webhook deliveries waiting: due, or waiting for a retry.", nil, nil),
		dead:    prometheus.NewDesc("vigil_webhooks_dead", "Webhook deliveries given up (dead letters, on the admin page and in vigil webhooks list).", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *webhookCounts) Describe(ch chan<- *prometheus.Desc) { ch <- c.pending; ch <- c.dead }

// Collect implements prometheus.Collector.
func (c *webhookCounts) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := c.store.CountWebhooks(ctx)
	if err != nil {
		n = vigil.WebhookCounts{Pending: -1, Dead: -1}
	}
	ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(n.Pending))
	ch <- prometheus.MustNewConstMetric(c.dead, prometheus.GaugeValue, float64(n.Dead))
}

// deadLetterLimit is how many dead letters the CLI lists.
const deadLetterLimit = 500

// webhooksList prints the dead letters: deliveries given up.
func webhooksList(ctx context.Context, e *env, args []string) error {
	f := newCLIFlags("webhooks list")
	asJSON := f.Bool("json", false, "one JSON object per line")
	if _, err := f.parse(e, args, 0); err != nil {
		return err
	}
	return withEngine(ctx, e, f.db, func(eng *auth.Engine) error {
		letters, err := eng.FailedWebhooks(ctx, deadLetterLimit)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSONLines(e.stdout, letters, func(d vigil.WebhookDelivery) any { return webhook.DeadLetterOf(d) })
		}
		if len(letters) == 0 {
			fmt.Fprintln(e.stdout, "no webhook delivery has failed for good")
			return nil
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tTYPE\tENDPOINT\tATTEMPTS\tLAST ERROR\tGIVEN UP\tWEBHOOK-ID")
		for _, d := range letters {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\n", d.ID, d.Message.Type, webhook.Host(d.Endpoint), d.Attempts,
				dash(d.LastError), when(d.LastAt), d.Message.ID)
		}
		tw.Flush()
		fmt.Fprintln(e.stdout, "(vigil webhooks retry ID tries one again for another 24 hours)")
		return nil
	})
}

// webhooksRetry revives a dead letter: a running instance delivers it
// within a second or so, retrying for another 24 hours.
func webhooksRetry(ctx context.Context, e *env, args []string) error {
	f := newCLIFlags("webhooks retry")
	pos, err := f.parse(e, args, 1)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return usagef("webhooks retry: %q is not a delivery id (the ID column of vigil webhooks list)", pos[0])
	}
	return withEngine(ctx, e, f.db, func(eng *auth.Engine) error {
		if err := eng.RetryWebhook(ctx, id, cliActor); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "delivery %d will be tried again by the running server\n", id)
		return nil
	})
}
