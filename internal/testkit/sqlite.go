package testkit

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/vigilauth/vigil/sqlite"
)

// SQLite opens a store on a new database file in t.TempDir() and closes it
// when the test ends. It fails the test if the store cannot be opened.
func SQLite(t testing.TB) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "vigil.db"))
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
