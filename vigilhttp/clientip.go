package vigilhttp

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientIP returns the client's address as the sessions see it: the
// address audited, and the one the reverse proxy reports to the app behind
// it. It is the peer, unless the peer is a trusted proxy
// (Options.TrustedProxies), whose X-Forwarded-For is then read from the
// right, skipping trusted proxies: the first untrusted hop is the client
// (OWASP ASVS 5.0 4.1.3; a client can prepend any hop it likes). With
// Options.ClientIP, that function's answer.
func (s *Sessions) ClientIP(r *http.Request) string { return s.opt.ClientIP(r) }

// FromTrustedProxy reports whether r's peer is one of
// Options.TrustedProxies: only then are its X-Forwarded-* headers believed.
func (s *Sessions) FromTrustedProxy(r *http.Request) bool {
	return len(s.opt.TrustedProxies) > 0 && s.trusted(RemoteIP(r))
}

// forwardedFor is ClientIP's reading of the peer and X-Forwarded-For.
func (s *Sessions) forwardedFor(r *http.Request) string {
	peer := RemoteIP(r)
	if !s.trusted(peer) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if _, err := netip.ParseAddr(hop); err != nil {
			break
		}
		if !s.trusted(hop) {
			return hop
		}
		peer = hop
	}
	return peer
}

// trusted reports whether addr is inside Options.TrustedProxies.
func (s *Sessions) trusted(addr string) bool {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range s.opt.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// RemoteIP returns the host part of r.RemoteAddr.
func RemoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
