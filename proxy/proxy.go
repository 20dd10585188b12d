package proxy

import (
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	pathpkg "path"
	"slices"
	"strconv"
	"strings"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/vigilhttp"
)

// Options configure the proxy.
type Options struct {
	// PublicPaths are path prefixes passed on without a session.
	PublicPaths []string
	// LoginPath is where a page request without a session is sent
	// (default /auth/login).
	LoginPath string
	// PublicURL is the external origin (--public-url): the host the
	// upstream is told the client asked for, and the scheme unless the
	// connection or a trusted proxy (the sessions' TrustedProxies) says
	// which. Default: none.
	PublicURL *url.URL
	Logger    *slog.Logger
}

// Proxy passes requests with a live session to the upstream.
type Proxy struct {
	sessions *vigilhttp.Sessions
	rp       *httputil.ReverseProxy
	opt      Options
}

// New returns the proxy to upstream, checking sessions with s, the session
// layer of vigil's own routes (whose trusted proxies and client address
// the proxy's forwarding view takes too).
func New(upstream *url.URL, s *vigilhttp.Sessions, opt Options) *Proxy {
	if opt.LoginPath == "" {
		opt.LoginPath = "/auth/login"
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	p := &Proxy{sessions: s, opt: opt}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) { p.rewrite(pr, upstream) },
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			opt.Logger.Error("upstream unreachable", "path", r.URL.Path, "err", err)
			vigilhttp.WriteJSON(w, http.StatusBadGateway, map[string]string{
				"error": "The application is unreachable. Please try again shortly.", "code": "BAD_GATEWAY"})
		},
	}
	return p
}

// ServeHTTP passes r on when its path is public or its session is live;
// otherwise a page request is sent to sign in and anything else gets the
// API's 401.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.public(r.URL) {
		p.rp.ServeHTTP(w, r)
		return
	}
	cur, err := p.sessions.Check(r)
	if err != nil {
		p.refuse(w, r, err)
		return
	}
	p.rp.ServeHTTP(w, r.WithContext(vigilhttp.WithCurrent(r.Context(), cur)))
}

// public reports whether path is under one of the public prefixes, on a
// segment boundary ("/static" covers "/static/x", not "/statics").
//
// Only a plain path can be public: one with dot segments, a backslash, or
// an encoded slash, backslash or dot (/static/%2e%2e/records) is judged
// as the app behind might read it once decoded or normalised — somewhere
// else — so it needs a session like any other path.
func (p *Proxy) public(u *url.URL) bool {
	path := u.Path
	if len(p.opt.PublicPaths) == 0 || !plainPath(u) {
		return false
	}
	for _, pre := range p.opt.PublicPaths {
		if path == pre || strings.HasPrefix(path, strings.TrimSuffix(pre, "/")+"/") {
			return true
		}
	}
	return false
}

// plainPath reports whether u's path reads the same to any server:
// already clean (no "." or ".." segments, no "//"), no backslash, and
// nothing percent-encoded that decodes to "/", "\\" or ".".
func plainPath(u *url.URL) bool {
	p := u.Path
	if strings.Contains(p, "\\") {
		return false
	}
	if c := pathpkg.Clean(p); c != p && c+"/" != p {
		return false
	}
	esc := strings.ToLower(u.EscapedPath())
	return !strings.Contains(esc, "%2f") && !strings.Contains(esc, "%5c") && !strings.Contains(esc, "%2e")
}

// refuse answers a request without a live session.
func (p *Proxy) refuse(w http.ResponseWriter, r *http.Request, err error) {
	if p.sessions.Rebind(w, r, err) {
		return // a browser sent to renew its bound cookie first
	}
	if !wantsPage(r) || vigilhttp.IsFailure(err) {
		p.sessions.WriteError(w, r, err)
		return
	}
	q := url.Values{"rd": {r.URL.RequestURI()}}
	if e := vigil.AsError(err); e != nil && e.Reason != "" {
		q.Set("reason", string(e.Reason))
	}
	p.sessions.ClearEnded(w, r, err)
	http.Redirect(w, r, p.opt.LoginPath+"?"+q.Encode(), http.StatusSeeOther)
}

// wantsPage reports whether r is a browser navigation: a GET or HEAD that
// a page asked for (Sec-Fetch-Mode: navigate) or that accepts HTML. An
// API client — one that says X-Requested-With, or whose Accept prefers
// JSON to HTML (application/json at a higher or equal weight, or HTML not
// accepted at all) — gets the 401 JSON instead of a redirect it cannot
// follow.
func wantsPage(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if r.Header.Get("X-Requested-With") != "" {
		return false
	}
	if r.Header.Get("Sec-Fetch-Mode") == "navigate" {
		return true
	}
	html, json := acceptWeight(r.Header.Values("Accept"))
	return html > 0 && html > json
}

// acceptWeight returns the weights (q, 0..1000) an Accept header gives
// HTML (text/html, application/xhtml+xml) and JSON (application/json or
// any +json type); 0 for one it does not name. Wildcards count for
// neither: a browser names text/html, an API client names JSON.
func acceptWeight(values []string) (html, json int) {
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			typ, params, _ := strings.Cut(item, ";")
			typ = strings.ToLower(strings.TrimSpace(typ))
			q := qValue(params)
			switch {
			case typ == "text/html" || typ == "application/xhtml+xml":
				html = max(html, q)
			case typ == "application/json" || strings.HasSuffix(typ, "+json"):
				json = max(json, q)
			}
		}
	}
	return html, json
}

// qValue reads q= from a media range's parameters, in thousandths (1000
// when absent, 0 when it does not parse).
func qValue(params string) int {
	for _, p := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || f < 0 || f > 1 {
			return 0
		}
		return int(f * 1000)
	}
	return 1000
}

// rewrite builds the upstream request: no header vigil reserves comes
// from the client (reserved); who the user is comes from the session, and
// where the request came from from vigil's own view of it (viewOf); and
// no vigil cookie — the session token (and a device-bound session's bound
// cookie) is vigil's secret, not the application's.
func (p *Proxy) rewrite(pr *httputil.ProxyRequest, upstream *url.URL) {
	pr.SetURL(upstream)
	stripReserved(pr.Out.Header)
	stripReserved(pr.Out.Trailer)
	c := p.sessions.Cookies()
	stripCookies(pr.Out, c.Name(), c.Device().Name(), c.Bound().Name())
	p.viewOf(pr.In).set(pr.Out.Header)
	setIdentity(p.sessions, pr.Out.Header, vigilhttp.CurrentFrom(pr.In.Context()))
}

// stripCookies removes the named cookies from r's Cookie headers and
// keeps the others: vigil's session token and known-device credential are
// vigil's secrets, not the application's.
func stripCookies(r *http.Request, names ...string) {
	cookies := r.Cookies()
	r.Header.Del("Cookie")
	for _, c := range cookies {
		if !slices.Contains(names, c.Name) {
			r.AddCookie(c)
		}
	}
}
