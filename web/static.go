package web

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// staticFiles serves the embedded stylesheet, scripts and icon under
// /auth/static/. Each answer carries a strong ETag (the SHA-256 of the
// file), so browsers revalidate cheaply and never run a stale script after
// an upgrade.
type staticFiles struct {
	files map[string]staticFile
}

type staticFile struct {
	body  []byte
	ctype string
	etag  string
}

func mustLoadStatic() *staticFiles {
	s := &staticFiles{files: map[string]staticFile{}}
	err := fs.WalkDir(staticFS, "static", func(name string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		s.files[path.Base(name)] = staticFile{body: body, ctype: ctype, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	if err != nil {
		panic("web: embedded static files: " + err.Error())
	}
	return s
}

func (s *staticFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := s.files[r.PathValue("file")]
	h := w.Header()
	if !ok {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("Not found.\n"))
		return
	}
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", "no-cache") // revalidate with the ETag
	h.Set("ETag", f.etag)
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	if etagMatch(r.Header.Get("If-None-Match"), f.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(f.body)
}

func etagMatch(header, etag string) bool {
	for _, v := range strings.Split(header, ",") {
		if v = strings.TrimSpace(v); v == etag || v == "*" {
			return true
		}
	}
	return false
}
