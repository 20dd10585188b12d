// Package load is vigil's HTTP load generator: a fixed number of keep-alive
// HTTP/1.1 connections (no pipelining), each sending one request and reading
// the whole answer before the next, for a fixed time after a warm-up that is
// not counted. Latency goes into a log-linear histogram (HDR-style), errors
// are counted by kind, and the generator's own CPU time is reported so that
// on a small machine the reader sees how much of it the generator ate.
//
// By default the load is a closed loop: each connection sends its next
// request as soon as the last one is answered, so the server sets the pace
// and the latencies are those of the requests in flight. With Config.Rate
// it is an open loop (as wrk2): requests are scheduled at a fixed rate,
// whatever the answers do, the connections take them in turn, and latency
// runs from each request's scheduled send time, so the time a request
// waits for a free connection counts (no coordinated omission).
//
// The client is written on raw TCP rather than net/http's Transport because
// the generator shares the machine's cores with the server it measures: a
// cheaper client leaves more of them to the server.
package load
