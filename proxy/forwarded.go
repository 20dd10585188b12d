package proxy

import (
	"net/http"
	"net/netip"
	"strings"
)

// view is a request as vigil sees it: the client's address (invalid when
// vigil has none), and the scheme and host the client asked for.
type view struct {
	client      netip.Addr
	proto, host string
}

// viewOf resolves r as vigil sees it. The client is the sessions'
// ClientIP (which believes X-Forwarded-For only from --trusted-proxies);
// the scheme and host are proto's and host's, which believe a peer's
// X-Forwarded-* only when the sessions trust it (FromTrustedProxy; OWASP
// ASVS 5.0 4.1.3).
func (p *Proxy) viewOf(r *http.Request) view {
	trusted := p.sessions.FromTrustedProxy(r)
	client, _ := netip.ParseAddr(p.sessions.ClientIP(r))
	return view{client: client.Unmap().WithZone(""), proto: p.proto(r, trusted), host: p.host(r, trusted)}
}

// proto is the scheme r came in on: https on vigil's own TLS; else a
// trusted proxy's X-Forwarded-Proto, if http or https; else the public
// URL's; else http in --dev and https otherwise, as production vigil runs
// behind TLS termination.
func (p *Proxy) proto(r *http.Request, trusted bool) string {
	if r.TLS != nil {
		return "https"
	}
	if trusted {
		if v := strings.ToLower(lastValue(r.Header, "X-Forwarded-Proto")); v == "http" || v == "https" {
			return v
		}
	}
	if u := p.opt.PublicURL; u != nil && (u.Scheme == "http" || u.Scheme == "https") {
		return u.Scheme
	}
	if p.sessions.Cookies().Dev {
		return "http"
	}
	return "https"
}

// host is the host r was sent to: the public URL's; else a trusted
// proxy's X-Forwarded-Host, if it is a host name or address; else r's
// Host.
func (p *Proxy) host(r *http.Request, trusted bool) string {
	if u := p.opt.PublicURL; u != nil && u.Host != "" {
		return u.Host
	}
	if trusted {
		if v := lastValue(r.Header, "X-Forwarded-Host"); madeOf(v, ".-_:[]") {
			return v
		}
	}
	return r.Host
}

// lastValue is the last of the comma-separated values of h's name: the
// one the nearest proxy added, should it append rather than replace.
func lastValue(h http.Header, name string) string {
	vs := h.Values(name)
	if len(vs) == 0 {
		return ""
	}
	last := vs[len(vs)-1]
	return strings.TrimSpace(last[strings.LastIndexByte(last, ',')+1:])
}

// set gives h v's forwarding headers: X-Forwarded-For and X-Real-Ip (the
// client alone), X-Forwarded-Proto, X-Forwarded-Host, and Forwarded (RFC
// 7239) with all three. Replaced, never appended to: a chain a client
// sent would be read as hops it never made (OWASP ASVS 5.0 4.1.3).
func (v view) set(h http.Header) {
	if v.client.IsValid() {
		h.Set("X-Forwarded-For", v.client.String())
		h.Set("X-Real-Ip", v.client.String())
	}
	h.Set("X-Forwarded-Proto", v.proto)
	if v.host != "" {
		h.Set("X-Forwarded-Host", v.host)
	}
	h.Set("Forwarded", v.forwarded())
}

// forwarded is v as one RFC 7239 forwarded-element:
// for=<client>;host=<host>;proto=<scheme>.
func (v view) forwarded() string {
	s := "for=" + forwardedNode(v.client)
	if v.host != "" {
		s += ";host=" + forwardedValue(v.host)
	}
	return s + ";proto=" + v.proto
}

// forwardedNode is ip as an RFC 7239 §6 node: an IPv6 address quoted and
// in brackets, "unknown" when vigil has no address.
func forwardedNode(ip netip.Addr) string {
	switch {
	case !ip.IsValid():
		return "unknown"
	case ip.Is6():
		return `"[` + ip.String() + `]"`
	}
	return ip.String()
}

// forwardedValue is s as an RFC 7239 value: an RFC 9110 token as it is,
// anything else (a host with a port) a quoted-string.
func forwardedValue(s string) string {
	if madeOf(s, "!#$%&'*+-.^_`|~") {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// madeOf reports whether s is not empty and has only letters, digits and
// bytes of extra (for a host, ".-_:[]": host[:port] and nothing else).
func madeOf(s, extra string) bool {
	return s != "" && !strings.ContainsFunc(s, func(c rune) bool {
		return !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.ContainsRune(extra, c))
	})
}
