package httpapi

import (
	"net/http"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/vigilhttp"
)

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	s.ok(w, map[string]string{"status": "ok"})
}

// readyz answers 503 while the store is unreachable.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.ready(r.Context()); err != nil {
		s.log.Warn("not ready", "err", err)
		vigilhttp.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{
			"status": "unavailable", "code": vigil.CodeUnavailable, "error": "The store is unreachable."})
		return
	}
	s.ok(w, map[string]string{"status": "ready"})
}

// notFound answers unknown API paths with 404, and known paths with the
// wrong method with 405, both as JSON.
func (s *server) notFound(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/api/auth/" && pattern != "/api/admin/" {
				allow = append(allow, m)
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
