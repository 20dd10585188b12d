// Package vigilhttp is the net/http face of vigil's sessions, for Go apps
// that want them in-process and for vigil's own API.
//
// Sessions.Require is middleware of the form func(http.Handler)
// http.Handler: it checks the session cookie against the engine, refuses
// unsafe requests without the session's X-CSRF-Token, and puts the checked
// session in the request context, where UserFrom, SessionFrom and
// CSRFToken read it. Errors are answered as vigil's JSON errors
// (WriteError), with the cookie cleared when the session has ended.
package vigilhttp
