package web_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/vigilhttp"
	"github.com/vigilauth/vigil/web"
)

// TestBrand: --brand names the clinic in the title and the header's
// brand-name span in place of "vigil", escaped as HTML; without it the
// pages say vigil.
func TestBrand(t *testing.T) {
	e := testkit.Engine(testkit.SQLite(t), auth.Options{Policy: vigil.Policy{Lifetime: 8 * time.Hour, IdleTimeout: 30 * time.Minute}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := vigilhttp.New(e, vigilhttp.Options{Dev: true, Logger: logger})
	for brand, want := range map[string]string{"": "vigil", "St Mary's <Care> & Co": "St Mary&#39;s &lt;Care&gt; &amp; Co"} {
		p := web.New(web.Deps{Engine: e, Sessions: s, Logger: logger, Brand: brand})
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, httptest.NewRequest("GET", "/auth/login", nil))
		body := rec.Body.String()
		if rec.Code != 200 {
			t.Fatalf("brand %q: GET /auth/login %d", brand, rec.Code)
		}
		if !strings.Contains(body, " · "+want+"</title>") || !strings.Contains(body, `<span class="brand-name">`+want+`</span>`) {
			t.Errorf("brand %q: want %q in the title and the header: %s", brand, want, body)
		}
		if brand != "" && (strings.Contains(body, "<Care>") || strings.Contains(body, "· vigil</title>")) {
			t.Errorf("brand %q shown unescaped, or vigil kept in the title", brand)
		}
	}
}
