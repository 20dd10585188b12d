package redis

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
)

// TestClientMessagesGoToTheLog: the Redis client's own messages become
// warnings in vigil's log (one JSON record each), not plain stderr lines.
func TestClientMessagesGoToTheLog(t *testing.T) {
	var buf bytes.Buffer
	l := clientLogger{slog.New(slog.NewJSONHandler(&buf, nil))}
	l.Printf(context.Background(), "redis: connection pool: failed to dial after %d attempts: %v\n", 5, "connection refused")
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("not one JSON record: %q (%v)", buf.String(), err)
	}
	if rec["level"] != "WARN" || rec["msg"] != "redis client: connection pool: failed to dial after 5 attempts: connection refused" {
		t.Errorf("record = %v", rec)
	}
}
