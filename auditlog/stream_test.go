package auditlog_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auditlog"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/sqlite"
)

func TestParseStreamTarget(t *testing.T) {
	for in, want := range map[string]string{
		"stdout":                          "stdout",
		"syslog+udp://127.0.0.1:514":      "syslog+udp://127.0.0.1:514",
		"syslog+tcp://siem.example:601":   "syslog+tcp://siem.example:601",
		"syslog+tcp://[2001:db8::1]:6514": "syslog+tcp://[2001:db8::1]:6514",
		"syslog+udp://collector:514/":     "syslog+udp://collector:514",
	} {
		got, err := auditlog.ParseStreamTarget(in)
		if err != nil || got.String() != want {
			t.Errorf("ParseStreamTarget(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "stderr", "STDOUT", "syslog://h:514", "syslog+udp://h", "syslog+udp://:514",
		"syslog+tcp://h:0", "syslog+tcp://h:65536", "syslog+tcp://h:port", "syslog+tcp://u:p@h:514",
		"syslog+tcp://h:514/path", "syslog+tcp://h:514?tls=1", "syslog+tcp://h:514#x", "syslog+tcp:h:514", "http://h:514"} {
		if got, err := auditlog.ParseStreamTarget(in); err == nil {
			t.Errorf("ParseStreamTarget(%q) = %v, want an error", in, got)
		}
	}
}

// streamOf starts a stream of s to target and waits until it has read
// the chain's head, where it starts; it stops when the test ends.
func streamOf(t *testing.T, s auditlog.Store, target string, o auditlog.StreamOptions) *auditlog.Stream {
	t.Helper()
	tg, err := auditlog.ParseStreamTarget(target)
	if err != nil {
		t.Fatal(err)
	}
	if o.Poll == 0 {
		o.Poll = 5 * time.Millisecond
	}
	if o.Grace == 0 {
		o.Grace = 100 * time.Millisecond
	}
	if o.Hostname == "" {
		o.Hostname = "ward-3.example"
	}
	st := auditlog.NewStream(s, tg, o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- st.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	})
	waitFor(t, "the stream to start", func() bool { return st.Stats().Following })
	return st
}

// waitFor polls cond until it holds; the test's deadline bounds it.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline, ok := t.Deadline()
	if !ok {
		deadline = time.Now().Add(time.Minute)
	}
	for !cond() {
		if time.Now().After(deadline.Add(-5 * time.Second)) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// streamed are events that exercise every field, escaping and severity:
// a failure (notice), a success (info), and the one name longer than a
// syslog MSGID.
func streamed() []*vigil.Event {
	return []*vigil.Event{
		{Time: at(time.Hour), Username: `ali"ce]`, Actor: `back\slash`, Category: vigil.CategoryAuthentication,
			Event: vigil.EventLoginFailed, Detail: `a "quoted" ] bracket \ and` + "\nnew line", IP: "2001:db8::7",
			UserAgent: "Mozilla/5.0 [x] ünïcode ✓", SessionID: ""},
		{Time: at(time.Hour + time.Second), Username: "bob", Actor: "bob", Category: vigil.CategorySession,
			Event: vigil.EventLoginSucceeded, IP: "198.51.100.4", SessionID: "QwKZ1234567890abcdefgh"},
		{Username: "carol", Actor: "carol", Category: vigil.CategoryAccount, Event: vigil.EventPasswordChanged},
	}
}

// appendAll appends events to s.
func appendAll(t *testing.T, s *sqlite.Store, events []*vigil.Event) {
	t.Helper()
	for _, e := range events {
		if err := s.AppendEvent(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
}

// records returns the chain's records after seq after.
func records(t *testing.T, s auditlog.Store, after int64) []auditlog.Record {
	t.Helper()
	var recs []auditlog.Record
	err := s.ReadAudit(t.Context(), func(r auditlog.Reader) error {
		var err error
		recs, err = r.Records(t.Context(), after, 1000)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestStreamStdout: each event appended after the start is one line on
// stdout, the very line an export writes for it (seq, prev, hash and every
// field); the events from before the start are not sent.
func TestStreamStdout(t *testing.T) {
	s := chainOf(t, 5, nil)
	var out testkit.SyncBuffer
	st := streamOf(t, s, "stdout", auditlog.StreamOptions{Stdout: &out})
	events := streamed()
	appendAll(t, s, events)
	waitFor(t, "3 events sent", func() bool { return st.Stats().Sent == 3 })

	exported, _ := export(t, s, auditlog.JSONL, time.Time{}, time.Time{})
	var want []string
	for _, line := range strings.SplitAfter(exported, "\n") {
		if strings.HasPrefix(line, `{"type":"event",`) {
			want = append(want, line)
		}
	}
	want = want[len(want)-3:]
	if got := out.String(); got != strings.Join(want, "") {
		t.Errorf("stdout:\n%s\nwant the export's lines of the new events:\n%s", got, strings.Join(want, ""))
	}
	if !strings.Contains(out.String(), `"seq":6,`) || strings.Contains(out.String(), `"seq":5,`) {
		t.Errorf("want seq 6 to 8 only:\n%s", out.String())
	}
	if st := st.Stats(); st.Seq != 8 || st.Dropped != 0 {
		t.Errorf("stats %+v", st)
	}
}

// syslogMsg is an RFC 5424 message as a receiver parses it.
type syslogMsg struct {
	pri, version                       int
	time, host, app, procID, msgID, sd string
	params                             map[string]string
	msg                                string
}

// parseSyslog parses an RFC 5424 message with one SD-ELEMENT, undoing
// the escapes of its SD-PARAM values (§6.3.3).
func parseSyslog(t *testing.T, b []byte) syslogMsg {
	t.Helper()
	s := string(b)
	var m syslogMsg
	end := strings.IndexByte(s, '>')
	if !strings.HasPrefix(s, "<") || end < 0 {
		t.Fatalf("no PRI: %q", s)
	}
	m.pri, _ = strconv.Atoi(s[1:end])
	fields := strings.SplitN(s[end+1:], " ", 7)
	if len(fields) != 7 {
		t.Fatalf("header: %q", s)
	}
	m.version, _ = strconv.Atoi(fields[0])
	m.time, m.host, m.app, m.procID, m.msgID = fields[1], fields[2], fields[3], fields[4], fields[5]
	rest := fields[6]
	if !strings.HasPrefix(rest, "[") {
		t.Fatalf("no STRUCTURED-DATA: %q", s)
	}
	sp := strings.IndexByte(rest, ' ')
	m.sd, rest = rest[1:sp], rest[sp:]
	m.params = map[string]string{}
	for strings.HasPrefix(rest, " ") {
		eq := strings.Index(rest, `="`)
		name := rest[1:eq]
		var v strings.Builder
		i := eq + 2
		for ; rest[i] != '"'; i++ {
			if rest[i] == '\\' && strings.IndexByte(`"\]`, rest[i+1]) >= 0 {
				i++
			} else if rest[i] == ']' {
				t.Fatalf("an unescaped ] in %s: %q", name, s)
			}
			v.WriteByte(rest[i])
		}
		m.params[name] = v.String()
		rest = rest[i+1:]
	}
	if !strings.HasPrefix(rest, "] ") {
		t.Fatalf("the SD-ELEMENT does not end: %q", rest)
	}
	m.msg = rest[2:]
	return m
}

// checkSyslog checks the messages received against the chain's records,
// field by field.
func checkSyslog(t *testing.T, got []syslogMsg, recs []auditlog.Record) {
	t.Helper()
	if len(got) != len(recs) {
		t.Fatalf("%d messages for %d events", len(got), len(recs))
	}
	for i, m := range got {
		r := recs[i]
		sev := 6
		if r.Event.Event == vigil.EventLoginFailed || r.Event.Event == vigil.EventPasswordChanged {
			sev = 5
		}
		ts := "-"
		if !r.Time.IsZero() {
			ts = r.Time.UTC().Format("2006-01-02T15:04:05.000000Z")
		}
		msgID := r.Event.Event[:min(32, len(r.Event.Event))]
		if m.pri != 10*8+sev || m.version != 1 || m.time != ts || m.host != "ward-3.example" || m.app != "vigil" ||
			m.procID != strconv.Itoa(os.Getpid()) || m.msgID != msgID || m.sd != "vigil@32473" || m.msg != r.Event.Event {
			t.Errorf("seq %d: header %+v; want PRI %d, time %s, MSGID %s", r.Seq, m, 80+sev, ts, msgID)
		}
		want := map[string]string{"seq": strconv.FormatInt(r.Seq, 10), "prev": r.Prev.String(), "hash": r.Hash.String(),
			"username": r.Username, "actor": r.Actor, "category": r.Category, "event": r.Event.Event, "detail": r.Detail,
			"ip": r.IP, "user_agent": r.UserAgent, "session_id": r.SessionID}
		if fmt.Sprint(m.params) != fmt.Sprint(want) {
			t.Errorf("seq %d: SD-PARAMs\n%q\nwant\n%q", r.Seq, m.params, want)
		}
	}
}

// TestStreamSyslogUDP: a datagram per event, RFC 5424, parsed back to the
// event's fields exactly.
func TestStreamSyslogUDP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	s := chainOf(t, 2, nil)
	streamOf(t, s, "syslog+udp://"+pc.LocalAddr().String(), auditlog.StreamOptions{})
	appendAll(t, s, streamed())
	var got []syslogMsg
	buf := make([]byte, 65536)
	for len(got) < 3 {
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, parseSyslog(t, buf[:n]))
	}
	checkSyslog(t, got, records(t, s, 2))
}

// readFrames reads RFC 6587 octet-counted frames from c into frames until
// c ends.
func readFrames(c net.Conn, frames chan<- []byte) {
	r := bufio.NewReader(c)
	for {
		n, err := r.ReadString(' ')
		if err != nil {
			return
		}
		size, err := strconv.Atoi(strings.TrimSuffix(n, " "))
		if err != nil {
			frames <- []byte("bad length " + n)
			return
		}
		b := make([]byte, size)
		if _, err := io.ReadFull(r, b); err != nil {
			return
		}
		frames <- b
	}
}

// TestStreamSyslogTCP: octet-counted RFC 5424 messages, parsed back; when
// the receiver drops the connection, the stream connects again and goes
// on.
func TestStreamSyslogTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	frames := make(chan []byte, 100)
	conns := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns <- c
			go readFrames(c, frames)
		}
	}()
	s := chainOf(t, 2, nil)
	st := streamOf(t, s, "syslog+tcp://"+ln.Addr().String(), auditlog.StreamOptions{})
	appendAll(t, s, streamed())
	var got []syslogMsg
	for len(got) < 3 {
		got = append(got, parseSyslog(t, <-frames))
	}
	checkSyslog(t, got, records(t, s, 2))

	// The receiver goes away: the next events come over a new connection.
	first := <-conns
	first.Close()
	var second net.Conn
	for second == nil {
		appendAll(t, s, []*vigil.Event{{Time: time.Now(), Username: "dave", Event: vigil.EventLogout}})
		select {
		case second = <-conns:
		case <-time.After(20 * time.Millisecond):
		}
	}
	defer second.Close()
	m := parseSyslog(t, <-frames)
	if seq, _ := strconv.ParseInt(m.params["seq"], 10, 64); seq <= 5 || m.params["username"] != "dave" {
		t.Errorf("after reconnecting: %+v", m)
	}
	if st.Stats().Sent < 4 {
		t.Errorf("stats %+v", st.Stats())
	}
}

// TestStreamNeverBlocksAudit: with a receiver that cannot be reached, the
// engine's audit writes go on as ever; the stream drops what its queue
// cannot hold, counts it, and says so in the log with the seqs.
func TestStreamNeverBlocksAudit(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nobody listens there now
	store := testkit.SQLite(t)
	engine := testkit.Engine(store, auth.Options{})
	var logs testkit.SyncBuffer
	var mu sync.Mutex
	dials := 0
	dial := func(ctx context.Context, network, a string) (net.Conn, error) {
		mu.Lock()
		dials++
		mu.Unlock()
		return (&net.Dialer{}).DialContext(ctx, network, a)
	}
	st := streamOf(t, store, "syslog+tcp://"+addr, auditlog.StreamOptions{Queue: 4, Dial: dial,
		Log: slog.New(slog.NewTextHandler(&logs, nil))})
	head := st.Stats().Seq
	const n = 200
	for i := range n {
		engine.Audit(t.Context(), auth.Actor{Username: "system"}, vigil.Event{Username: fmt.Sprint("u", i), Event: vigil.EventLogout})
	}
	if got := newestSeq(t, store); got != head+n {
		t.Fatalf("the chain ends at %d, want all %d events written", got, n)
	}
	waitFor(t, "the stream to read every event", func() bool { return st.Stats().Seq == head+n })
	stats := st.Stats()
	if stats.Sent != 0 || stats.Dropped < n-5 || stats.Dropped > n {
		t.Errorf("stats %+v: want none sent and all but the queue's 4 and the one in hand dropped", stats)
	}
	mu.Lock()
	if dials == 0 {
		t.Error("the stream never tried to connect")
	}
	mu.Unlock()
	for _, want := range []string{"audit stream: the receiver is not keeping up", "audit stream: cannot reach the receiver"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, logs.String())
		}
	}
	if strings.Count(logs.String(), "\n") > 4 {
		t.Errorf("the log repeats itself:\n%s", logs.String())
	}
}

// TestSyslogLongFields: a username of many characters and bytes outside
// ASCII, and an event name outside PRINTUSASCII, still make one valid
// message.
func TestSyslogLongFields(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	s := chainOf(t, 0, nil)
	streamOf(t, s, "syslog+udp://"+pc.LocalAddr().String(), auditlog.StreamOptions{})
	long := strings.Repeat("]\"\\é", 100)
	appendAll(t, s, []*vigil.Event{{Time: at(0), Username: long, Event: "weird event\tname ✓"}})
	buf := make([]byte, 65536)
	n, _, err := pc.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	m := parseSyslog(t, buf[:n])
	if m.params["username"] != long || m.msgID != "weird_event_name____" || !bytes.Contains(buf[:n], []byte(`\]\"\\é`)) {
		t.Errorf("msgid %q, username %q", m.msgID, m.params["username"])
	}
}

// TestStreamSendsWhatCameBeforeStop: events appended just before the
// stream stops (here, before any poll after the start) are still sent.
func TestStreamSendsWhatCameBeforeStop(t *testing.T) {
	s := chainOf(t, 1, nil)
	tg, _ := auditlog.ParseStreamTarget("stdout")
	var out testkit.SyncBuffer
	st := auditlog.NewStream(s, tg, auditlog.StreamOptions{Stdout: &out, Poll: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- st.Run(ctx) }()
	waitFor(t, "the stream to start", func() bool { return st.Stats().Following })
	appendAll(t, s, streamed())
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v", err)
	}
	if n := strings.Count(out.String(), "\n"); n != 3 || st.Stats().Sent != 3 {
		t.Errorf("%d lines, stats %+v; want the 3 events appended before the stop:\n%s", n, st.Stats(), out.String())
	}
}
