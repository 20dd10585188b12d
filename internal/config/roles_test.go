package config

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
)

func TestParseRoleDurations(t *testing.T) {
	type m = map[vigil.Role]time.Duration
	tests := []struct {
		in       string
		want     m
		problems []problem
	}{
		{"", nil, nil},
		{" , ,", nil, nil},
		{"clinician=15m,admin=10m", m{vigil.RoleClinician: 15 * time.Minute, vigil.RoleAdmin: 10 * time.Minute}, nil},
		{" clinician = 15m , patient=1h30m,", m{vigil.RoleClinician: 15 * time.Minute, vigil.RolePatient: 90 * time.Minute}, nil},
		{"clinician", nil, []problem{{"clinician", "want role=duration"}}},
		{"=15m", nil, []problem{{"=15m", `unknown role "" (want patient, clinician or admin)`}}},
		{"Admin=1m", nil, []problem{{"Admin=1m", `unknown role "Admin" (want patient, clinician or admin)`}}},
		{"admin=", nil, []problem{{"admin=", "invalid duration (want Go syntax such as 30m or 168h)"}}},
		{"admin=15", nil, []problem{{"admin=15", "invalid duration (want Go syntax such as 30m or 168h)"}}},
		{"admin=-1m", nil, []problem{{"admin=-1m", "must be positive"}}},
		{"admin=1m=2m", nil, []problem{{"admin=1m=2m", "invalid duration (want Go syntax such as 30m or 168h)"}}},
		{"admin=1m,admin=2m", m{vigil.RoleAdmin: time.Minute}, []problem{{"admin=2m", "role admin given more than once"}}},
		{"admin=0s,admin=2m", nil, []problem{{"admin=0s", "must be positive"}, {"admin=2m", "role admin given more than once"}}},
		{"nurse=1m,patient=x,admin=5m", m{vigil.RoleAdmin: 5 * time.Minute}, []problem{
			{"nurse=1m", `unknown role "nurse" (want patient, clinician or admin)`},
			{"patient=x", "invalid duration (want Go syntax such as 30m or 168h)"}}},
	}
	for _, tt := range tests {
		got, problems := parseRoleDurations(tt.in)
		if !reflect.DeepEqual(got, tt.want) || !reflect.DeepEqual(problems, tt.problems) {
			t.Errorf("parseRoleDurations(%q) = %v, %q; want %v, %q", tt.in, got, problems, tt.want, tt.problems)
		}
	}
}

func FuzzParseRoleDurations(f *testing.F) {
	for _, s := range []string{"", "clinician=15m,admin=10m", "patient=720h", "admin=1m,admin=2m",
		"nurse=1m", "admin=-1s", "admin", "=", ",,,", " clinician = 1h30m ", "admin=9223372036854775807ns"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, problems := parseRoleDurations(s)
		for r, d := range got {
			if !r.Valid() || d <= 0 {
				t.Fatalf("parseRoleDurations(%q) accepted %q=%v", s, r, d)
			}
		}
		for _, p := range problems {
			if p.value == "" || !strings.Contains(s, p.value) || p.reason == "" {
				t.Fatalf("parseRoleDurations(%q): problem %+v does not point into the input", s, p)
			}
		}
		if len(got)+len(problems) > strings.Count(s, ",")+1 {
			t.Fatalf("parseRoleDurations(%q): more results than entries", s)
		}
		// What was accepted reads back the same.
		var parts []string
		for _, r := range vigil.Roles {
			if d, ok := got[r]; ok {
				parts = append(parts, fmt.Sprintf("%s=%s", r, d))
			}
		}
		again, more := parseRoleDurations(strings.Join(parts, ","))
		if len(more) != 0 || len(again) != len(got) || (len(got) > 0 && !reflect.DeepEqual(again, got)) {
			t.Fatalf("parseRoleDurations(%q) = %v; re-parsing %q gave %v, %v", s, got, parts, again, more)
		}
	})
}
