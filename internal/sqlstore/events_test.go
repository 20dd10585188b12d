package sqlstore

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
)

// dollar is PostgreSQL's parameter style, with times passed as themselves
// (nothing is scanned).
type dollar struct{ Dialect }

func (dollar) Param(n int) string   { return "$" + strconv.Itoa(n) }
func (dollar) Time(t time.Time) any { return t }

var param = regexp.MustCompile(`\$(\d+)`)

// TestEventsQueryParams: for every combination of filter fields, the query
// names each parameter once, in order, and passes one value for each, the
// limit last.
func TestEventsQueryParams(t *testing.T) {
	since := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	for mask := range 32 {
		var f vigil.EventFilter
		set := func(bit int, fn func()) {
			if mask&(1<<bit) != 0 {
				fn()
			}
		}
		set(0, func() { f.Username = "alice" })
		set(1, func() { f.Event = vigil.EventLoginFailed })
		set(2, func() { f.Since = since })
		set(3, func() { f.Until = since.Add(time.Hour) })
		set(4, func() { f.BeforeID = 42 })
		f.Limit = 7 + mask
		q, args := EventsQuery(dollar{}, f)
		found := param.FindAllStringSubmatch(q, -1)
		if len(found) != len(args) {
			t.Fatalf("%+v: %d parameters in %q, %d values", f, len(found), q, len(args))
		}
		for i, m := range found {
			if m[1] != strconv.Itoa(i+1) {
				t.Errorf("%+v: parameter %d is $%s in %q", f, i+1, m[1], q)
			}
		}
		if want := fmt.Sprint(EventLimit(f.Limit)); fmt.Sprint(args[len(args)-1]) != want {
			t.Errorf("%+v: last value %v, want the limit %s", f, args[len(args)-1], want)
		}
	}
}
