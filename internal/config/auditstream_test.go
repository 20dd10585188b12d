package config

import (
	"strings"
	"testing"
)

func TestAuditStreamFlag(t *testing.T) {
	for _, v := range []string{"stdout", "syslog+udp://siem.example:514", "syslog+tcp://10.0.0.5:6514", "syslog+tcp://[::1]:514"} {
		if c := load(t, []string{"--audit-stream", v}, nil); c.AuditStream != v {
			t.Errorf("--audit-stream %q read as %q", v, c.AuditStream)
		}
	}
	for _, v := range []string{"stderr", "syslog://siem:514", "syslog+udp://siem", "syslog+tcp://siem:0", "syslog+tcp://siem:514/path", "https://siem:514"} {
		p := problems(t, []string{"--audit-stream", v}, nil)
		if len(p) != 1 || !strings.Contains(p[0], "--audit-stream") {
			t.Errorf("--audit-stream %q: problems %q", v, p)
		}
	}
}
