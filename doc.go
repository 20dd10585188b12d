// Package vigil is the domain of the vigil session service: users, roles,
// sessions, the session policy, audit events, the application error type and
// the store contracts that every storage backend implements.
//
// The package imports only the standard library. The engine lives in
// package auth, the HTTP API in httpapi, and the stores in sqlite (and later
// postgres and redis). Data flows one way: the binary wires stores into the
// engine and the engine into the handlers.
package vigil
