package auth_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/dbsc/dbsctest"
	"github.com/vigilauth/vigil/internal/pgtest"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/postgres"
)

const cookieLife = 10 * time.Minute

// binding is device binding offered, with the default lifetimes.
func binding(o *auth.Options) {
	o.DeviceBinding = auth.DeviceBinding{Offer: true, CookieLifetime: cookieLife}
}

// device is a browser's key pair.
func device(t testing.TB) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// register binds cur's session to key with a proof over the challenge the
// sign-in offered, and returns the first bound cookie.
func (e *env) register(eng *auth.Engine, cur *auth.Current, key crypto.Signer) auth.Bound {
	e.t.Helper()
	return bindOn(e.t, eng, cur, key)
}

// bindOn binds cur's session, just signed in on eng, to key with a proof
// over the challenge the sign-in offered, and returns the first bound
// cookie, failing tb otherwise.
func bindOn(tb testing.TB, eng *auth.Engine, cur *auth.Current, key crypto.Signer) auth.Bound {
	tb.Helper()
	proof, err := dbsctest.RegistrationProof(key, cur.Challenge, "")
	if err != nil {
		tb.Fatal(err)
	}
	s, err := eng.SessionForBinding(context.Background(), cur.Token)
	if err != nil {
		tb.Fatalf("SessionForBinding: %v", err)
	}
	b, err := eng.BindDevice(context.Background(), s, proof, actor("192.0.2.1"))
	if err != nil {
		tb.Fatalf("BindDevice: %v", err)
	}
	return b
}

// boundSession signs alice in, binds her session to a new key, and
// returns the session as the binding routes see it, and the key.
func (e *env) boundSession() (*auth.Current, crypto.Signer) {
	e.t.Helper()
	cur := e.login("alice", e.addUser("alice", vigil.RolePatient))
	key := device(e.t)
	e.register(e.eng, cur, key)
	s, err := e.eng.SessionForBinding(e.ctx, cur.Token)
	if err != nil {
		e.t.Fatal(err)
	}
	return s, key
}

// refresh renews the bound cookie of tok's session as a browser does: it
// asks for a challenge, then signs it with key.
func (e *env) refresh(eng *auth.Engine, tok vigil.Token, key crypto.Signer) (auth.Bound, error) {
	e.t.Helper()
	cur, err := eng.SessionForBinding(e.ctx, tok)
	if err != nil {
		return auth.Bound{}, err
	}
	ch, err := eng.DeviceChallenge(e.ctx, cur)
	if err != nil {
		e.t.Fatalf("DeviceChallenge: %v", err)
	}
	proof, err := dbsctest.RefreshProof(key, ch)
	if err != nil {
		e.t.Fatal(err)
	}
	return eng.RefreshDevice(e.ctx, cur, cur.Session.ID, proof, actor("192.0.2.1"))
}

// with checks tok's session with the bound cookie b.
func (e *env) with(eng *auth.Engine, tok vigil.Token, b auth.Bound) error {
	_, err := eng.CheckBound(e.ctx, tok, auth.BoundCookie{Value: b.Cookie, Present: true}, false)
	return err
}

func TestNoChallengeWhileBindingIsOff(t *testing.T) {
	e := newEnv(t, nil)
	cur := e.login("alice", e.addUser("alice", vigil.RolePatient))
	if cur.Challenge != "" {
		t.Fatalf("Challenge = %q with device binding off, want none", cur.Challenge)
	}
	_, err := e.eng.BindDevice(e.ctx, cur, "x.y.z", actor("192.0.2.1"))
	wantErr(t, err, vigil.CodeNotFound, "")
}

// TestBoundSessionNeedsItsCookie: once bound, the session works with its
// bound cookie until the cookie lapses by the engine's clock, never
// without it; a refresh signed by the key gives a new cookie and retires
// the old one.
func TestBoundSessionNeedsItsCookie(t *testing.T) {
	e := newEnv(t, binding)
	e.runEngine(e.eng)
	cur := e.login("alice", e.addUser("alice", vigil.RolePatient))
	if cur.Challenge == "" {
		t.Fatal("a sign-in with device binding offered has no challenge")
	}
	e.alive(cur.Token, true) // unbound: as always
	key := device(t)
	b := e.register(e.eng, cur, key)
	if want := t0.Add(cookieLife); !b.Lapse.Equal(want) {
		t.Errorf("bound cookie lapses at %v, want %v", b.Lapse, want)
	}
	_, err := e.eng.Check(e.ctx, cur.Token, true)
	wantErr(t, err, vigil.CodeDeviceBindingRequired, "")
	_, err = e.eng.CheckBound(e.ctx, cur.Token, auth.BoundCookie{Value: vigil.NewToken(), Present: true}, true)
	wantErr(t, err, vigil.CodeDeviceBindingRequired, "")
	if err := e.with(e.eng, cur.Token, b); err != nil {
		t.Fatalf("with its bound cookie: %v", err)
	}
	if got := e.aliveBound(cur.Token, b); !got.Session.Bound() {
		t.Error("the checked session does not say it is bound")
	}

	e.clock.Set(cookieLife - time.Microsecond)
	if err := e.with(e.eng, cur.Token, b); err != nil {
		t.Fatalf("just before the bound cookie lapses: %v", err)
	}
	e.clock.Set(cookieLife)
	wantErr(t, e.with(e.eng, cur.Token, b), vigil.CodeDeviceBindingRequired, "")

	next, err := e.refresh(e.eng, cur.Token, key)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if err := e.with(e.eng, cur.Token, next); err != nil {
		t.Fatalf("with the refreshed cookie: %v", err)
	}
	e.clock.Set(cookieLife + time.Second)
	wantErr(t, e.with(e.eng, cur.Token, b), vigil.CodeDeviceBindingRequired, "") // the old one is done for
	if n := len(e.events(vigil.EventDeviceBound)); n != 1 {
		t.Errorf("%d device_bound events, want 1", n)
	}
	if n := len(e.events(vigil.EventDeviceBindingRefreshed)); n != 1 {
		t.Errorf("%d device_binding_refreshed events, want 1", n)
	}
}

// aliveBound fails the test unless tok's session is accepted with b.
func (e *env) aliveBound(tok vigil.Token, b auth.Bound) *auth.Current {
	e.t.Helper()
	cur, err := e.eng.CheckBound(e.ctx, tok, auth.BoundCookie{Value: b.Cookie, Present: true}, false)
	if err != nil {
		e.t.Fatalf("CheckBound = %v, want a live session", err)
	}
	return cur
}

// TestWrongKeyRevokes: a refresh signed by another key means someone else
// holds the session cookie: refused, and the session is revoked.
func TestWrongKeyRevokes(t *testing.T) {
	e := newEnv(t, binding)
	cur := e.login("alice", e.addUser("alice", vigil.RolePatient))
	b := e.register(e.eng, cur, device(t))
	_, err := e.refresh(e.eng, cur.Token, device(t))
	wantErr(t, err, vigil.CodeSessionRevoked, vigil.ReasonDeviceBindingFailed)
	wantErr(t, e.with(e.eng, cur.Token, b), vigil.CodeSessionRevoked, vigil.ReasonDeviceBindingFailed)
	failed := e.events(vigil.EventDeviceBindingFailed)
	if len(failed) != 1 || !strings.Contains(failed[0].Detail, "signature") || failed[0].SessionID != cur.Session.ID {
		t.Errorf("device_binding_failed events = %+v, want one for the signature", failed)
	}
	revoked := e.events(vigil.EventSessionRevoked)
	if len(revoked) != 1 || revoked[0].Detail != "reason=device_binding_failed" {
		t.Errorf("session_revoked events = %+v, want one with reason=device_binding_failed", revoked)
	}
}

// TestReplayedChallengeRefused: a refresh proof used once is refused the
// second time, and the session stays.
func TestReplayedChallengeRefused(t *testing.T) {
	e := newEnv(t, binding)
	s, key := e.boundSession()
	ch, err := e.eng.DeviceChallenge(e.ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	proof, _ := dbsctest.RefreshProof(key, ch)
	first, err := e.eng.RefreshDevice(e.ctx, s, s.Session.ID, proof, actor("192.0.2.1"))
	if err != nil {
		t.Fatalf("first refresh: %v", err)
	}
	_, err = e.eng.RefreshDevice(e.ctx, s, s.Session.ID, proof, actor("192.0.2.9"))
	wantErr(t, err, vigil.CodeDeviceProofRequired, "")
	if err := e.with(e.eng, s.Token, first); err != nil {
		t.Fatalf("after a replay, the session's cookie: %v", err)
	}
	// An expired challenge is no better.
	ch, _ = e.eng.DeviceChallenge(e.ctx, s)
	proof, _ = dbsctest.RefreshProof(key, ch)
	e.clock.Advance(auth.ChallengeTTL)
	_, err = e.eng.RefreshDevice(e.ctx, s, s.Session.ID, proof, actor("192.0.2.1"))
	wantErr(t, err, vigil.CodeDeviceProofRequired, "")
	if n := len(e.events(vigil.EventDeviceBindingFailed)); n != 2 {
		t.Errorf("%d device_binding_failed events, want 2", n)
	}
}

// TestRegistrationRefusals: a proof over another challenge, a second
// registration, and a malformed proof are refused and audited.
func TestRegistrationRefusals(t *testing.T) {
	e := newEnv(t, binding)
	cur := e.login("alice", e.addUser("alice", vigil.RolePatient))
	key := device(t)
	s, _ := e.eng.SessionForBinding(e.ctx, cur.Token)
	wrong, _ := dbsctest.RegistrationProof(key, vigil.NewToken().String(), "")
	_, err := e.eng.BindDevice(e.ctx, s, wrong, actor("192.0.2.1"))
	wantErr(t, err, vigil.CodeDeviceProofRequired, "")
	_, err = e.eng.BindDevice(e.ctx, s, "not-a-jwt", actor("192.0.2.1"))
	wantErr(t, err, vigil.CodeInvalidRequest, "")
	e.alive(cur.Token, false) // still unbound and usable
	e.register(e.eng, cur, key)
	s, _ = e.eng.SessionForBinding(e.ctx, cur.Token)
	again, _ := dbsctest.RegistrationProof(device(t), cur.Challenge, "")
	_, err = e.eng.BindDevice(e.ctx, s, again, actor("192.0.2.1"))
	wantErr(t, err, vigil.CodeConflict, "")
	if n := len(e.events(vigil.EventDeviceBindingFailed)); n != 3 {
		t.Errorf("%d device_binding_failed events, want 3", n)
	}
}

// TestConcurrentRefreshesOneWins: of many refreshes signing one challenge,
// one gets a cookie.
func TestConcurrentRefreshesOneWins(t *testing.T) {
	e := newEnv(t, binding)
	s, key := e.boundSession()
	ch, _ := e.eng.DeviceChallenge(e.ctx, s)
	proof, _ := dbsctest.RefreshProof(key, ch)
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 16 {
		wg.Go(func() {
			if _, err := e.eng.RefreshDevice(e.ctx, s, s.Session.ID, proof, actor("192.0.2.1")); err == nil {
				mu.Lock()
				won++
				mu.Unlock()
			} else if vigil.ErrorCode(err) != vigil.CodeDeviceProofRequired {
				t.Errorf("refresh: %v", err)
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d of 16 refreshes with one challenge succeeded, want 1", won)
	}
}

// TestRequiredRoleGrace: a session of a role that must be bound works
// unbound within the grace, is revoked past it, and a bound one stays.
func TestRequiredRoleGrace(t *testing.T) {
	const grace = time.Minute
	e := newEnv(t, func(o *auth.Options) {
		binding(o)
		o.DeviceBinding.Required, o.DeviceBinding.Grace = []vigil.Role{vigil.RoleClinician}, grace
	})
	e.runEngine(e.eng)
	pw := e.addUser("carol", vigil.RoleClinician)
	unbound := e.login("carol", pw)
	bound := e.login("carol", pw)
	b := e.register(e.eng, bound, device(t))
	patient := e.login("pat", e.addUser("pat", vigil.RolePatient))
	e.clock.Set(grace - time.Microsecond)
	e.alive(unbound.Token, false)
	e.clock.Set(grace)
	e.ended(unbound.Token, vigil.CodeSessionRevoked, vigil.ReasonDeviceBindingMissing)
	if err := e.with(e.eng, bound.Token, b); err != nil {
		t.Fatalf("the bound clinician session: %v", err)
	}
	e.alive(patient.Token, false) // a role that need not bind
	revoked := e.events(vigil.EventSessionRevoked)
	if len(revoked) != 1 || revoked[0].Detail != "reason=device_binding_missing" || revoked[0].Actor != "system" ||
		revoked[0].SessionID != unbound.Session.ID {
		t.Errorf("session_revoked events = %+v, want one by system with reason=device_binding_missing", revoked)
	}
}

// TestBindingOffStopsEnforcing: with binding turned off later (a restart),
// a session bound before is checked as an unbound one.
func TestBindingOffStopsEnforcing(t *testing.T) {
	e := newEnv(t, binding)
	cur := e.login("alice", e.addUser("alice", vigil.RolePatient))
	e.register(e.eng, cur, device(t))
	off := e.newEngine(func(o *auth.Options) { o.DeviceBinding = auth.DeviceBinding{} })
	if _, err := off.Check(e.ctx, cur.Token, false); err != nil {
		t.Fatalf("with binding off: %v", err)
	}
}

// TestRefreshHonouredByAnotherInstance: two engines with warm caches on
// one PostgreSQL store. A refresh on one is honoured by the other at once
// (its cached hash does not match: it reads the store again), and the old
// cookie is refused there once the log has been followed.
func TestRefreshHonouredByAnotherInstance(t *testing.T) {
	_, url := pgtest.Schema(t)
	store, err := postgres.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clock := testkit.NewClock(t0)
	opt := auth.Options{Policy: defaultPolicy(), Now: clock.Now, PollInterval: 5 * time.Millisecond}
	binding(&opt)
	a, b := testkit.Engine(store, opt), testkit.Engine(store, opt)
	testkit.Run(t, a)
	testkit.Run(t, b)
	e := &env{t: t, ctx: t.Context(), clock: clock}
	pw := strongPassword(t)
	testkit.CreateUsers(t, a, admin, auth.NewUser{Username: "alice", Role: vigil.RolePatient, Password: pw})
	cur := e.loginWith(a, "alice", pw)
	key := device(t)
	first := e.register(a, cur, key)
	warm := func(eng *auth.Engine, bc auth.Bound) {
		t.Helper()
		eventually(t, "the session is cached", func() bool {
			return e.with(eng, cur.Token, bc) == nil && eng.CacheLen() > 0
		})
	}
	warm(a, first)
	warm(b, first)
	next, err := e.refresh(a, cur.Token, key)
	if err != nil {
		t.Fatalf("refresh on a: %v", err)
	}
	if err := e.with(b, cur.Token, next); err != nil {
		t.Fatalf("b, with the cookie a just issued: %v", err)
	}
	eventually(t, "b refuses the old cookie", func() bool {
		return vigil.ErrorCode(e.with(b, cur.Token, first)) == vigil.CodeDeviceBindingRequired
	})
}

// TestVerifyBoundOnACacheHit: a warm bound session's check with its bound
// cookie allocates nothing, as an unbound one's (the hot path: a hash and
// a comparison). (Not parallel: AllocsPerRun counts every goroutine's.)
func TestVerifyBoundOnACacheHit(t *testing.T) {
	e := newEnv(t, binding)
	e.runEngine(e.eng)
	cur := e.login("alice", e.addUser("alice", vigil.RolePatient))
	b := e.register(e.eng, cur, device(t))
	bc := auth.BoundCookie{Value: b.Cookie, Present: true}
	eventually(t, "the bound session is cached", func() bool {
		_, err := e.eng.VerifyBound(e.ctx, cur.Token, bc, false)
		return err == nil && e.eng.CacheLen() > 0
	})
	for try := 0; ; try++ {
		before := e.store.lookups.Load()
		n := testing.AllocsPerRun(1000, func() {
			if _, err := e.eng.VerifyBound(e.ctx, cur.Token, bc, false); err != nil {
				t.Fatal(err)
			}
		})
		if e.store.lookups.Load() != before && try < 20 {
			continue // the cache was not fresh for a moment (a slow machine)
		}
		if n != 0 {
			t.Errorf("VerifyBound on a cache hit: %v allocations", n)
		}
		break
	}
}

// BenchmarkVerifyCacheHitBound is BenchmarkVerifyCacheHit for a
// device-bound session with its bound cookie: the cost of the binding on
// the hot path (one more SHA-256 and a comparison).
func BenchmarkVerifyCacheHitBound(b *testing.B) {
	store := testkit.SQLite(b)
	st := &benchStore{Store: store}
	e := testkit.Engine(st, auth.Options{
		Policy:       vigil.Policy{Lifetime: 168 * time.Hour, IdleTimeout: 30 * time.Minute},
		PollInterval: 50 * time.Millisecond, DeviceBinding: auth.DeviceBinding{Offer: true},
	})
	testkit.Run(b, e)
	cur := testkit.SignIn(b, e, auth.NewUser{Username: "bench", Role: vigil.RolePatient, Password: "a quiet evening by the river"},
		auth.Actor{IP: "127.0.0.1"})
	bc := auth.BoundCookie{Value: bindOn(b, e, cur, device(b)).Cookie, Present: true}
	verify := func(ctx context.Context, tok vigil.Token, activity bool) (*auth.Current, error) {
		_, err := e.VerifyBound(ctx, tok, bc, activity)
		return nil, err
	}
	for range 200 { // until the cache is on
		if _, err := verify(b.Context(), cur.Token, true); err != nil {
			b.Fatal(err)
		}
		if e.CacheLen() > 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	st.touches.Store(0)
	benchWith(b, verify, cur.Token, st)
}

// deafStore is a store whose revocation log names nothing: an instance
// over it keeps its cached sessions whatever other instances change (as
// one that has not followed the log that far yet).
type deafStore struct{ vigil.Store }

func (s deafStore) RevocationsSince(ctx context.Context, after int64, limit int) ([]vigil.Revocation, error) {
	revs, err := s.Store.RevocationsSince(ctx, after, limit)
	for i := range revs {
		revs[i].SessionID, revs[i].UserID = "", 0
	}
	return revs, err
}

// TestStaleCacheReadsTheStoreBeforeRefusing: an instance whose cached copy
// of a bound session has the old bound cookie's hash (another instance
// renewed it) reads the store before refusing the new cookie, and then
// refuses the old one.
func TestStaleCacheReadsTheStoreBeforeRefusing(t *testing.T) {
	e := newEnv(t, binding)
	cur := e.login("alice", e.addUser("alice", vigil.RolePatient))
	key := device(t)
	first := e.register(e.eng, cur, key)
	b := auth.New(deafStore{e.store}, e.hasher, e.policy, e.opt)
	e.runEngine(b)
	eventually(t, "b caches the session", func() bool { return e.with(b, cur.Token, first) == nil && b.CacheLen() > 0 })
	next, err := e.refresh(e.eng, cur.Token, key)
	if err != nil {
		t.Fatal(err)
	}
	before := e.store.lookups.Load()
	if err := e.with(b, cur.Token, next); err != nil {
		t.Fatalf("b, with the renewed cookie: %v", err)
	}
	if e.store.lookups.Load() == before {
		t.Error("b took the renewed cookie without reading the store: its cache was not stale")
	}
	wantErr(t, e.with(b, cur.Token, first), vigil.CodeDeviceBindingRequired, "")
}

// BenchmarkRefreshDevice is the server's side of one bound-cookie refresh
// on SQLite: a new challenge (one write), then the signed proof checked
// with the session's key and the new cookie stored (a read, an ES256
// verification, one write). The browser's signing is left out of the
// timing. It reports the CPU time of one refresh (the process's, store
// included for SQLite), and the refreshes one core could serve.
func BenchmarkRefreshDevice(b *testing.B) {
	benchRefresh(b, testkit.SQLite(b))
}

// BenchmarkRefreshDevicePostgres is BenchmarkRefreshDevice on PostgreSQL.
func BenchmarkRefreshDevicePostgres(b *testing.B) {
	benchRefresh(b, benchPostgres(b))
}

func benchRefresh(b *testing.B, store vigil.Store) {
	e := testkit.Engine(store, auth.Options{
		Policy:        vigil.Policy{Lifetime: 168 * time.Hour, IdleTimeout: 30 * time.Minute},
		DeviceBinding: auth.DeviceBinding{Offer: true},
	})
	cur := testkit.SignIn(b, e, auth.NewUser{Username: "bench", Role: vigil.RolePatient, Password: "a quiet evening by the river"},
		auth.Actor{IP: "127.0.0.1"})
	key := device(b)
	bindOn(b, e, cur, key)
	s, _ := e.SessionForBinding(b.Context(), cur.Token)
	var cpu time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		start := cpuTime()
		ch, err := e.DeviceChallenge(b.Context(), s)
		if err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - start
		b.StopTimer()
		proof, _ := dbsctest.RefreshProof(key, ch)
		b.StartTimer()
		start = cpuTime()
		if _, err := e.RefreshDevice(b.Context(), s, s.Session.ID, proof, auth.Actor{}); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - start
	}
	perRefresh := cpu / time.Duration(b.N)
	b.ReportMetric(float64(perRefresh.Microseconds()), "cpu-µs/refresh")
	b.ReportMetric(float64(time.Second)/float64(perRefresh), "refreshes/s/core")
}

// BenchmarkVerifyBoundOverhead measures a warm bound session's Verify
// (with its bound cookie) against a warm unbound one's on the same
// engine, in interleaved batches, by the CPU time each batch takes (on a
// shared machine, steadier than the wall clock), so that a busy machine
// slows both alike: it reports each one's CPU ns per check, their ratio
// (the goal: within 5%), and how many checks the store answered (a figure
// with any is noise: the cache was stale for a moment).
func BenchmarkVerifyBoundOverhead(b *testing.B) {
	store := &countingStore{Store: testkit.SQLite(b)}
	e := testkit.Engine(store, auth.Options{
		Policy: vigil.Policy{Lifetime: 168 * time.Hour, IdleTimeout: 30 * time.Minute},
		// A short poll keeps the cache fresh on a busy machine: a check
		// the store answers would swamp what is measured.
		PollInterval: 5 * time.Millisecond, DeviceBinding: auth.DeviceBinding{Offer: true},
	})
	testkit.Run(b, e)
	nu := func(name string) *auth.Current {
		return testkit.SignIn(b, e, auth.NewUser{Username: name, Role: vigil.RolePatient, Password: "a quiet evening by the river"}, auth.Actor{})
	}
	plain, bound := nu("plain"), nu("bound")
	cookie := auth.BoundCookie{Value: bindOn(b, e, bound, device(b)).Cookie, Present: true}
	ctx := b.Context()
	run := func(tok vigil.Token, c auth.BoundCookie, n int) time.Duration {
		start := cpuTime()
		for range n {
			if _, err := e.VerifyBound(ctx, tok, c, false); err != nil {
				b.Fatal(err)
			}
		}
		return cpuTime() - start
	}
	for e.CacheLen() < 2 || e.Stats().CacheHits == 0 { // until both are cached
		run(plain.Token, auth.BoundCookie{}, 1)
		run(bound.Token, cookie, 1)
		time.Sleep(5 * time.Millisecond)
	}
	const batch = 1000
	var tPlain, tBound time.Duration
	n := 0
	reads := store.lookups.Load()
	b.ResetTimer()
	for b.Loop() { // each first in turn
		if n%(2*batch) == 0 {
			tPlain += run(plain.Token, auth.BoundCookie{}, batch)
			tBound += run(bound.Token, cookie, batch)
		} else {
			tBound += run(bound.Token, cookie, batch)
			tPlain += run(plain.Token, auth.BoundCookie{}, batch)
		}
		n += batch
	}
	b.ReportMetric(float64(tPlain.Nanoseconds())/float64(n), "cpu-ns/unbound")
	b.ReportMetric(float64(tBound.Nanoseconds())/float64(n), "cpu-ns/bound")
	b.ReportMetric(float64(tBound)/float64(tPlain), "bound/unbound")
	b.ReportMetric(float64(store.lookups.Load()-reads), "store-reads")
}
