package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/vigilhttp"
)

// handler is a page handler: it writes its page, or returns the error to
// answer, and fail writes that one.
type handler func(w http.ResponseWriter, r *http.Request) error

// pageFunc is a handler that runs with a checked, live session, which is
// also in r's context (vigilhttp.CurrentFrom).
type pageFunc func(w http.ResponseWriter, r *http.Request, cur *auth.Current) error

// serve adapts h to net/http, with the headers every page carries: the
// error h returns is answered by fail.
func (p *Pages) serve(h handler) http.Handler {
	return p.headers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			p.fail(w, r, err)
		}
	}))
}

// withSession runs h with cur in r's context and answers its error here,
// where the error page still knows who is signed in.
func (p *Pages) withSession(w http.ResponseWriter, r *http.Request, cur *auth.Current, h pageFunc) error {
	r = r.WithContext(vigilhttp.WithCurrent(r.Context(), cur))
	if err := h(w, r, cur); err != nil {
		p.fail(w, r, err)
	}
	return nil
}

// pageError is an error answered with the error page under a heading of
// its own; its status and message are its *vigil.Error's.
type pageError struct {
	heading string
	err     *vigil.Error
}

func (e *pageError) Error() string { return e.err.Error() }
func (e *pageError) Unwrap() error { return e.err }

// refusal returns a pageError with heading and the code's status.
func refusal(heading, code, format string, args ...any) error {
	return &pageError{heading: heading, err: vigil.Errorf(code, format, args...)}
}

// pageCopy is what the error page says for the codes the pages answer in
// their own words (the API's messages speak to programs).
var pageCopy = map[string]errorData{
	vigil.CodeCSRFFailed: {Heading: "This form could not be verified",
		Message: "For your safety the request was not carried out. This happens when a page stayed open while you signed in again. Go back, reload the page and try again."},
	vigil.CodeForbidden: {Heading: "Not allowed",
		Message: "Your account does not have permission to open this page. The attempt has been recorded."},
	vigil.CodeUnavailable: {Heading: "Temporarily unavailable",
		Message: "The service cannot reach its database just now. Please try again in a moment."},
	vigil.CodeInternal: {Heading: "Something went wrong",
		Message: "The request could not be completed. Please try again; if it keeps happening, give this reference to your administrator."},
}

// fail answers err with the error page, its status from the code (the
// API's map, vigilhttp.StatusOf). A failure of the server or the store is
// logged under the request id the page shows, and its page is the
// signed-out one; any other page keeps the signed-in header of the session
// in r's context.
func (p *Pages) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the client went away
	}
	cur := vigilhttp.CurrentFrom(r.Context())
	d, ok := pageCopy[vigil.ErrorCode(err)]
	if !ok {
		d = errorData{Heading: "Not done", Message: vigil.ErrorMessage(err)}
	}
	if pe := (*pageError)(nil); errors.As(err, &pe) {
		d.Heading = pe.heading
	}
	if vigilhttp.IsFailure(err) {
		cur, d.RequestID = nil, vigilhttp.RequestID(r)
		p.log.Error("page request failed", "request_id", d.RequestID, "method", r.Method, "path", r.URL.Path, "err", err)
	}
	p.errorPage(w, r, cur, vigilhttp.StatusOf(err), d)
}
