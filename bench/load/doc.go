// Package load is vigil's HTTP load generator: a fixed number of keep-alive
// HTTP/1.1 connections (no pipelining), each sending one request and reading
// the whole answer before the next, for a fixed time after a warm-up that is
// not counted. Latency goes into a log-linear histogram (HDR-style), errors
// are counted by kind, and the generator's own CPU time is reported so that
// on a small machine the reader sees how much of it the generator ate.
//
// The client is written on raw TCP rather than net/http's Transport because
// the generator shares the machine's cores with the server it measures: a
// cheaper client leaves more of them to the server.
package load
