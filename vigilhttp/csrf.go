package vigilhttp

import (
	"crypto/subtle"
	"net/http"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

// CheckCSRF is SPEC §3's CSRF layer 2 for a request made with the session
// cur, on every surface: the request's token — its X-CSRF-Token header,
// or, from a page form whose body the handler has parsed (r.ParseForm),
// its csrf_token field — must be the session's, compared in constant time
// (OWASP ASVS 5.0 3.5.1). A refusal is audited as csrf_rejected. Require
// calls it for unsafe methods; handlers that check the session themselves
// call it directly. Error: CSRF_FAILED.
func (s *Sessions) CheckCSRF(r *http.Request, cur *auth.Current) error {
	got, from := r.Header.Get("X-CSRF-Token"), "X-CSRF-Token"
	if got == "" && r.PostForm != nil {
		got, from = r.PostForm.Get("csrf_token"), "csrf_token form field"
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(cur.Token.CSRF())) == 1 {
		return nil
	}
	s.engine.Audit(r.Context(), s.actor(r, cur), vigil.Event{
		Username: cur.User.Username, Category: vigil.CategoryAccess, Event: vigil.EventCSRFRejected,
		Detail: r.Method + " " + r.URL.Path + ": missing or wrong " + from,
	})
	return vigil.Errorf(vigil.CodeCSRFFailed, "The request could not be verified (CSRF). Reload the page and try again.")
}
