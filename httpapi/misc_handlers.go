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

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	s.ok(w, map[string]string{"status": "ok"})
}

// readyz answers 503 while the server is draining, or while Ready fails
// (the store is unreachable, or its writes fail).
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	err := s.ready(r.Context())
	switch {
	case err == nil:
		s.ok(w, map[string]string{"status": "ready"})
	case errors.Is(err, ErrDraining):
		vigilhttp.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{
			"status": "draining", "code": vigil.CodeUnavailable, "error": "The server is shutting down."})
	default:
		s.log.Warn("not ready", "err", err)
		vigilhttp.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{
			"status": "unavailable", "code": vigil.CodeUnavailable, "error": "The store is unreachable or failing."})
	}
}

// notFound answers unknown API paths with 404, and known paths with the
// wrong method with 405 and Allow, both as JSON.
func (s *server) notFound(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
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
			vigilhttp.WriteError(w, r, s.log, vigil.Errorf(vigil.CodeMethodNotAllowed, "Method %s is not allowed here.", r.Method))
			return
		}
		vigilhttp.WriteError(w, r, s.log, vigil.Errorf(vigil.CodeNotFound, "Not found."))
	}
}
