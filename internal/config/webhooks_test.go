package config

import (
	"strings"
	"testing"
)

func TestWebhookFlags(t *testing.T) {
	if c := load(t, nil, nil); len(c.WebhookURLs) != 0 || c.WebhookSecretFile != "" {
		t.Errorf("defaults: %v %q", c.WebhookURLs, c.WebhookSecretFile)
	}
	c := load(t, []string{"--webhook-url", "https://a.example/hook", "--webhook-url=https://b.example:8443/x?k=1",
		"--webhook-secret-file", "/etc/vigil/webhook.secret"}, nil)
	if len(c.WebhookURLs) != 2 || c.WebhookURLs[0].String() != "https://a.example/hook" || c.WebhookURLs[1].String() != "https://b.example:8443/x?k=1" {
		t.Errorf("two --webhook-url read as %v", c.WebhookURLs)
	}
	c = load(t, nil, map[string]string{"VIGIL_WEBHOOK_URL": "https://a.example/1  https://b.example/2", "VIGIL_WEBHOOK_SECRET_FILE": "s"})
	if len(c.WebhookURLs) != 2 {
		t.Errorf("VIGIL_WEBHOOK_URL with two URLs read as %v", c.WebhookURLs)
	}
	// Plain http: only with --dev or to this machine.
	if c := load(t, []string{"--webhook-url", "http://127.0.0.1:9000/h", "--webhook-url", "http://localhost/h", "--webhook-secret-file", "s"}, nil); len(c.WebhookURLs) != 2 {
		t.Errorf("loopback http endpoints: %v", c.WebhookURLs)
	}
	if c := load(t, []string{"--dev", "--webhook-url", "http://hooks.internal/h", "--webhook-secret-file", "s"}, nil); len(c.WebhookURLs) != 1 {
		t.Errorf("http with --dev: %v", c.WebhookURLs)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--webhook-url", "https://a.example/h"}, "needs --webhook-secret-file"},
		{[]string{"--webhook-url", "http://hooks.example/h", "--webhook-secret-file", "s"}, "use https"},
		{[]string{"--webhook-url", "ftp://hooks.example/h", "--webhook-secret-file", "s"}, "http:// or https://"},
		{[]string{"--webhook-url", "/relative", "--webhook-secret-file", "s"}, "http:// or https://"},
		{[]string{"--webhook-url", "https:///nohost", "--webhook-secret-file", "s"}, "want a host"},
		{[]string{"--webhook-url", "https://u:p@a.example/h", "--webhook-secret-file", "s"}, "no user or password"},
		{[]string{"--webhook-url", "https://a.example/h#x", "--webhook-secret-file", "s"}, "no #fragment"},
		{[]string{"--webhook-url", "https://a.example/h", "--webhook-url", "https://a.example/h", "--webhook-secret-file", "s"}, "given twice"},
		{[]string{"--webhook-url", "https://a.example/h", "--webhook-secret-file", " "}, "want a file path"},
	} {
		p := problems(t, tc.args, nil)
		if len(p) != 1 || !strings.Contains(p[0], tc.want) {
			t.Errorf("%q: problems %q, want one saying %q", tc.args, p, tc.want)
		}
	}
}
