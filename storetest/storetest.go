package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
)

// Run runs the suite, one subtest per contract of vigil.Store (and the
// concurrency and error cases that span them), and one store per leaf
// test. open must return a fresh, empty, migrated store; Run closes it when
// the leaf test ends.
func Run(t *testing.T, open func(t *testing.T) vigil.Store) {
	areas := []struct {
		name  string
		tests []test
	}{
		{"Users", userTests},                    // vigil.UserStore
		{"Sessions", sessionTests},              // vigil.SessionStore
		{"Binding", bindingTests},               // vigil.SessionStore: device binding
		{"RevocationLog", revocationTests},      // vigil.RevocationLog
		{"Pruner", pruneTests},                  // vigil.Pruner
		{"Concurrency", concurrencyTests},       // SessionStore with RevocationLog
		{"ResetTokens", resetTests},             // vigil.ResetTokenStore
		{"Audit", auditTests},                   // vigil.AuditLog
		{"Throttle", throttleTests},             // vigil.ThrottleStore
		{"ServerKeys", keyTests},                // vigil.KeyStore
		{"PendingSignIns", pendingTests},        // vigil.PendingSignInStore
		{"Ceremonies", ceremonyTests},           // vigil.CeremonyStore
		{"WebhookOutbox", outboxTests},          // vigil.WebhookOutbox
		{"Ping", []test{{"Answers", testPing}}}, // vigil.Store
		{"Errors", errorTests},                  // every contract
	}
	for _, a := range areas {
		t.Run(a.name, func(t *testing.T) {
			for _, tc := range a.tests {
				t.Run(tc.name, func(t *testing.T) { tc.fn(newFixture(t, open)) })
			}
		})
	}
	// vigil.FactorStore has a suite of its own (RunFactors), which a
	// store that keeps factors elsewhere can run alone.
	t.Run("Factors", func(t *testing.T) {
		RunFactors(t, func(t *testing.T) vigil.FactorStore { return open(t) })
	})
}

// test is one leaf test of an area.
type test struct {
	name string
	fn   func(f *fixture)
}

// fixture is what a leaf test works with: its own store and a context that
// ends with the test.
type fixture struct {
	*testing.T
	s      vigil.Store
	ctx    context.Context
	closed bool
}

func newFixture(t *testing.T, open func(t *testing.T) vigil.Store) *fixture {
	f := &fixture{T: t, s: open(t), ctx: t.Context()}
	t.Cleanup(func() {
		if !f.closed {
			f.closeNow()
		}
	})
	return f
}

// closeNow closes the store (once; the fixture's cleanup then does not).
func (f *fixture) closeNow() {
	f.closed = true
	if err := f.s.Close(); err != nil {
		f.Errorf("Close: %v", err)
	}
}

// t0 is the suite's fixed "now". Its nanoseconds check that stores keep
// microseconds and drop the rest.
var t0 = time.Date(2026, 3, 14, 9, 26, 53, 589793238, time.UTC)

// at returns t0 + d.
func at(d time.Duration) time.Time { return t0.Add(d) }

// elsewhere is a non-UTC zone: stores must return UTC whatever they got.
var elsewhere = time.FixedZone("UTC+5:30", 5*3600+1800)

func testPing(f *fixture) {
	if err := f.s.Ping(f.ctx); err != nil {
		f.Fatalf("Ping = %v, want nil", err)
	}
}

// ok fails the test at once on an unexpected error.
func (f *fixture) ok(err error, what string) {
	f.Helper()
	if err != nil {
		f.Fatalf("%s: %v", what, err)
	}
}

// isErr checks that err is target (ErrNotFound, ErrConflict).
func (f *fixture) isErr(err, target error, what string) {
	f.Helper()
	if !errors.Is(err, target) {
		f.Errorf("%s: err = %v, want %v", what, err, target)
	}
}

// sameTime checks a time the store returned against the one it was given:
// equal to the microsecond, in UTC; zero stays zero.
func sameTime(t testing.TB, field string, got, want time.Time) {
	t.Helper()
	if want.IsZero() {
		if !got.IsZero() {
			t.Errorf("%s = %v, want the zero time", field, got)
		}
		return
	}
	want = want.Truncate(time.Microsecond)
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("%s = %v, want %v in UTC (microsecond precision)", field, got, want.UTC())
	}
}
