package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/vigilauth/vigil/internal/config"
)

// checkDB refuses a --db value that can only fail, with words an operator
// can act on, before a driver answers "unable to open database file": a
// URL of a database vigil does not speak, and a SQLite file in a folder
// that does not exist (vigil creates the file, never its folders).
func checkDB(db string) error {
	if config.IsPostgres(db) {
		return nil
	}
	if db == "" {
		return usagef("--db is empty: want a SQLite file path or a postgres:// URL")
	}
	if scheme, _, ok := strings.Cut(db, "://"); ok {
		return usagef("--db %q: vigil does not speak %q; want a SQLite file path or a postgres:// URL", db, printable(scheme))
	}
	dir := filepath.Dir(db)
	switch info, err := os.Stat(dir); {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("--db %s: the folder %s does not exist; create it first (vigil creates the database file, not its folders)", printable(db), printable(dir))
	case err != nil:
		return fmt.Errorf("--db %s: %w", printable(db), err)
	case !info.IsDir():
		return fmt.Errorf("--db %s: %s is not a folder", printable(db), printable(dir))
	}
	return nil
}
