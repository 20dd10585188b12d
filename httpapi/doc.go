// Package httpapi is vigil's JSON API (SPEC §3): the handlers, the
// middleware every request passes (request id, recovery, security headers,
// body limit, cross-origin refusal), the error-code-to-status map (in
// vigilhttp) and routes.go, which lists every route.
package httpapi
