package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/vigilhttp"
)

// Deps is what the API needs.
type Deps struct {
	Engine         *auth.Engine
	Logger         *slog.Logger
	Dev            bool           // plain-HTTP cookie, no HSTS
	PublicURL      *url.URL       // the external origin, trusted for Origin checks
	TrustedProxies []netip.Prefix // whose X-Forwarded-* headers are believed
	// Ready reports whether this instance should get requests (GET
	// /readyz): nil when it should; ErrDraining while it is stopping;
	// any other error while it cannot serve (the store is unreachable, or
	// its writes fail). Nil Ready is always ready.
	Ready       func(ctx context.Context) error
	IdleWarning time.Duration // how long before the idle timeout pages warn; default 2m
	// Extra lets the caller add routes (the pages) to the same mux.
	Extra func(mux *http.ServeMux, s *vigilhttp.Sessions)
	// Fallback, if set, makes the handler of every request outside vigil's
	// own routes (the reverse proxy to --upstream), given the API's
	// sessions; it runs behind the same middleware: the cross-origin
	// check, the body limit, the security headers.
	Fallback func(s *vigilhttp.Sessions) http.Handler
	// RoutePrefix ("" or "/name", --route-prefix) moves every route of
	// vigil's own — the API, /healthz, /readyz and Extra's — under it; the
	// prefix is stripped before they see a request. Outside it: Fallback,
	// or without one a redirect from "/" to the prefix.
	RoutePrefix string
	// RefusedPage, if set, answers a request for a page (a path under
	// /auth/, outside /auth/static/) that the cross-origin check refused,
	// in place of the JSON error: a person whose form was refused gets a
	// page (web.Pages.CrossOriginRefused). Either way the refusal is
	// audited and the status is 403.
	RefusedPage http.HandlerFunc
}

// server holds what the handlers share.
type server struct {
	engine   *auth.Engine
	log      *slog.Logger
	sessions *vigilhttp.Sessions
	cookies  vigilhttp.Cookies
	cop      *http.CrossOriginProtection
	ready    func(ctx context.Context) error
	// idleWarning is reported with the session for the pages' warning.
	idleWarning time.Duration
	hsts        bool
	refusedPage http.HandlerFunc
	prefix      string // the route prefix
}

// NewServer returns the API as one handler.
func NewServer(d Deps) http.Handler {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Ready == nil {
		d.Ready = func(context.Context) error { return nil }
	}
	if d.IdleWarning <= 0 {
		d.IdleWarning = 2 * time.Minute
	}
	s := &server{engine: d.Engine, log: d.Logger, ready: d.Ready, idleWarning: d.IdleWarning, hsts: !d.Dev, refusedPage: d.RefusedPage, prefix: d.RoutePrefix}
	s.sessions = vigilhttp.New(d.Engine, vigilhttp.Options{Dev: d.Dev, TrustedProxies: d.TrustedProxies, Logger: d.Logger})
	s.cookies = s.sessions.Cookies()
	s.cop = newCrossOrigin(d.PublicURL, s.csrfRejected)
	mux := http.NewServeMux()
	s.routes(mux, d.Fallback == nil || d.RoutePrefix != "")
	if d.Extra != nil {
		d.Extra(mux, s.sessions)
	}
	var fallback http.Handler
	if d.Fallback != nil {
		fallback = d.Fallback(s.sessions)
	}
	ours := func(*http.Request) bool { return true }
	var h http.Handler = mux
	switch {
	case d.RoutePrefix != "":
		root := http.NewServeMux()
		root.Handle(d.RoutePrefix+"/", stripPrefix(d.RoutePrefix, mux))
		if fallback != nil {
			root.Handle("/", fallback)
		} else {
			root.Handle("GET /{$}", http.RedirectHandler(d.RoutePrefix+"/", http.StatusFound))
			s.strayAPI(root, d.RoutePrefix)
		}
		h = root
		ours = func(r *http.Request) bool {
			return r.URL.Path == d.RoutePrefix || strings.HasPrefix(r.URL.Path, d.RoutePrefix+"/")
		}
	case fallback != nil:
		mux.Handle("/", fallback)
		ours = func(r *http.Request) bool { _, pattern := mux.Handler(r); return pattern != "/" }
	}
	h = s.cop.Handler(h)
	h = limitBody(ours, h)
	h = s.securityHeaders(h)
	h = s.recoverPanics(h)
	h = vigilhttp.WithRequestID(h)
	return &front{verifyPath: d.RoutePrefix + "/api/auth/verify", verify: s.recoverPanics(s.serve(s.verify)), chain: h}
}

// front sends forward auth's answers around the middleware chain: GET
// /api/auth/verify without a body runs on every request a proxy passes on,
// and its 200 is read by the proxy, not a browser, so it skips the request
// id, the page-oriented security headers and the router (verify sets what
// its answer needs; a refusal gets every header the chain would set).
type front struct {
	verifyPath    string // under the route prefix
	verify, chain http.Handler
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == f.verifyPath && r.ContentLength == 0 {
		f.verify.ServeHTTP(w, r)
		return
	}
	f.chain.ServeHTTP(w, r)
}
