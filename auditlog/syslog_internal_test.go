package auditlog

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vigilauth/vigil"
)

// sdValues reads the SD-PARAM values of msg's one SD-ELEMENT, undoing
// the escapes, and returns what follows it; ok is false when the element
// does not end where its escaping says.
func sdValues(msg string) (values map[string]string, rest string, ok bool) {
	start := strings.Index(msg, " ["+SyslogSDID)
	if start < 0 {
		return nil, "", false
	}
	s := msg[start+len(SyslogSDID)+2:]
	values = map[string]string{}
	for strings.HasPrefix(s, " ") {
		eq := strings.Index(s, `="`)
		if eq < 0 {
			return nil, "", false
		}
		name, i := s[1:eq], eq+2
		var v strings.Builder
		for ; i < len(s) && s[i] != '"'; i++ {
			switch {
			case s[i] == '\\' && i+1 < len(s) && strings.IndexByte(`"\]`, s[i+1]) >= 0:
				i++
			case s[i] == ']':
				return nil, "", false // an unescaped ] would end the element early
			}
			v.WriteByte(s[i])
		}
		if i == len(s) {
			return nil, "", false
		}
		values[name], s = v.String(), s[i+1:]
	}
	rest, ok = strings.CutPrefix(s, "] ")
	return values, rest, ok
}

// FuzzSyslogMessage: whatever a client puts in an event (a username typed
// at sign-in, a User-Agent), the message has one SD-ELEMENT whose values
// read back exactly (as valid UTF-8), a header of printable ASCII, and
// nothing after the element but the event's name in printable ASCII.
func FuzzSyslogMessage(f *testing.F) {
	f.Add("alice", `a "b" ] \ c`, "login_failed", "Mozilla/5.0 [x]")
	f.Add("]\"\\", "\n<13>1 - - forged", "password_changed_all_sessions_invalidated", "")
	f.Add("", "", "", "\xff\xfe")
	f.Fuzz(func(t *testing.T, username, detail, event, agent string) {
		when := time.Date(2026, 3, 14, 9, 0, 0, 123456789, time.UTC)
		r := Next(Head{}, vigil.Event{Time: when, Username: username, Detail: detail, Event: event, UserAgent: agent})
		msg := string(syslogMessage(&r, "ward-3 example"))
		values, rest, ok := sdValues(msg)
		if !ok {
			t.Fatalf("the SD-ELEMENT does not parse: %q", msg)
		}
		for name, want := range map[string]string{"username": username, "detail": detail, "event": event, "user_agent": agent} {
			if want = strings.ToValidUTF8(want, "\uFFFD"); values[name] != want {
				t.Errorf("%s = %q, want %q", name, values[name], want)
			}
		}
		header := msg[:strings.Index(msg, " ["+SyslogSDID)]
		for _, s := range []string{header, rest} {
			for i := 0; i < len(s); i++ {
				if c := s[i]; (c < 33 || c > 126) && c != ' ' {
					t.Fatalf("byte %#x outside printable ASCII in %q", c, s)
				}
			}
		}
		if n := len(strings.Fields(header)); n != 6 || !utf8.ValidString(msg) {
			t.Errorf("header %q has %d fields, want 6", header, n)
		}
	})
}
