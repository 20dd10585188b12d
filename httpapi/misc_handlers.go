package httpapi

import (
	"errors"
	"net/http"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/vigilhttp"
)

// ErrDraining is what Deps.Ready returns once the server is stopping:
// /readyz then answers 503 with status "draining", so that a load balancer
// sends no new requests while the ones it sent are still served.
var ErrDraining = errors.New("httpapi: draining")

func (s *server) healthz(w http.ResponseWriter, r *http.Request) error {
	return ok(w, map[string]string{"status": "ok"})
}

// readyz answers 503 while the server is draining, or while Ready fails
// (the store is unreachable, or its writes fail).
func (s *server) readyz(w http.ResponseWriter, r *http.Request) error {
	err := s.ready(r.Context())
	switch {
	case err == nil:
		return ok(w, map[string]string{"status": "ready"})
	case errors.Is(err, ErrDraining):
		return notReady(w, "draining", "The server is shutting down.")
	}
	s.log.Warn("not ready", "err", err)
	return notReady(w, "unavailable", "The store is unreachable or failing.")
}

// notReady is /readyz's 503: SPEC §3's error with the readiness status.
func notReady(w http.ResponseWriter, status, msg string) error {
	return reply(w, vigilhttp.Status(vigil.CodeUnavailable), map[string]string{"status": status, "code": vigil.CodeUnavailable, "error": msg})
}

// notFound answers unknown API paths with 404, and known paths with the
// wrong method with 405 and Allow, both as JSON.
func (s *server) notFound(mux *http.ServeMux) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); !isCatchAll(pattern) {
				allow = append(allow, m)
				if m == http.MethodGet {
					allow = append(allow, http.MethodHead)
				}
			}
		}
		if len(allow) > 0 {
			for _, m := range allow {
				w.Header().Add("Allow", m)
			}
			return vigil.Errorf(vigil.CodeMethodNotAllowed, "Method %s is not allowed here.", r.Method)
		}
		return vigil.Errorf(vigil.CodeNotFound, "Not found.")
	}
}
