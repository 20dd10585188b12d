package vigilhttp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/dbsc/dbsctest"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/vigilhttp"
)

// boundRequest returns a session layer over a running engine with device
// binding offered, and a request of a warm session (bound when bind is
// set, with its bound cookie) that Verify accepts.
func boundRequest(tb testing.TB, bind bool) (*vigilhttp.Sessions, *auth.Engine, *http.Request) {
	tb.Helper()
	e := testkit.Engine(testkit.SQLite(tb), auth.Options{
		Policy:       vigil.Policy{Lifetime: 168 * time.Hour, IdleTimeout: 30 * time.Minute},
		PollInterval: 50 * time.Millisecond, DeviceBinding: auth.DeviceBinding{Offer: true},
	})
	testkit.Run(tb, e)
	cur := testkit.SignIn(tb, e, auth.NewUser{Username: "bench", Role: vigil.RolePatient, Password: "a quiet evening by the river"}, auth.Actor{})
	s := vigilhttp.New(e, vigilhttp.Options{Dev: true})
	req := httptest.NewRequest("GET", "/api/auth/verify", nil)
	req.AddCookie(&http.Cookie{Name: vigilhttp.DevCookieName, Value: cur.Token.String()})
	if bind {
		proof, err := dbsctest.RegistrationProof(dbsctest.NewClient(nil).Signer, cur.Challenge, "")
		if err != nil {
			tb.Fatal(err)
		}
		sc, err := e.SessionForBinding(context.Background(), cur.Token)
		if err != nil {
			tb.Fatal(err)
		}
		b, err := e.BindDevice(context.Background(), sc, proof, auth.Actor{})
		if err != nil {
			tb.Fatal(err)
		}
		req.AddCookie(&http.Cookie{Name: vigilhttp.DevBoundCookieName, Value: b.Cookie.String()})
	}
	for range 400 { // until the cache is on
		got, err := s.Verify(req)
		if err != nil {
			tb.Fatal(err)
		}
		if got.Session.Bound() != bind {
			tb.Fatalf("Verify: bound %v, want %v", got.Session.Bound(), bind)
		}
		if e.CacheLen() > 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	return s, e, req
}

// TestVerifyBoundAllocatesNothing: forward auth's check of a warm bound
// session with both cookies allocates nothing, as an unbound one's.
// (Not parallel: AllocsPerRun counts every goroutine's allocations.)
func TestVerifyBoundAllocatesNothing(t *testing.T) {
	s, e, req := boundRequest(t, true)
	for try := 0; ; try++ {
		hits := e.Stats().CacheHits
		n := testing.AllocsPerRun(1000, func() {
			if _, err := s.Verify(req); err != nil {
				t.Fatal(err)
			}
		})
		if e.Stats().CacheHits-hits < 1000 && try < 20 {
			continue // the cache was not fresh for a moment (a slow machine)
		}
		if n != 0 {
			t.Errorf("Verify of a warm bound session: %v allocations", n)
		}
		break
	}
}

// BenchmarkVerifyBound is forward auth's check of a warm bound session
// through the session layer: both cookies read from the request, the
// token and the bound cookie hashed, the cache, the comparison.
// BenchmarkVerifyUnbound is the same for an unbound session (whose
// request is searched for a bound cookie too), for comparison.
func BenchmarkVerifyBound(b *testing.B)   { benchVerify(b, true) }
func BenchmarkVerifyUnbound(b *testing.B) { benchVerify(b, false) }

func benchVerify(b *testing.B, bind bool) {
	s, _, req := boundRequest(b, bind)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Verify(req); err != nil {
			b.Fatal(err)
		}
	}
}
