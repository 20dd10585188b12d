package httpapi

import (
	"net/http"

	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/vigilhttp"
)

// handler is an API handler: it writes its answer, or returns the error
// to answer, and serve writes that one.
type handler func(w http.ResponseWriter, r *http.Request) error

// serve adapts h to net/http: the error h returns is answered by fail.
func (s *server) serve(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// fail answers err as SPEC §3's JSON error, with every header the
// middleware chain sets (forward auth's answers come around it), clearing
// the cookie of a session that is gone.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.sessions.WriteError(w, s.withChainHeaders(w, r), err)
}

// reply writes v as JSON with status. It returns no error: the client may
// be gone, and there is nothing else to tell it.
func reply(w http.ResponseWriter, status int, v any) error {
	vigilhttp.WriteJSON(w, status, v)
	return nil
}

// ok is reply with 200.
func ok(w http.ResponseWriter, v any) error { return reply(w, http.StatusOK, v) }

// current is the session the middleware checked.
func current(r *http.Request) *auth.Current { return vigilhttp.CurrentFrom(r.Context()) }
