package config

import (
	"net"
	"net/url"
	"slices"
	"strings"
)

// repeatable are the serve flags that may be given more than once; their
// values add up (Load joins them with newlines, and their environment
// twin takes several values separated by spaces).
var repeatable = map[string]bool{"webhook-url": true}

// webhookURLs reads --webhook-url: one or more absolute http(s) URLs, each
// an endpoint that receives every webhook. Whether plain http is allowed
// is decided with --dev in crossCheck.
func webhookURLs(dst *[]*url.URL) func(string) []problem {
	return func(s string) []problem {
		var problems []problem
		for _, v := range strings.Fields(s) {
			u, reason := webhookURL(v)
			switch {
			case reason != "":
				problems = append(problems, problem{v, reason})
			case slices.ContainsFunc(*dst, func(o *url.URL) bool { return o.String() == u.String() }):
				problems = append(problems, problem{v, "given twice"})
			default:
				*dst = append(*dst, u)
			}
		}
		return problems
	}
}

// webhookURL checks one endpoint.
func webhookURL(s string) (*url.URL, string) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return nil, "not a URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, "want an http:// or https:// URL"
	case u.Host == "" || u.Hostname() == "":
		return nil, "want a host, e.g. https://hooks.example/vigil"
	case u.User != nil:
		// A password in the URL would be printed in logs and the admin
		// page; the receiver trusts the signature instead.
		return nil, "no user or password in the URL: the signature (--webhook-secret-file) authenticates vigil"
	case u.Fragment != "" || strings.Contains(s, "#"):
		return nil, "no #fragment: it is never sent"
	}
	return u, ""
}

// loopbackHost reports whether host names this machine only.
func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// webhookProblems are the webhook settings' problems that involve other
// settings: an endpoint needs the secret, and account events leave the
// machine only over TLS (OWASP ASVS 5.0 12.2.1) unless --dev.
func (c *Config) webhookProblems(src map[string]string, failed map[string]bool) []string {
	var problems []string
	if len(c.WebhookURLs) > 0 && c.WebhookSecretFile == "" && !failed["webhook-url"] && !failed["webhook-secret-file"] {
		problems = append(problems, src["webhook-url"]+" needs --webhook-secret-file: the secret the receivers check the signatures with")
	}
	if c.Dev {
		return problems
	}
	for _, u := range c.WebhookURLs {
		if u.Scheme == "http" && !loopbackHost(u.Hostname()) {
			problems = append(problems, src["webhook-url"]+" "+u.String()+": use https (webhooks carry account events; plain http only with --dev or to a loopback address)")
		}
	}
	return problems
}
