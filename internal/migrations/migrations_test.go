package migrations

import (
	"testing"
	"testing/fstest"
)

func TestLoadOrdersAndRefuses(t *testing.T) {
	ok := fstest.MapFS{
		"m/0002_b.sql": {Data: []byte("B")},
		"m/0001_a.sql": {Data: []byte("A")},
	}
	ms, err := Load(ok, "m")
	if err != nil || len(ms) != 2 || ms[0].Version != 1 || ms[1].SQL != "B" || ms[1].Name != "0002_b.sql" {
		t.Fatalf("Load = %+v, %v", ms, err)
	}
	for name, bad := range map[string]fstest.MapFS{
		"no version":        {"m/x_a.sql": {}},
		"zero version":      {"m/0000_a.sql": {}},
		"duplicate version": {"m/0001_a.sql": {}, "m/01_b.sql": {}},
	} {
		if _, err := Load(bad, "m"); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
