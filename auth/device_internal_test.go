package auth

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fixedKey is a key store that always has the same key.
type fixedKey []byte

func (k fixedKey) ServerKey(context.Context, string) ([]byte, error) { return k, nil }

// FuzzDeviceCredential: whatever a client presents as its device cookie,
// checking it does not panic, and it is accepted only if it is exactly a
// credential issued for that username (re-issuing it from its own fields
// gives the same text).
func FuzzDeviceCredential(f *testing.F) {
	d := &devices{store: fixedKey(make([]byte, 32))}
	now := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
	valid, err := d.issue(context.Background(), "dev-1", "alice", now)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid.Value, "alice")
	f.Add(valid.Value, "bob")
	f.Add(valid.Value+"=", "alice")
	f.Add("djF8ZGV2LTF8YWxpY2V8MA.", "alice")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, value, username string) {
		id, err := d.known(context.Background(), value, username, now)
		if err != nil {
			return
		}
		p64, _, _ := strings.Cut(value, ".")
		payload, _ := base64.RawURLEncoding.DecodeString(p64)
		fields := strings.Split(string(payload), "|")
		secs, _ := strconv.ParseInt(fields[len(fields)-1], 10, 64)
		again, err := d.issue(context.Background(), id, username, time.Unix(secs, 0))
		if err != nil || again.Value != value {
			t.Fatalf("accepted %q for %q (device %q), which is not what vigil issues: %q", value, username, id, again.Value)
		}
	})
}
