package main

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/vigilauth/vigil/auth"
)

// passkeyOptions returns the passkeys' relying party for serve: with
// --public-url, its host is the RP ID and its scheme://host[:port] the
// one origin (the default port left out, as browsers write an origin);
// without one, in --dev or --demo, "localhost" and http://localhost:<port>
// of listenAddr (an address such as 127.0.0.1 is no valid RP ID, WebAuthn
// §5.1.2, so a browser must open the pages at localhost). Otherwise
// passkeys are off (the zero value): also when the public URL's host is
// an address, or the port to listen on is chosen at start (":0"), since
// no browser could then use one.
//
// Errors: a public URL that is not an absolute http(s) URL, or a listen
// address without a port.
func passkeyOptions(publicURL string, dev bool, listenAddr string) (auth.Passkeys, error) {
	if publicURL != "" {
		u, err := url.Parse(publicURL)
		if err != nil || u.Hostname() == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return auth.Passkeys{}, fmt.Errorf("passkeys: --public-url %q is not an absolute http(s) URL", publicURL)
		}
		host := strings.ToLower(u.Hostname())
		if net.ParseIP(host) != nil {
			return auth.Passkeys{}, nil
		}
		if !isASCII(host) {
			// Browsers give the relying party the ASCII (punycode) form of
			// an internationalised name; a Unicode one would match no
			// passkey's RP ID hash.
			return auth.Passkeys{}, fmt.Errorf("passkeys: --public-url's host %q: write it in its ASCII form (xn--...), as browsers send it", host)
		}
		p := auth.Passkeys{RPID: host, Origins: []string{origin(u.Scheme, host, u.Port())}}
		return p, p.Check()
	}
	if !dev {
		return auth.Passkeys{}, nil
	}
	_, port, err := net.SplitHostPort(listenAddr)
	if err != nil {
		return auth.Passkeys{}, fmt.Errorf("passkeys: listen address %q: %w", listenAddr, err)
	}
	if port == "0" || port == "" {
		return auth.Passkeys{}, nil
	}
	p := auth.Passkeys{RPID: "localhost", Origins: []string{origin("http", "localhost", port)}}
	return p, p.Check()
}

// origin serializes an origin as a browser does (RFC 6454 §6.2): the
// scheme's default port left out.
func origin(scheme, host, port string) string {
	if port == "" || (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		return scheme + "://" + host
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// isASCII reports whether s is ASCII only.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
