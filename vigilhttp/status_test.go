package vigilhttp

import (
	"net/http"
	"testing"

	"github.com/vigilauth/vigil"
)

// TestEveryCodeHasAStatus: the status map covers exactly the codes vigil
// answers with, so no code falls through to 500 by omission.
func TestEveryCodeHasAStatus(t *testing.T) {
	for _, c := range vigil.Codes() {
		if _, ok := statuses[c]; !ok {
			t.Errorf("no HTTP status for error code %s", c)
		}
	}
	if len(statuses) != len(vigil.Codes()) {
		t.Errorf("the status map has %d codes, vigil.Codes %d", len(statuses), len(vigil.Codes()))
	}
	if Status("NO_SUCH_CODE") != http.StatusInternalServerError {
		t.Error("an unknown code is not 500")
	}
}
