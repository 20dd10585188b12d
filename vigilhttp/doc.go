// Package vigilhttp is the net/http face of vigil's sessions: the one
// session layer of vigil's own surfaces (the JSON API, the pages, the
// reverse proxy) and the library for Go apps that want the sessions
// in-process.
//
// Sessions.Require is middleware of the form func(http.Handler)
// http.Handler: it checks the session cookie against the engine, refuses
// unsafe requests without the session's X-CSRF-Token, and puts the checked
// session in the request context, where UserFrom, SessionFrom and
// CSRFToken read it. Errors are answered as vigil's JSON errors
// (WriteError), with the cookie cleared when the session has ended.
//
// For the surfaces it also signs in (SignIn: the session and known-device
// cookies), signs out (SignOut) and re-authenticates (Reauthenticate);
// checks the CSRF token of a header or a page form (CheckCSRF); resolves
// the client's address behind trusted proxies (ClientIP); names the audit
// actor (Actor); and maps every error code to its HTTP status (Status,
// StatusOf), for the API and the pages alike.
package vigilhttp
