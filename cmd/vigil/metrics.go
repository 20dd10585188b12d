package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/password"
)

// metrics is the Prometheus registry of one server: the engine's counters,
// the password hasher's load, HTTP requests, and the Go runtime.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(engine *auth.Engine, hasher *password.Hasher) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vigil_http_requests_total", Help: "HTTP requests answered, by method and status code.",
	}, []string{"method", "code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "vigil_http_request_duration_seconds", Help: "Time to answer HTTP requests.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"method"})
	m.reg.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	stat := func(name, help string, kind prometheus.ValueType, f func(auth.Stats) float64) {
		m.reg.MustRegister(newFuncMetric(name, help, kind, func() float64 { return f(engine.Stats()) }))
	}
	counter, gauge := prometheus.CounterValue, prometheus.GaugeValue
	stat("vigil_session_checks_total", "Session checks.", counter, func(s auth.Stats) float64 { return float64(s.Checks) })
	stat("vigil_session_cache_hits_total", "Session checks answered from the in-process cache.", counter, func(s auth.Stats) float64 { return float64(s.CacheHits) })
	stat("vigil_session_unknown_tokens_total", "Session checks with a token vigil does not know.", counter, func(s auth.Stats) float64 { return float64(s.Unauthenticated) })
	stat("vigil_sessions_expired_total", "Sessions ended by inactivity or lifetime.", counter, func(s auth.Stats) float64 { return float64(s.Expired) })
	stat("vigil_sessions_revoked_total", "Sessions ended by logout, password change, admin or limit.", counter, func(s auth.Stats) float64 { return float64(s.Revoked) })
	stat("vigil_logins_total", "Successful logins.", counter, func(s auth.Stats) float64 { return float64(s.Logins) })
	stat("vigil_login_failures_total", "Wrong credentials, at login or password re-entry.", counter, func(s auth.Stats) float64 { return float64(s.LoginFailures) })
	stat("vigil_logins_throttled_total", "Attempts refused by the throttle.", counter, func(s auth.Stats) float64 { return float64(s.LoginsThrottled) })
	stat("vigil_session_cache_sessions", "Sessions in the in-process cache.", gauge, func(s auth.Stats) float64 { return float64(s.CachedSessions) })
	stat("vigil_session_cache_fresh", "1 while the cache may answer (revocation log read within 100 ms).", gauge, func(s auth.Stats) float64 {
		if s.CacheFresh {
			return 1
		}
		return 0
	})
	m.reg.MustRegister(newFuncMetric("vigil_password_hashes_running", "argon2id computations running now.", gauge, func() float64 {
		n, _ := hasher.Running()
		return float64(n)
	}))
	return m
}

// newFuncMetric is a metric whose value is read at scrape time.
func newFuncMetric(name, help string, kind prometheus.ValueType, f func() float64) prometheus.Collector {
	if kind == prometheus.CounterValue {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, f)
	}
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f)
}

// instrument counts and times every request h answers.
func (m *metrics) instrument(h http.Handler) http.Handler {
	return promhttp.InstrumentHandlerCounter(m.requests,
		promhttp.InstrumentHandlerDuration(m.duration.MustCurryWith(nil), h))
}

// serve answers GET /metrics on addr until ctx ends.
func (m *metrics) serve(ctx context.Context, addr string, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	log.Info("metrics listening", "addr", ln.Addr().String())
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "err", err)
		}
	}()
	return nil
}
