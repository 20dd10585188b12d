package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/vigilhttp"
)

// MaxBody is the largest request body accepted (SPEC §3: over 64 KiB, 413).
const MaxBody = 64 << 10

// limitBody refuses bodies over MaxBody on vigil's own routes, which it
// wraps (mount): at once when Content-Length says so, and while reading
// otherwise (decode and ParseForm report it).
func (s *server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > MaxBody {
			s.fail(w, r, tooLarge())
			return
		}
		r2 := *r
		r2.Body = http.MaxBytesReader(w, r.Body, MaxBody)
		next.ServeHTTP(w, &r2)
	})
}

func tooLarge() *vigil.Error {
	return vigil.Errorf(vigil.CodePayloadTooLarge, "The request body is larger than 64 KiB.")
}

// securityHeaders sets the headers every answer carries: no sniffing, no
// framing, no referrer, no caching of anything under /api/ (under the
// route prefix, if any: vigil's API; SPEC §3; OWASP ASVS 5.0 3.4), and
// HSTS outside development.
func (s *server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.setSecurityHeaders(w.Header(), r)
		next.ServeHTTP(w, r)
	})
}

func (s *server) setSecurityHeaders(h http.Header, r *http.Request) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	if strings.HasPrefix(r.URL.Path, s.prefix+"/api/") {
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	}
	if s.hsts {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
}

// recoverPanics turns a panic into 500 INTERNAL with a request id; the
// panic value goes only to the log. Inside the chain the request already
// has its id; around it (front) it gets the chain's headers first.
func (s *server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.fail(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// withChainHeaders sets what the middleware chain sets on every answer
// (security headers, a request id) when r did not come through it, and
// returns r with the id.
func (s *server) withChainHeaders(w http.ResponseWriter, r *http.Request) *http.Request {
	if vigilhttp.RequestID(r) == "" {
		s.setSecurityHeaders(w.Header(), r)
		r = vigilhttp.AddRequestID(w, r)
	}
	return r
}

// newCrossOrigin returns the standard library's cross-origin protection
// (SPEC §3 CSRF layer 1: Sec-Fetch-Site, then Origin against Host), with
// the public origin trusted and refusals answered by deny.
func newCrossOrigin(public *url.URL, deny http.HandlerFunc) *http.CrossOriginProtection {
	cop := http.NewCrossOriginProtection()
	if public != nil {
		// The origin is validated by config; an error here is a bug there.
		if err := cop.AddTrustedOrigin(public.Scheme + "://" + public.Host); err != nil {
			panic(fmt.Sprintf("httpapi: public URL: %v", err))
		}
	}
	cop.SetDenyHandler(deny)
	return cop
}

// csrfRejected answers a cross-origin unsafe request refused by the
// middleware chain: one for a page with the pages' refusal page, a person
// being the sender; any other with JSON.
func (s *server) csrfRejected(w http.ResponseWriter, r *http.Request) {
	err := s.crossOrigin(r)
	if s.forPages(r) {
		s.pages.CrossOriginRefused(w, r)
		return
	}
	s.fail(w, r, err)
}

// crossOrigin audits a cross-origin unsafe request (SPEC §3 CSRF layer 1)
// and returns its error, CSRF_FAILED.
func (s *server) crossOrigin(r *http.Request) error {
	a := s.sessions.Actor(r)
	s.engine.Audit(r.Context(), a, vigil.Event{Username: a.Username, Category: vigil.CategoryAccess, Event: vigil.EventCSRFRejected,
		Detail: fmt.Sprintf("%s %s: cross-origin request (Origin %q, Sec-Fetch-Site %q)",
			r.Method, r.URL.Path, clip(r.Header.Get("Origin"), 200), clip(r.Header.Get("Sec-Fetch-Site"), 40))})
	return vigil.Errorf(vigil.CodeCSRFFailed, "Cross-origin request refused.")
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
