// Package web serves vigil's pages: sign-in (/auth/login), my account and
// devices (/auth/account), administration (/auth/admin...), password reset
// (/auth/reset) and re-authentication (/auth/reauth), with the idle-timeout
// warning script /auth/static/vigil.js that any page behind vigil can include.
//
// The pages are html/template files and static files embedded in the binary
// (nothing is loaded from anywhere else), served under a strict
// Content-Security-Policy with no inline script or style. They use the same
// sessions as the JSON API (package vigilhttp) and the same CSRF rules: a
// cross-origin unsafe request is refused before it reaches a page (httpapi's
// http.CrossOriginProtection), and every page form sent with a session
// carries the session's CSRF token in the hidden field csrf_token, compared
// in constant time. Sign-in and sign-out are plain form posts, so they work
// without JavaScript; only the idle warning needs it.
//
// The pages are mounted, with the API, by httpapi.NewServer, over the one
// session layer the API uses too:
//
//	sessions := vigilhttp.New(engine, vigilhttp.Options{})
//	pages := web.New(web.Deps{Engine: engine, Sessions: sessions})
//	handler := httpapi.NewServer(httpapi.Deps{Engine: engine, Sessions: sessions, Pages: pages})
package web
