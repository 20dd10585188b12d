package auditlog

import (
	"os"
	"strconv"
	"strings"

	"github.com/vigilauth/vigil"
)

// The syslog message of an event (RFC 5424 §6):
//
//	<PRI>1 TIMESTAMP HOSTNAME vigil PROCID MSGID [vigil@32473 seq="…" …] EVENT
//
// PRI is facility authpriv (10, security and authorization messages, RFC
// 5424 §6.2.1) times 8 plus the severity (syslogSeverity). TIMESTAMP is
// the event's time in UTC to the microsecond, as the chain keeps it ("-"
// when it has none). MSGID is the event's name, cut to the 32 characters
// RFC 5424 allows (password_changed_all_sessions_invalidated is 41); the
// whole name is the SD-PARAM event and the MSG. The STRUCTURED-DATA
// element vigil@32473 holds the fields of an export's event line, as
// SD-PARAMs: seq, prev, hash, username, actor, category, event, detail,
// ip, user_agent, session_id, every one present (empty when empty), each
// value UTF-8 with '"', '\' and ']' escaped by a '\' (§6.3.3). 32473 is
// the private enterprise number IANA reserves for examples (RFC 5612):
// vigil has none of its own, and a receiver matches on the whole SD-ID.
const (
	syslogFacility = 10 // authpriv
	syslogNotice   = 5
	syslogInfo     = 6
	// SyslogSDID is the SD-ID of an event's STRUCTURED-DATA element.
	SyslogSDID = "vigil@32473"
)

// noticeEvents are the events sent with severity notice (5, "normal but
// significant condition"): failures, locks, revocations, and a second
// factor taken away. Every other event is info (6).
var noticeEvents = map[string]bool{
	vigil.EventLoginFailed: true, vigil.EventLoginThrottled: true, vigil.EventInvalidCurrentPassword: true,
	vigil.EventReauthFailed: true, vigil.EventMFAFailed: true, vigil.EventDeviceBindingFailed: true,
	vigil.EventCSRFRejected: true, vigil.EventAccessForbidden: true, vigil.EventUserDisabled: true,
	vigil.EventSessionRevoked: true, vigil.EventSessionsRevokedOthers: true, vigil.EventPasswordChanged: true,
	vigil.EventMFARemoved: true, vigil.EventMFAReset: true,
}

// syslogSeverity is an event's severity: notice or info.
func syslogSeverity(event string) int {
	if noticeEvents[event] {
		return syslogNotice
	}
	return syslogInfo
}

// syslogMessage returns r as an RFC 5424 message from host.
func syslogMessage(r *Record, host string) []byte {
	e := &r.Event
	b := make([]byte, 0, 512+len(e.Detail)+len(e.UserAgent))
	b = append(b, '<')
	b = strconv.AppendInt(b, int64(syslogFacility*8+syslogSeverity(e.Event)), 10)
	b = append(b, ">1 "...)
	if e.Time.IsZero() {
		b = append(b, '-')
	} else {
		b = e.Time.UTC().AppendFormat(b, timeLayout)
	}
	b = append(b, ' ')
	b = append(b, headerField(host, 255)...)
	b = append(b, " vigil "...)
	b = strconv.AppendInt(b, int64(os.Getpid()), 10)
	b = append(b, ' ')
	b = append(b, headerField(e.Event, 32)...)
	b = append(b, " ["+SyslogSDID...)
	for _, p := range [...]struct{ name, value string }{
		{"seq", strconv.FormatInt(r.Seq, 10)}, {"prev", r.Prev.String()}, {"hash", r.Hash.String()},
		{"username", e.Username}, {"actor", e.Actor}, {"category", e.Category}, {"event", e.Event},
		{"detail", e.Detail}, {"ip", e.IP}, {"user_agent", e.UserAgent}, {"session_id", e.SessionID},
	} {
		b = append(b, ' ')
		b = append(b, p.name...)
		b = append(b, `="`...)
		b = append(b, sdEscaper.Replace(strings.ToValidUTF8(p.value, "\uFFFD"))...)
		b = append(b, '"')
	}
	b = append(b, "] "...)
	return append(b, headerField(e.Event, 1024)...)
}

// sdEscaper escapes an SD-PARAM value (RFC 5424 §6.3.3).
var sdEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, `]`, `\]`)

// headerField returns s as a header field of at most limit characters of
// PRINTUSASCII (33 to 126), each other byte as '_'; "-" (the nil value)
// when s is empty.
func headerField(s string, limit int) string {
	if s == "" {
		return "-"
	}
	b := []byte(s[:min(len(s), limit)])
	for i, c := range b {
		if c < 33 || c > 126 {
			b[i] = '_'
		}
	}
	return string(b)
}
