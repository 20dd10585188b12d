package proxy

import (
	"net/http"
	"strconv"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/vigilhttp"
)

// Headers only vigil may send the upstream: an app, or the server it runs
// in, reads them as facts about the request — who the user is, where the
// request came from, which path it was for — so a client's copies are
// removed from every request, public paths included (OWASP ASVS 5.0
// 4.1.3: headers set by an intermediary cannot be overridden by the user).
//
// Names are compared as a CGI/WSGI server files them, case folded and
// with "_" read as "-": Remote_User and remote-user are both
// HTTP_REMOTE_USER to wsgiref, PHP or Rack, and net/http keeps the first
// as a header of its own ("Remote_user"). Stricter still, every byte other
// than a letter or digit counts as "-", as older Apache servers filed it.
var (
	// reservedPrefixes: Remote-* (vigil's identity headers, today's and
	// those to come), X-Remote-* (Kubernetes' authenticating proxy),
	// X-Auth-Request-* (oauth2-proxy), and X-Forwarded-* (oauth2-proxy's
	// -User, -Email, -Groups, -Preferred-Username; the -For, -Proto and
	// -Host vigil sets; -Prefix, -Port and the like, which frameworks read
	// as the public URL).
	reservedPrefixes = []string{"remote-", "x-remote-", "x-auth-request-", "x-forwarded-"}
	// reservedNames: the other headers vigil sets, and the two that some
	// frameworks take for the request's path, past vigil's check of it
	// (Symfony, CVE-2018-14773).
	reservedNames = []string{"forwarded", "x-real-ip", "x-original-url", "x-rewrite-url"}
)

// stripReserved removes every header of h whose name is vigil's to set.
func stripReserved(h http.Header) {
	for name := range h {
		if reserved(name) {
			delete(h, name)
		}
	}
}

// reserved reports whether a header named name is vigil's to set.
func reserved(name string) bool {
	for _, p := range reservedPrefixes {
		if len(name) >= len(p) && foldedEqual(name[:len(p)], p) {
			return true
		}
	}
	for _, n := range reservedNames {
		if len(name) == len(n) && foldedEqual(name, n) {
			return true
		}
	}
	return false
}

// foldedEqual reports whether name, folded, is want (lower case, "-" for
// a separator); the two are the same length.
func foldedEqual(name, want string) bool {
	for i := 0; i < len(want); i++ {
		if fold(name[i]) != want[i] {
			return false
		}
	}
	return true
}

// fold is c as a CGI server reads it in a header's name, in lower case:
// letters and digits stay, every other byte is a separator, "-".
func fold(c byte) byte {
	switch {
	case 'A' <= c && c <= 'Z':
		return c + 'a' - 'A'
	case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return c
	}
	return '-'
}

// setIdentity tells the upstream who the session's user is (nothing
// without a session): the families of --identity-headers, each header
// sent even when empty (vigilhttp.Sessions.SetIdentity).
func setIdentity(s *vigilhttp.Sessions, h http.Header, cur *auth.Current) {
	if cur == nil {
		return
	}
	s.SetIdentity(h, cur)
	// Remote-AAL: the assurance level of the session (1 or 2, SPEC §6).
	h.Set("Remote-AAL", strconv.Itoa(max(cur.Session.AAL, vigil.AAL1)))
}
