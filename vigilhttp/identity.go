package vigilhttp

import (
	"fmt"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vigilauth/vigil/auth"
)

// IdentityHeaders chooses the families of identity headers forward auth
// and the reverse proxy send (--identity-headers). Remote-* is always
// among them.
type IdentityHeaders uint8

const (
	// IdentityRemote: Remote-User, -Role, -Clinician-Id, -Session-Id,
	// and Authelia's Remote-Name, -Email, -Groups.
	IdentityRemote IdentityHeaders = 1 << iota
	// IdentityOAuth2Proxy: oauth2-proxy's X-Auth-Request-User, -Email,
	// -Groups and -Preferred-Username (what it sends with
	// --set-xauthrequest).
	IdentityOAuth2Proxy
)

// identityFamilies are the names --identity-headers takes, in order.
var identityFamilies = []struct {
	name string
	bit  IdentityHeaders
}{{"remote", IdentityRemote}, {"oauth2-proxy", IdentityOAuth2Proxy}}

// ParseIdentityHeaders reads --identity-headers: a comma-separated list
// of remote (always sent, so always named) and oauth2-proxy, each once.
func ParseIdentityHeaders(s string) (IdentityHeaders, error) {
	var set IdentityHeaders
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		bit := IdentityHeaders(0)
		for _, f := range identityFamilies {
			if f.name == name {
				bit = f.bit
			}
		}
		switch {
		case bit == 0:
			return 0, fmt.Errorf("unknown family %q (want remote or remote,oauth2-proxy)", name)
		case set&bit != 0:
			return 0, fmt.Errorf("%s is named twice", name)
		}
		set |= bit
	}
	if set&IdentityRemote == 0 {
		return 0, fmt.Errorf("remote is always sent: write remote,%s", s)
	}
	return set, nil
}

// String is the flag's value that chooses h.
func (h IdentityHeaders) String() string {
	var names []string
	for _, f := range identityFamilies {
		if h&f.bit != 0 {
			names = append(names, f.name)
		}
	}
	return strings.Join(names, ",")
}

// SetIdentity sets on h the identity headers of cur's user chosen by
// Options.IdentityHeaders (Remote-* when none is chosen), replacing any
// already there. Every chosen header is present, empty when the value is
// unknown, so a copy a client sent can never stand in for it behind a
// proxy that copies the headers it gets. A value that is not one line of
// visible characters and spaces (a control, a CR or LF, a bidi or other
// format character, invalid UTF-8, leading or trailing space) is sent
// empty, never in part: header values are user data.
//
// The values share one allocation; h must only be read afterwards (as
// net/http does).
func (s *Sessions) SetIdentity(h http.Header, cur *auth.Current) {
	u := &cur.User
	v := make([]string, 6)
	v[0], v[1], v[2], v[3] = s.headerValue(u.Username), s.headerValue(string(u.Role)), s.headerValue(u.ClinicianID), s.headerValue(cur.Session.ID)
	v[4], v[5] = s.headerValue(u.DisplayName), s.headerValue(u.Email)
	user, role, email := v[0:1:1], v[1:2:2], v[5:6:6]
	h["Remote-User"], h["Remote-Role"], h["Remote-Clinician-Id"], h["Remote-Session-Id"] = user, role, v[2:3:3], v[3:4:4]
	// Remote-Groups is the role: a user has one, so the comma-separated
	// list Authelia sends has one item.
	h["Remote-Name"], h["Remote-Email"], h["Remote-Groups"] = v[4:5:5], email, role
	if s.opt.IdentityHeaders&IdentityOAuth2Proxy != 0 {
		h["X-Auth-Request-User"], h["X-Auth-Request-Preferred-Username"] = user, user
		h["X-Auth-Request-Email"], h["X-Auth-Request-Groups"] = email, role
	}
}

// headerValue is v when it is safe in a header (HeaderSafe), else "",
// logged: a value stored before validation, or by another path.
func (s *Sessions) headerValue(v string) string {
	if HeaderSafe(v) {
		return v
	}
	s.opt.Logger.Warn("identity header sent empty: its value holds a character a header cannot carry", "value", fmt.Sprintf("%q", v))
	return ""
}

// HeaderSafe reports whether v can be an identity header's value as it
// is: valid UTF-8 of visible characters and spaces, neither starting nor
// ending with a space (a proxy would trim it). No control character (CR,
// LF, NUL, DEL, C1), no bidi control or other format character (U+200E,
// U+202E, U+2066…), no line or paragraph separator.
func HeaderSafe(v string) bool {
	if v == "" {
		return true
	}
	if v[0] == ' ' || v[len(v)-1] == ' ' {
		return false
	}
	for i := 0; i < len(v); {
		c := v[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(v[i:])
		if r == utf8.RuneError || !unicode.IsGraphic(r) || unicode.Is(unicode.Cf, r) {
			return false
		}
		i += n
	}
	return true
}
