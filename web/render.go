package web

import (
	"bytes"
	"embed"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/vigilhttp"
)

//go:embed templates/*.html
var templateFS embed.FS

// pageNames are the templates, each parsed with base.html and parts.html.
var pageNames = []string{"login", "account", "reauth", "reset", "error",
	"admin_users", "admin_user", "admin_sessions", "admin_audit", "admin_policy", "second_factor"}

func mustParseTemplates(funcs template.FuncMap) map[string]*template.Template {
	out := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		t := template.New(name).Funcs(funcs)
		out[name] = template.Must(t.ParseFS(templateFS, "templates/base.html", "templates/parts.html", "templates/"+name+".html"))
	}
	return out
}

// csp is the pages' Content-Security-Policy: everything from this origin
// only, no inline script or style, no framing, forms post only here
// (OWASP ASVS 5.0 3.4.3).
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// headers sets what every page answer carries. httpapi's middleware adds
// nosniff, X-Frame-Options and (outside --dev) HSTS.
func (p *Pages) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("Referrer-Policy", "no-referrer") // the reset token must never travel in a Referer
		h.Set("Cache-Control", "no-store")      // pages hold personal data and CSRF tokens
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		next.ServeHTTP(w, r)
	})
}

// view is what every template gets.
type view struct {
	Title  string
	Cur    *auth.Current // the signed-in session, nil on public pages
	CSRF   string        // the session's CSRF token for the forms
	Nav    string        // the active navigation item
	Notice *notice       // a message at the top of the page
	Data   any           // the page's own data
	// Passkey loads static/passkey.js: the page offers a passkey.
	Passkey bool
}

// notice is a message shown at the top of a page. Kind is info, success,
// warning or error (errors are announced at once to screen readers).
type notice struct {
	Kind  string
	Text  string
	Items []string
}

// Admin reports whether the signed-in user is an administrator.
func (v view) Admin() bool { return v.Cur != nil && v.Cur.User.Role == vigil.RoleAdmin }

func (p *Pages) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	if v.Cur != nil {
		v.CSRF = v.Cur.Token.CSRF()
	}
	var buf bytes.Buffer
	if err := p.tmpl[name].ExecuteTemplate(&buf, "base", v); err != nil {
		p.log.Error("page not rendered", "page", name, "request_id", vigilhttp.RequestID(r), "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // the client may be gone; nothing else to do
}

// errorData fills the error page.
type errorData struct {
	Heading   string
	Message   string
	RequestID string
}

func (p *Pages) errorPage(w http.ResponseWriter, r *http.Request, cur *auth.Current, status int, d errorData) {
	p.render(w, r, status, "error", view{Title: d.Heading, Cur: cur, Data: d})
}

// CrossOriginRefused answers a page request that the cross-origin check
// refused (a form posted from another site): the error page with the
// status of CSRF_FAILED, with the request's reference for the
// administrator.
func (p *Pages) CrossOriginRefused(w http.ResponseWriter, r *http.Request) {
	p.headers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.errorPage(w, r, nil, vigilhttp.Status(vigil.CodeCSRFFailed), errorData{
			Heading: "Request refused", RequestID: vigilhttp.RequestID(r),
			Message: "This form was sent from another site, so nothing was done. If you meant to send it, open this service at its own address and try again."})
	})).ServeHTTP(w, r)
}

// notFound answers an address with no page. A signed-in visitor keeps the
// signed-in header (their name, sign-out); looking is not activity, and
// without a live session, or if it cannot be checked, the page is the
// signed-out one.
func (p *Pages) notFound(w http.ResponseWriter, r *http.Request) error {
	cur, err := p.sessions.Peek(r)
	if err != nil {
		cur = nil
	}
	p.errorPage(w, r, cur, vigilhttp.Status(vigil.CodeNotFound), errorData{
		Heading: "Page not found", Message: "There is no page at this address."})
	return nil
}

// formError is the answer to a form that could not be read: too large
// (PAYLOAD_TOO_LARGE), or malformed (INVALID_REQUEST).
func formError(err error) error {
	code := vigil.CodeInvalidRequest
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		code = vigil.CodePayloadTooLarge
	}
	return refusal("The form could not be read", code, "Go back, reload the page and try again.")
}

// funcs are the template helpers.
func (p *Pages) funcs() template.FuncMap {
	return template.FuncMap{
		"base":   func() string { return p.base },
		"brand":  func() string { return p.brand },
		"ts":     formatTime,
		"iso":    func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"ago":    func(t time.Time) string { return ago(p.engine.Now(), t) },
		"until":  func(t time.Time) string { return until(p.engine.Now(), t) },
		"device": Device,
		"b64url": base64.RawURLEncoding.EncodeToString,
		"passkeyPart": func(flow, rd, label string) passkeyPart {
			return passkeyPart{Flow: flow, RD: rd, Label: label}
		},
		"passkeyFirst": func(flow, rd, label string) passkeyPart {
			return passkeyPart{Flow: flow, RD: rd, Label: label, First: true}
		},
		"codesPanel": codesPanel,
		"dur":        auth.HumanDuration,
		"seconds":    func(n int64) time.Duration { return time.Duration(n) * time.Second },
		"newpw": func(minLength int, username string, first bool, errs *formErrors) newPassword {
			return newPassword{MinLength: minLength, Username: username, Words: wordsFor(first), Errors: errs}
		},
		"table": func(id string, showUser bool, rows []deviceRow) sessionsTable {
			return sessionsTable{ID: id, ShowUser: showUser, Rows: rows}
		},
		"events": func(id string, evs []vigil.Event) eventsTable { return eventsTable{ID: id, Events: userEventRows(evs)} },
		"rows":   func(id string, rows []auditRow) eventsTable { return eventsTable{ID: id, Events: rows} },
		"actions": func(name string, disabled, self bool, csrf, here string) userActions {
			return userActions{Username: name, Disabled: disabled, Self: self, CSRF: csrf, Here: here}
		},
	}
}

// The arguments of the shared parts of the templates (parts.html).
type (
	newPassword struct {
		MinLength int
		Username  string
		Words     passwordWords
		Errors    *formErrors // marks the fields a problem is about
	}
	sessionsTable struct {
		ID       string
		ShowUser bool
		Rows     []deviceRow
	}
	eventsTable struct {
		ID     string
		Events []auditRow
	}
	userActions struct {
		Username       string
		Disabled, Self bool
		CSRF, Here     string
	}
)
