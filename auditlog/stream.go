package auditlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Stream sends every event of the chain, as it is appended, to a SIEM or
// a log collector (serve's --audit-stream): one JSON object a line on
// stdout, with the fields and encoding of an export's event lines (JSONL,
// with seq, prev and hash), or RFC 5424 syslog messages over UDP or TCP
// (see syslogMessage).
//
// A Stream follows the chain from the store, by seq, in order: one poller
// a process, reading pages of events after the last one it read, so its
// memory stays the same whatever the traffic. It skips no event: seqs are
// given under the chain's lock in commit order, so none commits behind one
// already read. It starts at the chain's head: what was appended before it
// started is not sent (vigil audit export has it). When it stops, it reads
// the chain once more and sends what it holds, for a grace period.
//
// No request waits on it: requests only append to the store. Between the
// poller and the receiver is a bounded queue; when the receiver is slow or
// gone and the queue is full, the events that do not fit are dropped,
// counted (Stats) and logged with their seqs, and stay in the store. A
// receiver tells a gap by the seq, which grows by one for each event, and
// can fetch it with vigil audit export. Over TCP a message is written
// again on a new connection when a write fails, but one written just
// before the receiver dropped the connection may be lost unseen (TCP
// acknowledges to the kernel, not to the receiver): the seq shows that gap
// too.
//
// Several instances on one store each stream the whole chain, every
// instance's events, so a receiver fed by N instances gets each event N
// times: give --audit-stream to one instance, or let the receiver drop
// repeats by seq (or hash). An event's seq and hash are the same from
// every instance.
type Stream struct {
	store  Store
	target StreamTarget
	out    io.Writer
	host   string
	log    *slog.Logger
	poll   time.Duration
	grace  time.Duration
	dial   func(ctx context.Context, network, addr string) (net.Conn, error)
	queue  chan []byte
	conn   net.Conn // the receiver's connection, the sender's alone

	seq, sent, dropped atomic.Int64
	following          atomic.Bool
	// run is the current run of dropped events: the poller's alone.
	run struct{ first, last, n int64 }
}

// StreamStats count what a Stream did since it started.
type StreamStats struct {
	// Following: the stream has read the chain's head, and sends every
	// event after it.
	Following bool
	Seq       int64 // the last seq read from the chain
	Sent      int64 // events handed to the receiver
	Dropped   int64 // events dropped: queue full, or refused by the receiver
}

// StreamOptions configure a Stream.
type StreamOptions struct {
	// Stdout is where a "stdout" target writes; os.Stdout when nil.
	Stdout io.Writer
	// Hostname is a syslog message's HOSTNAME; os.Hostname's when "".
	Hostname string
	Log      *slog.Logger
	// Poll is how often the chain is read for new events; 1 second when 0.
	Poll time.Duration
	// Queue is how many events wait for a slow or absent receiver before
	// new ones are dropped; DefaultStreamQueue when 0.
	Queue int
	// Dial connects to a syslog receiver; a net.Dialer's when nil.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Grace is how long a stopping stream may still send what it holds;
	// DefaultStreamGrace when 0.
	Grace time.Duration
}

// DefaultStreamGrace is how long a stopping Stream sends what it holds.
const DefaultStreamGrace = 5 * time.Second

// DefaultStreamQueue is how many events a Stream holds for its receiver:
// at most about 3 KiB each (the audit fields' bounds), a few MiB in all.
const DefaultStreamQueue = 1024

// Delays between attempts to reach a TCP receiver: doubling from the
// first to the last, back to the first once a message is through.
const (
	firstRetry  = 250 * time.Millisecond
	lastRetry   = 30 * time.Second
	sendTimeout = 10 * time.Second // a receiver that stops reading counts as gone
	streamPage  = 256
)

// NewStream returns the stream of s's chain to target.
func NewStream(s Store, target StreamTarget, o StreamOptions) *Stream {
	st := &Stream{store: s, target: target, out: o.Stdout, host: o.Hostname, log: o.Log, poll: o.Poll, grace: o.Grace, dial: o.Dial}
	if st.out == nil {
		st.out = os.Stdout
	}
	if st.host == "" {
		st.host, _ = os.Hostname()
	}
	if st.log == nil {
		st.log = slog.New(slog.DiscardHandler)
	}
	if st.poll <= 0 {
		st.poll = time.Second
	}
	if st.grace <= 0 {
		st.grace = DefaultStreamGrace
	}
	if st.dial == nil {
		st.dial = (&net.Dialer{Timeout: sendTimeout}).DialContext
	}
	if o.Queue <= 0 {
		o.Queue = DefaultStreamQueue
	}
	st.queue = make(chan []byte, o.Queue)
	return st
}

// Stats returns what the stream did so far.
func (st *Stream) Stats() StreamStats {
	return StreamStats{Following: st.following.Load(), Seq: st.seq.Load(), Sent: st.sent.Load(), Dropped: st.dropped.Load()}
}

// Run streams the events appended from now on until ctx ends, and
// returns ctx's error. A store that cannot be read is logged and read
// again at the next poll. When ctx ends, the chain is read once more and
// the queue sent, for at most the options' Grace: what the last requests
// did still goes out. A Stream runs once.
func (st *Stream) Run(ctx context.Context) error {
	sendCtx, stopSending := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSending()
	var wg sync.WaitGroup
	wg.Go(func() { st.send(sendCtx) })
	t := time.NewTicker(st.poll)
	defer t.Stop()
	for ctx.Err() == nil {
		st.read(ctx)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
	}
	last, cancel := context.WithTimeout(context.WithoutCancel(ctx), st.grace)
	defer cancel()
	st.read(last)
	close(st.queue) // the poller, the queue's one writer, is done
	stop := context.AfterFunc(last, stopSending)
	defer stop()
	before := st.dropped.Load()
	wg.Wait()
	if n := st.dropped.Load() - before; n > 0 {
		st.log.Warn("audit stream: stopped before every event was sent (they stay in the store: vigil audit export)",
			"target", st.target.String(), "dropped", n, "last_seq", st.seq.Load())
	}
	return ctx.Err()
}

// read queues what follow finds, and logs a store that cannot be read.
func (st *Stream) read(ctx context.Context) {
	if err := st.follow(ctx); err != nil && ctx.Err() == nil {
		st.log.Error("audit stream: cannot read the audit chain", "err", err)
	}
}

// follow queues the events after the last one read; the first call only
// finds the head, where the stream starts.
func (st *Stream) follow(ctx context.Context) error {
	return st.store.ReadAudit(ctx, func(r Reader) error {
		if !st.following.Load() {
			h, err := r.Head(ctx)
			if err != nil {
				return err
			}
			st.seq.Store(h.Seq)
			st.following.Store(true)
			return nil
		}
		for {
			recs, err := r.Records(ctx, st.seq.Load(), streamPage)
			if err != nil {
				return err
			}
			for i := range recs {
				st.enqueue(&recs[i])
			}
			if len(recs) < streamPage {
				return nil
			}
		}
	})
}

// enqueue formats r and queues it for the receiver, or drops it when the
// queue is full: the poller never waits for the receiver.
func (st *Stream) enqueue(r *Record) {
	defer st.seq.Store(r.Seq)
	msg, err := st.target.format(r, st.host)
	if err == nil {
		select {
		case st.queue <- msg:
			st.endRun()
			return
		default:
		}
	}
	st.dropped.Add(1)
	if st.run.n == 0 {
		st.run.first = r.Seq
		st.log.Warn("audit stream: the receiver is not keeping up; events are dropped (they stay in the store: vigil audit export)",
			"target", st.target.String(), "seq", r.Seq, "queue", cap(st.queue))
	}
	st.run.last = r.Seq
	st.run.n++
}

// endRun logs the run of dropped events that just ended, if any.
func (st *Stream) endRun() {
	if st.run.n == 0 {
		return
	}
	st.log.Warn("audit stream: events dropped", "target", st.target.String(), "dropped", st.run.n,
		"first_seq", st.run.first, "last_seq", st.run.last, "dropped_total", st.dropped.Load())
	st.run.n = 0
}

// send hands the queued messages to the receiver until the queue is
// closed and empty; once ctx ends, what is left is dropped.
func (st *Stream) send(ctx context.Context) {
	defer func() {
		if st.conn != nil {
			st.conn.Close()
		}
	}()
	for msg := range st.queue {
		if ctx.Err() != nil || st.deliver(ctx, msg) != nil {
			st.dropped.Add(1)
			continue
		}
		st.sent.Add(1)
	}
}

// deliver writes one message: on stdout, once; to a UDP receiver, once
// (a datagram lost is lost); to a TCP receiver, again and again over new
// connections, waiting longer each time, until it is through or ctx ends.
func (st *Stream) deliver(ctx context.Context, msg []byte) error {
	if st.target.Kind == StreamStdout {
		_, err := st.out.Write(msg)
		if err != nil {
			st.log.Error("audit stream: cannot write to stdout", "err", err)
		}
		return err
	}
	wait, failures := firstRetry, 0
	for {
		err := st.write(ctx, msg)
		if err == nil {
			if failures > 0 {
				st.log.Info("audit stream: receiver reached again", "target", st.target.String(), "failures", failures)
			}
			return nil
		}
		if failures == 0 {
			st.log.Error("audit stream: cannot reach the receiver; retrying", "target", st.target.String(), "err", err)
		}
		failures++
		if st.target.Kind == StreamSyslogUDP || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, lastRetry)
	}
}

// write sends msg on the connection, dialling one first if there is none;
// a connection that fails is closed, for the next write to dial again.
func (st *Stream) write(ctx context.Context, msg []byte) error {
	if st.conn == nil {
		c, err := st.dial(ctx, st.target.network(), st.target.Addr)
		if err != nil {
			return err
		}
		st.conn = c
	}
	c := st.conn
	c.SetWriteDeadline(time.Now().Add(sendTimeout))
	// The end of ctx ends a write that waits on the receiver.
	stop := context.AfterFunc(ctx, func() { c.SetWriteDeadline(time.Now()) })
	defer stop()
	if _, err := c.Write(msg); err != nil {
		st.conn.Close()
		st.conn = nil
		return err
	}
	return nil
}

// The kinds of StreamTarget.
const (
	StreamStdout    = "stdout"
	StreamSyslogUDP = "syslog+udp"
	StreamSyslogTCP = "syslog+tcp"
)

// StreamTarget is where a Stream sends events: --audit-stream's value.
type StreamTarget struct {
	Kind string // StreamStdout, StreamSyslogUDP or StreamSyslogTCP
	Addr string // host:port of a syslog receiver
}

// String writes t as --audit-stream takes it.
func (t StreamTarget) String() string {
	if t.Kind == StreamStdout {
		return t.Kind
	}
	return t.Kind + "://" + t.Addr
}

func (t StreamTarget) network() string {
	if t.Kind == StreamSyslogTCP {
		return "tcp"
	}
	return "udp"
}

// format returns r as one message for t: a JSON line, a syslog datagram,
// or a syslog message framed by its length (RFC 6587 octet counting).
func (t StreamTarget) format(r *Record, host string) ([]byte, error) {
	switch t.Kind {
	case StreamStdout:
		var b bytes.Buffer
		err := newExportWriter(&b, JSONL).event(r)
		return b.Bytes(), err
	case StreamSyslogTCP:
		msg := syslogMessage(r, host)
		return append(strconv.AppendInt(nil, int64(len(msg)), 10), append([]byte{' '}, msg...)...), nil
	}
	return syslogMessage(r, host), nil
}

// errStreamTarget says what --audit-stream takes.
var errStreamTarget = errors.New(`want stdout, syslog+udp://host:port or syslog+tcp://host:port`)

// ParseStreamTarget reads --audit-stream: "stdout", or
// "syslog+udp://host:port" or "syslog+tcp://host:port" (an IPv6 address
// in brackets), with nothing else: no path, query, user or fragment.
func ParseStreamTarget(s string) (StreamTarget, error) {
	if s == StreamStdout {
		return StreamTarget{Kind: s}, nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != StreamSyslogUDP && u.Scheme != StreamSyslogTCP) {
		return StreamTarget{}, fmt.Errorf("%q: %w", s, errStreamTarget)
	}
	if u.Opaque != "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return StreamTarget{}, fmt.Errorf("%q: only a host and a port may follow %s://", s, u.Scheme)
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil || host == "" {
		return StreamTarget{}, fmt.Errorf("%q: %w", s, errStreamTarget)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return StreamTarget{}, fmt.Errorf("%q: the port must be a number from 1 to 65535", s)
	}
	return StreamTarget{Kind: u.Scheme, Addr: u.Host}, nil
}
