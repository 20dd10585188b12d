package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/httpapi"
	"github.com/vigilauth/vigil/internal/config"
	"github.com/vigilauth/vigil/internal/health"
	"github.com/vigilauth/vigil/internal/lograte"
	"github.com/vigilauth/vigil/password"
	"github.com/vigilauth/vigil/proxy"
	"github.com/vigilauth/vigil/redis"
	"github.com/vigilauth/vigil/vigilhttp"
	"github.com/vigilauth/vigil/web"
)

// serve runs the server until ctx ends, then shuts down gracefully.
func serve(ctx context.Context, e *env, args []string) error {
	cfg, _, err := config.Load(args, e.getenv)
	if errors.Is(err, flag.ErrHelp) {
		config.Usage(e.stdout)
		return err
	}
	if err != nil {
		// Flags or their environment twins that cannot be used: a usage
		// error (exit 2, SPEC §1), every problem listed.
		return &usageError{strings.TrimSpace(err.Error()) + "\n(run vigil serve --help for the flags)"}
	}
	log := newLogger(e, cfg.LogFormat)
	defer flushLog(log)
	for _, w := range cfg.Warnings() {
		log.Warn("vigil: setting without effect: " + w)
	}
	store, err := openStore(ctx, cfg.DB, log)
	if err != nil {
		return err
	}
	if cfg.Redis != "" {
		client, err := redis.Connect(cfg.Redis)
		if err != nil {
			store.Close()
			return err
		}
		redis.LogTo(log)
		store = redis.Wrap(store, client, "", log)
	}
	defer store.Close()
	// Ready while the store answers and its writes succeed: an instance
	// whose disk is full is taken out of the load balancer.
	store, writes := health.Watch(store, health.Options{})
	mfaSettings, err := secondFactors(cfg)
	if err != nil {
		return err
	}
	mfaSettings.Issuer = cfg.Brand // authenticator apps list the clinic's name ("": vigil)
	passkeys, err := passkeyOptions(publicURL(cfg), cfg.Dev, cfg.Addr)
	if err != nil {
		return err
	}
	passkeys.RPName = cfg.Brand // authenticators show the clinic's name beside the account ("": vigil)
	engine, hasher := newEngine(store, cfg.Policy(), cfg.PasswordMinLength, auth.Options{ResetTokenTTL: cfg.ResetTokenTTL, Logger: log,
		CacheSize: cacheSize(cfg.SessionCache), DeviceBinding: deviceBinding(cfg), MFA: mfaSettings, Passkeys: passkeys})
	warnShortBoundCookie(cfg, log)
	audit, err := auditWork(store, cfg, log)
	if err != nil {
		return err
	}
	// The webhook worker and the SIEM stream run until serve returns,
	// after the drain: what the last requests did is still sent.
	hooks, stopHooks, err := startWebhooks(ctx, store, cfg.WebhookURLs, cfg.WebhookSecretFile, log)
	if err != nil {
		return err
	}
	defer stopHooks()
	stopStream, err := startAuditStream(context.WithoutCancel(ctx), store, cfg.AuditStream, e.stdout, log)
	if err != nil {
		return err
	}
	defer stopStream()
	hashWorkers(hasher, e, log)
	defer hasher.Close()
	if cfg.Demo {
		if err := createDemoUsers(ctx, engine, e.stdout); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	if cfg.Demo {
		fmt.Fprintf(e.stdout, "\nOpen %s and sign in as one of them.\n", signInURL(ln.Addr(), cfg.RoutePrefix))
	}
	stop := &drain{grace: cfg.ShutdownGrace}
	handler := stop.handler(newHandler(cfg, engine, passkeys.Enabled(), stop.ready(writes.Ready), log))
	if cfg.MetricsAddr != "" {
		m := newMetrics(engine, hasher)
		m.addWebhooks(hooks, store)
		handler = m.instrument(handler)
		// Until serve returns: the metrics show the drain too.
		life, end := context.WithCancel(context.WithoutCancel(ctx))
		defer end()
		if err := m.serve(life, cfg.MetricsAddr, log); err != nil {
			return err
		}
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return runServer(ctx, srv, ln, engine, log, cfg.Dev, stop, audit)
}

// newHandler is the whole HTTP tree of serve, built here once: the one
// session layer; over it the surfaces — the API with forward auth and
// health, the pages, and with --upstream the reverse proxy — which
// httpapi.NewServer mounts behind one middleware chain. ready reports
// whether the store can serve (GET /readyz).
func newHandler(cfg *config.Config, engine *auth.Engine, passkeysOn bool, ready func(context.Context) error, log *slog.Logger) http.Handler {
	sessions := vigilhttp.New(engine, vigilhttp.Options{Dev: cfg.Dev, TrustedProxies: cfg.TrustedProxies, Logger: log,
		RoutePrefix: cfg.RoutePrefix, PublicURL: cfg.PublicURL, IdentityHeaders: cfg.IdentityHeaders})
	pages := web.New(web.Deps{
		Engine: engine, Sessions: sessions, Logger: log, IdleWarning: cfg.IdleWarning,
		PasswordRules: password.NewPolicy(cfg.PasswordMinLength).Describe(), PublicURL: cfg.PublicURL,
		RoutePrefix: cfg.RoutePrefix, Brand: cfg.Brand, Passkeys: passkeysOn,
	})
	return httpapi.NewServer(httpapi.Deps{
		Engine: engine, Sessions: sessions, Logger: log, PublicURL: cfg.PublicURL, Ready: ready,
		IdleWarning: cfg.IdleWarning, RoutePrefix: cfg.RoutePrefix, Pages: pages, App: upstream(cfg, sessions, log),
	})
}

// runServer serves on ln with the engine's background work until ctx ends,
// then drains: /readyz answers 503 at once while the listener keeps
// serving for the grace period, so a load balancer takes the instance out
// before it stops accepting; then it shuts down gracefully.
func runServer(ctx context.Context, srv *http.Server, ln net.Listener, engine *auth.Engine, log *slog.Logger, dev bool, d *drain, jobs ...func(context.Context)) error {
	// The engine keeps the session cache current until the last request.
	bg, stopBg := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBg()
	go engine.Run(bg)
	go engine.Sweep(bg)
	for _, job := range jobs {
		go job(bg)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	scheme := "https (behind TLS termination)"
	if dev {
		scheme = "http (development: cookies without Secure)"
	}
	log.Info("vigil listening", "addr", ln.Addr().String(), "mode", scheme)
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	if err := d.wait(log, errc); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	shutdown, stop := context.WithTimeout(bg, 10*time.Second)
	defer stop()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("vigil stopped")
	return nil
}

// drain is serve's stop sequence (--shutdown-grace): once it begins,
// /readyz answers 503 "draining" while requests are still served for the
// grace period.
type drain struct {
	grace time.Duration
	on    atomic.Bool
}

// ready is the readiness of serve: httpapi.ErrDraining once the drain has
// begun, else what store says.
func (d *drain) ready(store func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		if d.on.Load() {
			return httpapi.ErrDraining
		}
		return store(ctx)
	}
}

// handler asks clients to close their connection after each answer while
// draining, so that their next request goes through the load balancer to
// another instance instead of reusing this one's connection.
func (d *drain) handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.on.Load() {
			w.Header().Set("Connection", "close")
		}
		h.ServeHTTP(w, r)
	})
}

// wait begins the drain and returns when the grace period is over, or
// with the server's error if it stopped serving meanwhile.
func (d *drain) wait(log *slog.Logger, errc <-chan error) error {
	d.on.Store(true)
	if d.grace <= 0 {
		return nil
	}
	log.Info("vigil draining: /readyz answers 503, requests are served until the grace period ends", "grace", d.grace)
	t := time.NewTimer(d.grace)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case err := <-errc:
		return err
	}
}

// upstream is, with --upstream, the reverse proxy that serves every path
// outside vigil's own routes, over the sessions of vigil's own (nil
// without).
func upstream(cfg *config.Config, s *vigilhttp.Sessions, log *slog.Logger) http.Handler {
	if cfg.Upstream == nil {
		return nil
	}
	return proxy.New(cfg.Upstream, s, proxy.Options{PublicPaths: cfg.PublicPaths, Logger: log,
		LoginPath: cfg.RoutePrefix + "/auth/login", PublicURL: cfg.PublicURL})
}

// newLogger logs to stderr in format, with warnings and errors of one kind
// (an outage's store errors) written at most once a second, with a count
// (package lograte).
func newLogger(e *env, format string) *slog.Logger {
	var h slog.Handler = slog.NewTextHandler(e.stderr, nil)
	if format == "json" {
		h = slog.NewJSONHandler(e.stderr, nil)
	}
	return slog.New(lograte.New(h, time.Second))
}

// flushLog writes the repeats log still holds back.
func flushLog(log *slog.Logger) {
	if h, ok := log.Handler().(*lograte.Handler); ok {
		h.Flush()
	}
}

// chromiumRefreshAhead is how long before its bound cookie lapses
// Chromium renews it at every request in the session's scope (measured on
// Chromium 150: 2 minutes); with a shorter cookie every request signs, and
// Chromium's signing quota (6 in some minutes) runs out at once.
const chromiumRefreshAhead = 2 * time.Minute

// warnShortBoundCookie warns when --device-binding-cookie-lifetime is
// so short that Chromium refreshes at every request and soon stops, so
// that a bound session is refused once its last cookie lapses: fine in a
// test, not for people.
func warnShortBoundCookie(cfg *config.Config, log *slog.Logger) {
	if cfg.DeviceBinding == "optional" && cfg.DeviceBindingCookieLifetime < chromiumRefreshAhead+time.Minute {
		log.Warn("--device-binding-cookie-lifetime is under 3m: Chromium refreshes a bound cookie at every request in its last 2 minutes "+
			"and allows only a few refreshes in some minutes, so bound sessions will be refused; use 5m or more outside tests",
			"lifetime", cfg.DeviceBindingCookieLifetime)
	}
}

// deviceBinding maps the --device-binding flags to the engine's settings.
func deviceBinding(cfg *config.Config) auth.DeviceBinding {
	return auth.DeviceBinding{Offer: cfg.DeviceBinding == "optional", Required: cfg.DeviceBindingRequired,
		Grace: cfg.DeviceBindingGrace, CookieLifetime: cfg.DeviceBindingCookieLifetime}
}

// cacheSize maps --session-cache to the engine's setting (0: no cache).
func cacheSize(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// signInURL is the sign-in page of a development server listening on addr:
// a browser on the same machine reaches an address that listens on every
// interface, or on a loopback address, as localhost — the name passkeys
// need in development (an IP address is no relying party id).
func signInURL(addr net.Addr, prefix string) string {
	host := addr.String()
	if tcp, ok := addr.(*net.TCPAddr); ok && (tcp.IP.IsUnspecified() || tcp.IP.IsLoopback()) {
		host = net.JoinHostPort("localhost", strconv.Itoa(tcp.Port))
	}
	return "http://" + host + prefix + "/auth/login"
}

// publicURL is --public-url as text, "" when not given.
func publicURL(cfg *config.Config) string {
	if cfg.PublicURL == nil {
		return ""
	}
	return cfg.PublicURL.String()
}
