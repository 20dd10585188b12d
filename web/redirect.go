package web

import (
	"net/url"
	"strings"
)

// defaultReturn is where the sign-in page sends a user who came with no
// (or no acceptable) place to return to.
const defaultReturn = "/auth/account"

// maxReturnLength bounds rd; longer values are refused, not cut.
const maxReturnLength = 2048

// safeReturn returns rd if it is a path on this origin, else def. It is the
// only gate between the rd parameter and a Location header (OWASP ASVS 5.0
// 3.7.2; CWE-601 open redirect). Accepted: a single "/" followed by
// anything but "/" or "\" (so no protocol-relative "//host" or "/\host",
// which browsers read as "//host"), with no backslash, no control
// character, space or non-ASCII byte (browsers strip tabs and newlines,
// turning "/\t/host" into "//host"; a page's own address is always
// percent-encoded), and nothing a URL parser reads as a scheme or a host.
// The sign-in and sign-out endpoints themselves are refused (no loops).
//
// base is the route prefix (--route-prefix, or ""): vigil's own sign-in,
// sign-out and re-authentication paths are base + /auth/....
func safeReturn(base, rd, def string) string {
	if !isSafePath(rd) {
		return def
	}
	u, err := url.Parse(rd)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") {
		return def
	}
	switch strings.TrimSuffix(u.Path, "/") {
	case base + "/auth/login", base + "/auth/logout", base + "/auth/reauth":
		return def
	}
	return rd
}

func isSafePath(rd string) bool {
	if len(rd) < 1 || len(rd) > maxReturnLength || rd[0] != '/' {
		return false
	}
	if len(rd) > 1 && (rd[1] == '/' || rd[1] == '\\') {
		return false
	}
	for i := 0; i < len(rd); i++ {
		if c := rd[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return false
		}
	}
	return true
}

// adminReturn is safeReturn limited to the administration pages, where an
// administrator's form goes back to after a change.
func adminReturn(base, rd string) string {
	admin := base + "/auth/admin"
	rd = safeReturn(base, rd, admin)
	if rd != admin && !strings.HasPrefix(rd, admin+"/") && !strings.HasPrefix(rd, admin+"?") {
		return admin
	}
	return rd
}

// at is the address of one of vigil's own paths (/auth/..., /api/...) as
// a browser sees it: under the route prefix, if any.
func (p *Pages) at(path string) string { return p.base + path }

func (p *Pages) safeReturn(rd, def string) string { return safeReturn(p.base, rd, def) }

func (p *Pages) adminReturn(rd string) string { return adminReturn(p.base, rd) }
