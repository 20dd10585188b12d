package vigilhttp_test

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/vigilauth/vigil/vigilhttp"
	"github.com/vigilauth/vigil/webhook"
)

// A receiver of vigil's webhooks: it verifies each one, and processes each
// webhook-id once (a retry after a lost answer repeats one).
func ExampleVerifyWebhook() {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" // from vigil's --webhook-secret-file
	var mu sync.Mutex
	seen := map[string]bool{}
	receive := func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		if err := vigilhttp.VerifyWebhook(secret, r.Header, body, time.Now()); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if id := r.Header.Get("webhook-id"); !seen[id] {
			seen[id] = true
			fmt.Println("processing", string(body)) // act on the event here
		}
		w.WriteHeader(http.StatusNoContent) // any 2xx: delivered
	}

	// Two deliveries of one webhook as vigil sends it, then a forgery.
	key, _ := webhook.ParseSecret(secret)
	body := `{"type":"user.disabled","timestamp":"2026-12-05T08:00:00Z","data":{"user_id":7,"username":"alice"}}`
	send := func(body string, sign bool) {
		req := httptest.NewRequest("POST", "/hooks/vigil", strings.NewReader(body))
		webhook.Headers(req.Header, []webhook.Secret{key}, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", time.Now(), []byte(body))
		if !sign {
			req.Header.Set("webhook-signature", "v1,"+base64.StdEncoding.EncodeToString(make([]byte, 32)))
		}
		rec := httptest.NewRecorder()
		receive(rec, req)
		fmt.Println(rec.Code)
	}
	send(body, true)
	send(body, true)
	send(body, false)
	// Output:
	// processing {"type":"user.disabled","timestamp":"2026-12-05T08:00:00Z","data":{"user_id":7,"username":"alice"}}
	// 204
	// 204
	// 401
}
