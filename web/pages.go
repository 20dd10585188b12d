package web

import (
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/vigilhttp"
)

// Deps is what the pages need. Engine and Sessions are required; the zero
// values of the others take the defaults noted.
type Deps struct {
	Engine *auth.Engine
	// Sessions is the session layer the API and the reverse proxy use
	// too: the same cookies (and their --dev form), sign-in, sign-out,
	// CSRF check, client address and audit actor.
	Sessions *vigilhttp.Sessions
	Logger   *slog.Logger // default slog.Default()
	// IdleWarning is how long before the idle timeout the pages warn
	// (--idle-warning); the script reads the same value from the API. It is
	// stated on the account page. Default 2m.
	IdleWarning time.Duration
	// PasswordRules explain the password policy before a user picks one
	// (password.Policy.Describe): shown on demand under two plain lines
	// built from the engine's minimum length; none if empty.
	PasswordRules []string
	// PublicURL is the external origin used in the reset links shown to
	// administrators (--public-url); default the origin of the request.
	PublicURL *url.URL
	// RoutePrefix is the path the pages are served under (--route-prefix,
	// "" or "/name"): the router strips it before the pages see a request
	// (httpapi.NewServer), and every address the pages write —
	// links, forms, redirects, cookie paths, the return address of the
	// sign-in page — carries it.
	RoutePrefix string
	// Brand is the clinic's name (--brand) shown in page titles and the
	// header in place of "vigil"; the templates escape it. Default "vigil".
	Brand string
	// Passkeys says the engine has passkeys on (auth.Options.Passkeys):
	// the pages then offer them (to browsers that support them; see
	// static/passkey.js). Default off.
	Passkeys bool
}

// Pages is the set of pages. Build it with New; it is safe for concurrent
// use.
type Pages struct {
	engine      *auth.Engine
	sessions    *vigilhttp.Sessions
	cookies     vigilhttp.Cookies
	log         *slog.Logger
	dev         bool // plain-HTTP cookies (--dev), as the sessions'
	idleWarning time.Duration
	rules       passwordRules
	minLength   int
	publicURL   *url.URL
	base        string // the route prefix
	brand       string // the name in titles and the header
	passkeys    bool   // passkeys are on: the pages offer them
	tmpl        map[string]*template.Template
	static      *staticFiles
	mux         *http.ServeMux // the pages' routes (routes.go)
}

// New returns the pages. It panics if Engine or Sessions is nil, or if the
// embedded templates do not parse (a build defect, caught by the tests).
func New(d Deps) *Pages {
	if d.Engine == nil || d.Sessions == nil {
		panic("web: New needs an Engine and Sessions")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Brand == "" {
		d.Brand = "vigil"
	}
	if d.IdleWarning <= 0 {
		d.IdleWarning = 2 * time.Minute
	}
	minLength := d.Engine.PolicyReport().Settings.PasswordMinLength
	p := &Pages{
		engine: d.Engine, sessions: d.Sessions, cookies: d.Sessions.Cookies(), log: d.Logger,
		dev: d.Sessions.Cookies().Dev, idleWarning: d.IdleWarning, rules: rulesFor(minLength, d.PasswordRules),
		minLength: minLength, publicURL: d.PublicURL, base: d.RoutePrefix, brand: d.Brand,
		passkeys: d.Passkeys,
	}
	p.tmpl = mustParseTemplates(p.funcs())
	p.static = mustLoadStatic()
	p.mux = http.NewServeMux()
	p.routes(p.mux)
	return p
}

// ServeHTTP answers every path under /auth/ but the static files (see
// routes.go): a page, or the page saying there is none.
func (p *Pages) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.mux.ServeHTTP(w, r) }

// Static serves the embedded stylesheet, scripts and icon, as GET
// /auth/static/{file}.
func (p *Pages) Static() http.Handler { return p.static }

// Home answers "/" by sending a signed-in visitor to their account page and
// anyone else to the sign-in page.
func (p *Pages) Home() http.Handler { return p.serve(p.home) }

func (p *Pages) home(w http.ResponseWriter, r *http.Request) error {
	if _, err := p.sessions.Peek(r); err != nil {
		return p.noSession(w, r, err, "")
	}
	redirect(w, p.at("/auth/account"))
	return nil
}
