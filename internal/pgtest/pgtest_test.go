package pgtest

import (
	"net"
	"os"
	"strings"
	"testing"
)

func TestStartStopRestart(t *testing.T) {
	if os.Getenv("VIGIL_TEST_POSTGRES") == "" {
		t.Skip("VIGIL_TEST_POSTGRES not set")
	}
	s := Start(t)
	addr := strings.Split(strings.TrimPrefix(s.URL, "postgres://postgres@"), "/")[0]
	dial := func() error {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err
	}
	if err := dial(); err != nil {
		t.Fatalf("server not listening: %v", err)
	}
	s.Stop()
	if dial() == nil {
		t.Fatal("still listening after Stop")
	}
	s.Restart()
	if err := dial(); err != nil {
		t.Fatalf("not listening after Restart: %v", err)
	}
}
