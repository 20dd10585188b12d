// Package httpapi is vigil's JSON API (SPEC §3) and the one place the
// whole HTTP tree is put together: NewServer mounts the API, forward
// auth, /healthz and /readyz, the pages and their static files (package
// web), "/" and the application behind vigil (package proxy), each once
// (routes.go), behind one middleware chain (request id, recovery,
// security headers, the cross-origin check, the body limit). The handlers
// return their errors to one adapter, which answers them with the session
// layer's (package vigilhttp) JSON writer and its code-to-status map.
package httpapi
