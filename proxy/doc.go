// Package proxy is vigil's reverse-proxy mode (SPEC §5): it puts an
// existing application (a Flask app, say) behind vigil's sessions without
// changing it. Every request that is not for vigil's own routes is passed
// to the upstream only with a live session; the upstream learns who the
// user is from the Remote-User, Remote-Role, Remote-Clinician-Id and
// Remote-Session-Id headers, and where the request came from from
// X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host, Forwarded and
// X-Real-Ip — all set by vigil. A client's own copies of these, and of
// every header an app or its server could read as the user's identity or
// the request's origin (Remote-*, X-Remote-*, X-Auth-Request-*,
// X-Forwarded-*, in any case, with "_" for "-"), are removed first.
//
// Forward auth (GET /api/auth/verify, for nginx, Caddy or Traefik in front)
// lives with the rest of the API in package httpapi.
package proxy
