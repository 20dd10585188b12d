// Package migrations reads a store's embedded SQL migrations, named
// NNNN_description.sql, in version order. Each store applies them in its
// own dialect; reading and ordering them is the same for all.
package migrations

import (
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// Migration is one SQL file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Load returns the migrations in dir of fsys in version order (fs.ReadDir
// sorts by name, and names start with a zero-padded version). A name
// without a positive version, or a version not above the previous one, is
// an error.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	ms := make([]Migration, 0, len(entries))
	for _, e := range entries {
		m, err := read(fsys, dir, e.Name())
		if err != nil {
			return nil, err
		}
		if len(ms) > 0 && m.Version <= ms[len(ms)-1].Version {
			return nil, fmt.Errorf("migration %q: version %d is not above the previous one", m.Name, m.Version)
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// read reads one file and parses its version.
func read(fsys fs.FS, dir, name string) (Migration, error) {
	prefix, _, _ := strings.Cut(name, "_")
	v, err := strconv.Atoi(prefix)
	if err != nil || v <= 0 {
		return Migration{}, fmt.Errorf("migration %q: name must start with a positive version", name)
	}
	b, err := fs.ReadFile(fsys, path.Join(dir, name))
	if err != nil {
		return Migration{}, err
	}
	return Migration{Version: v, Name: name, SQL: string(b)}, nil
}
