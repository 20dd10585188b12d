package webhook

import (
	"net/http"
	"testing"
	"time"
)

// TestBackoffDoublesToTheCap: the ceiling of the wait doubles with each
// failure from 5 s up to the hour, and the jittered wait is within it.
func TestBackoffDoublesToTheCap(t *testing.T) {
	top := withDefaults(Options{Jitter: func(d time.Duration) time.Duration { return d - 1 }})
	w := &Worker{opt: top}
	want := []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second}
	for i, c := range want {
		if got := w.backoff(i + 1); got != c-1 {
			t.Errorf("backoff(%d) = %v, want just under %v", i+1, got, c)
		}
	}
	for _, n := range []int{11, 12, 40, 64, 1000} {
		if got := w.backoff(n); got != time.Hour-1 {
			t.Errorf("backoff(%d) = %v, want the cap, an hour", n, got)
		}
	}
	random := &Worker{opt: withDefaults(Options{})}
	for n := 1; n < 30; n++ {
		ceiling := min(time.Hour, 5*time.Second<<(n-1))
		for range 20 {
			if got := random.backoff(n); got < time.Second || got >= max(ceiling, time.Second+1) {
				t.Fatalf("backoff(%d) = %v, want within [1s, %v)", n, got, ceiling)
			}
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"120": 2 * time.Minute, "": 0, "soon": 0, "-5": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
	} {
		if got := parseRetryAfter(v, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}
