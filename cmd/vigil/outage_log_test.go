package main

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// TestOutageLogIsBounded: with the database down under a request loop,
// each kind of warning or error (message and cause) is logged at most
// once a second, the repeats counted in repeated=N, and the lines account
// for every failed request.
func TestOutageLogIsBounded(t *testing.T) {
	pg := privateCluster(t)
	srv := startStoppable(t, pg.URL, "--dev", "--log-format", "json")
	srv.addUser(t, "alice", "patient", opsPW)
	d := srv.device(t)
	d.Login("alice", opsPW)
	warm(t, 5, d)

	mark := len(srv.stderr.String())
	start := time.Now()
	pg.Stop()
	const requests = 300
	failed := 0
	for failed < requests {
		if r := d.Do("GET", "/api/auth/session", nil); r.Status == 503 {
			failed++
		} else if time.Since(start) > time.Minute {
			t.Fatalf("still %d a minute after the database stopped", r.Status)
		}
	}
	// Wait for the line that stands for the last second's repeats.
	var kinds map[string]int
	var logged int
	for deadline := time.Now().Add(10 * time.Second); logged < failed && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		kinds, logged = readOutageLog(t, srv.stderr.String()[mark:])
	}
	if logged != failed {
		t.Fatalf("the log accounts for %d failed requests, want %d", logged, failed)
	}
	// At most one line per kind at the start and then one per second.
	bound := int(math.Ceil(time.Since(start).Seconds())) + 2
	for kind, n := range kinds {
		if n > bound {
			t.Errorf("%d lines of %s within %v (at most %d)", n, kind, time.Since(start).Round(time.Millisecond), bound)
		}
	}
	t.Logf("%d failed requests in %v: %d kinds, lines per kind %v", failed, time.Since(start).Round(time.Millisecond), len(kinds), kinds)
}

// readOutageLog returns, for each kind of warning or error in the JSON log
// text, its number of lines, and how many failed requests the "request
// failed" lines account for (a line with repeated=N stands for N).
func readOutageLog(t *testing.T, text string) (map[string]int, int) {
	t.Helper()
	kinds := map[string]int{}
	failed := 0
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["level"] != "WARN" && rec["level"] != "ERROR" {
			continue
		}
		kinds[fmt.Sprintf("%s %q err=%q", rec["level"], rec["msg"], rec["err"])]++
		if rec["msg"] == "request failed" {
			if n, ok := rec["repeated"].(float64); ok {
				failed += int(n)
			} else {
				failed++
			}
		}
	}
	return kinds, failed
}
