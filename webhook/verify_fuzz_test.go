package webhook

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzVerify: any headers and body are refused or accepted without a
// panic, and are accepted only with a signature of the secret; a body
// signed by Sign always verifies.
func FuzzVerify(f *testing.F) {
	f.Add(vectorID, "1614265330", vectorSig, []byte(vectorBody))
	f.Add("msg_1", "-1", "v1, v1,, v1a,x", []byte{})
	f.Add("", "99999999999999999999", "v1,====", []byte("{}"))
	key, _ := ParseSecret(vectorSecret)
	now := time.Unix(vectorUnix, 0)
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set(HeaderID, id)
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderSignature, sig)
		if Verify([]Secret{key}, h, body, now) == nil {
			unix, _ := strconv.ParseInt(ts, 10, 64)
			if want := Sign([]Secret{key}, id, time.Unix(unix, 0), body); !containsField(sig, want) {
				t.Fatalf("accepted %q for id %q at %q without the secret's signature %q", sig, id, ts, want)
			}
		}
		if id == "" {
			return
		}
		Headers(h, []Secret{key}, id, now, body)
		if err := Verify([]Secret{key}, h, body, now); err != nil {
			t.Fatalf("a signed webhook (id %q) was refused: %v", id, err)
		}
	})
}

// containsField reports whether the space-separated list s holds f.
func containsField(s, f string) bool {
	for _, x := range strings.Fields(s) {
		if x == f {
			return true
		}
	}
	return false
}
