package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/vigilhttp"
)

// Deps is what NewServer needs: the engine and the one session layer, and
// the other surfaces it mounts beside the API. Engine and Sessions are
// required; the zero values of the others take the defaults noted.
type Deps struct {
	Engine *auth.Engine
	// Sessions is the session layer the API, the pages and the reverse
	// proxy share (its --dev cookies also turn HSTS off).
	Sessions *vigilhttp.Sessions
	Logger   *slog.Logger // default slog.Default()
	// PublicURL is the external origin, trusted by the cross-origin check
	// (--public-url). Default: none.
	PublicURL *url.URL
	// Ready reports whether this instance should get requests (GET
	// /readyz): nil when it should; ErrDraining while it is stopping;
	// any other error while it cannot serve (the store is unreachable, or
	// its writes fail). Nil Ready is always ready.
	Ready       func(ctx context.Context) error
	IdleWarning time.Duration // how long before the idle timeout pages warn; default 2m
	// RoutePrefix ("" or "/name", --route-prefix) moves every route of
	// vigil's own — the API, /healthz, /readyz, the pages — under it; the
	// prefix is stripped before they see a request. Outside it: App, or
	// without one a redirect from "/" to the prefix.
	RoutePrefix string
	// Pages are the pages (web.Pages), mounted under /auth/ and, unless
	// App takes it, at "/". Default: none.
	Pages Pages
	// App answers every request outside vigil's own routes (--upstream:
	// the reverse proxy, package proxy). Default: none.
	App http.Handler
}

// Pages is what NewServer mounts of the pages (web.Pages).
type Pages interface {
	// ServeHTTP answers every path under /auth/ but the static files.
	http.Handler
	// Static serves GET /auth/static/{file}.
	Static() http.Handler
	// Home answers GET /.
	Home() http.Handler
	// CrossOriginRefused answers a request for a page that the
	// cross-origin check refused (a form posted from another site).
	CrossOriginRefused(w http.ResponseWriter, r *http.Request)
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
	pages       Pages  // nil without pages
	prefix      string // the route prefix
}

// NewServer returns vigil's whole HTTP tree as one handler: the API and
// forward auth, /healthz and /readyz, the pages and their static files,
// "/", and App, each mounted once (mount.go) behind one middleware chain:
// request id, panic recovery, security headers, the cross-origin check
// (SPEC §3 CSRF layer 1), and the body limit on vigil's own routes.
func NewServer(d Deps) http.Handler {
	if d.Engine == nil || d.Sessions == nil {
		panic("httpapi: NewServer needs an Engine and Sessions")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Ready == nil {
		d.Ready = func(context.Context) error { return nil }
	}
	if d.IdleWarning <= 0 {
		d.IdleWarning = 2 * time.Minute
	}
	s := &server{engine: d.Engine, log: d.Logger, sessions: d.Sessions, cookies: d.Sessions.Cookies(), ready: d.Ready,
		idleWarning: d.IdleWarning, hsts: !d.Sessions.Cookies().Dev, pages: d.Pages, prefix: d.RoutePrefix}
	s.cop = newCrossOrigin(d.PublicURL, s.csrfRejected)
	h := s.mount(d.App)
	h = s.cop.Handler(h)
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
