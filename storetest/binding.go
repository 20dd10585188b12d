package storetest

import (
	"errors"
	"sync"
	"time"

	"github.com/vigilauth/vigil"
)

// bindingTests cover the device binding (DBSC) of vigil.SessionStore:
// CreateSession, SetChallenge, BindSession and RefreshBinding.
var bindingTests = []test{
	{"CreatedWithChallenge", testCreatedWithChallenge},
	{"SetChallenge", testSetChallenge},
	{"BindConsumesChallenge", testBindSession},
	{"BindRefused", testBindRefused},
	{"RefreshConsumesChallenge", testRefreshBinding},
	{"RefreshRefused", testRefreshRefused},
	{"BindingSurvivesRotation", testBindingSurvivesRotation},
	{"ConcurrentBindOnce", testConcurrentBind},
	{"ConcurrentRefreshOnce", testConcurrentRefresh},
}

// testJWK stands for a device's public key: the store keeps it as given.
const testJWK = `{"crv":"P-256","kty":"EC","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}`

// challenged creates a live session of u, logged in at login, that starts
// with an outstanding challenge expiring 5 minutes later; it returns the
// session and the challenge's hash.
func (f *fixture) challenged(u *vigil.User, login time.Time) (*vigil.Session, vigil.TokenHash) {
	f.Helper()
	ch := vigil.NewToken().Hash()
	s := &vigil.Session{ID: vigil.NewID(), TokenHash: vigil.NewToken().Hash(), UserID: u.ID,
		CreatedAt: login, LastActivity: login, ReauthAt: login, IP: "192.0.2.7", UserAgent: "storetest/1",
		Binding: vigil.Binding{Challenge: ch, ChallengeExpires: login.Add(5 * time.Minute)}}
	f.ok(f.s.CreateSession(f.ctx, s), "CreateSession with a challenge")
	return s, ch
}

// binding is the binding of a device key bound at when, with a bound
// cookie lapsing 10 minutes later.
func binding(when time.Time) vigil.Binding {
	return vigil.Binding{Key: testJWK, Thumbprint: "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
		BoundAt: when, CookieHash: vigil.NewToken().Hash(), CookieLapse: when.Add(10 * time.Minute)}
}

// bound creates a session of u bound at login+1m; it returns the session
// as the store should now hold it.
func (f *fixture) bound(u *vigil.User, login time.Time) *vigil.Session {
	f.Helper()
	s, ch := f.challenged(u, login)
	b := binding(login.Add(time.Minute))
	f.ok(f.s.BindSession(f.ctx, s.ID, ch, b), "BindSession")
	s.Binding = b
	return s
}

// checkBinding compares every field of a binding the store returned.
func (f *fixture) checkBinding(what string, got, want vigil.Binding) {
	f.Helper()
	if got.Key != want.Key || got.Thumbprint != want.Thumbprint || got.CookieHash != want.CookieHash || got.Challenge != want.Challenge {
		f.Errorf("%s.Binding = %+v, want %+v", what, got, want)
	}
	sameTime(f, what+".Binding.BoundAt", got.BoundAt, want.BoundAt)
	sameTime(f, what+".Binding.CookieLapse", got.CookieLapse, want.CookieLapse)
	sameTime(f, what+".Binding.ChallengeExpires", got.ChallengeExpires, want.ChallengeExpires)
}

// unchanged checks that s reads back as it was, and that nothing was
// logged since seq.
func (f *fixture) unchanged(what string, s *vigil.Session, seq int64) {
	f.Helper()
	f.checkSession(what, f.stored(s), s)
	if log := f.revocationsAfter(seq); len(log) != 0 {
		f.Errorf("%s: logged %+v, want nothing", what, log)
	}
}

func testCreatedWithChallenge(f *fixture) {
	alice := f.user("alice")
	s, _ := f.challenged(alice, t0)
	f.checkSession("SessionByToken", f.byToken(s, alice), s)
	f.checkSession("SessionByID", f.stored(s), s)
	list, err := f.s.ListSessions(f.ctx, alice.ID)
	f.ok(err, "ListSessions")
	f.checkList("ListSessions", list, s)
	if f.stored(s).Bound() {
		f.Errorf("a session with only a challenge reads as bound")
	}
	plain := f.session(alice, t0)
	if got := f.stored(plain); got.Bound() || got.Binding != (vigil.Binding{}) {
		f.Errorf("a session created without a binding reads back with %+v", got.Binding)
	}
}

func testSetChallenge(f *fixture) {
	alice := f.user("alice")
	s, _ := f.challenged(alice, t0)
	seq := f.lastRevocation()
	next := vigil.NewToken().Hash()
	f.ok(f.s.SetChallenge(f.ctx, s.ID, next, at(time.Hour).In(elsewhere)), "SetChallenge")
	s.Binding.Challenge, s.Binding.ChallengeExpires = next, at(time.Hour)
	f.unchanged("after SetChallenge", s, seq)
	f.isErr(f.s.SetChallenge(f.ctx, vigil.NewID(), next, at(time.Hour)), vigil.ErrNotFound, "SetChallenge(unknown)")
	f.end(s, vigil.ReasonLogout, at(2*time.Hour))
	f.isErr(f.s.SetChallenge(f.ctx, s.ID, vigil.NewToken().Hash(), at(3*time.Hour)), vigil.ErrNotFound, "SetChallenge(ended)")
	f.checkSession("ended session after a refused SetChallenge", f.stored(s), s)
}

func testBindSession(f *fixture) {
	alice := f.user("alice")
	s, ch := f.challenged(alice, t0)
	seq := f.lastRevocation()
	b := binding(at(4 * time.Minute).In(elsewhere))
	f.ok(f.s.BindSession(f.ctx, s.ID, ch, b), "BindSession")
	s.Binding = b // the challenge is cleared
	got := f.byToken(s, alice)
	f.checkSession("bound session by token", got, s)
	if !got.Bound() {
		f.Errorf("a bound session reads as unbound")
	}
	f.checkNamed("BindSession", seq, s)
	all, err := f.s.ListAllSessions(f.ctx)
	f.ok(err, "ListAllSessions")
	if len(all) != 1 || !all[0].Bound() {
		f.Errorf("ListAllSessions = %+v, want the bound session", all)
	}
	seq = f.lastRevocation()
	f.isErr(f.s.BindSession(f.ctx, s.ID, ch, binding(at(5*time.Minute))), vigil.ErrNotFound, "BindSession with the used challenge")
	f.unchanged("after a second BindSession", s, seq)
}

// testBindRefused: a wrong, expired or missing challenge, an ended or
// unknown session, and a session already bound are all ErrNotFound, and
// change nothing.
func testBindRefused(f *fixture) {
	alice := f.user("alice")
	s, ch := f.challenged(alice, t0)
	seq := f.lastRevocation()
	f.isErr(f.s.BindSession(f.ctx, s.ID, vigil.NewToken().Hash(), binding(at(time.Minute))), vigil.ErrNotFound, "BindSession(wrong challenge)")
	f.isErr(f.s.BindSession(f.ctx, s.ID, ch, binding(at(5*time.Minute))), vigil.ErrNotFound, "BindSession(as the challenge expires)")
	f.isErr(f.s.BindSession(f.ctx, vigil.NewID(), ch, binding(at(time.Minute))), vigil.ErrNotFound, "BindSession(unknown session)")
	var none vigil.TokenHash
	plain := f.session(alice, t0)
	f.isErr(f.s.BindSession(f.ctx, plain.ID, none, binding(at(time.Minute))), vigil.ErrNotFound, "BindSession(no challenge outstanding)")
	f.unchanged("after refused binds", s, seq)
	f.unchanged("a session without a challenge", plain, seq)

	other := f.bound(alice, t0)
	next := vigil.NewToken().Hash()
	f.ok(f.s.SetChallenge(f.ctx, other.ID, next, at(time.Hour)), "SetChallenge")
	other.Binding.Challenge, other.Binding.ChallengeExpires = next, at(time.Hour)
	seq = f.lastRevocation()
	f.isErr(f.s.BindSession(f.ctx, other.ID, next, binding(at(2*time.Minute))), vigil.ErrNotFound, "BindSession(already bound)")
	f.unchanged("a bound session after a second bind", other, seq)

	f.end(s, vigil.ReasonLogout, at(time.Minute))
	seq = f.lastRevocation()
	f.isErr(f.s.BindSession(f.ctx, s.ID, ch, binding(at(2*time.Minute))), vigil.ErrNotFound, "BindSession(ended)")
	f.unchanged("an ended session after a bind", s, seq)
}

func testRefreshBinding(f *fixture) {
	alice := f.user("alice")
	s := f.bound(alice, t0)
	ch := vigil.NewToken().Hash()
	f.ok(f.s.SetChallenge(f.ctx, s.ID, ch, at(10*time.Minute)), "SetChallenge")
	seq := f.lastRevocation()
	cookie := vigil.NewToken().Hash()
	f.ok(f.s.RefreshBinding(f.ctx, s.ID, ch, at(9*time.Minute).In(elsewhere), cookie, at(19*time.Minute).In(elsewhere)), "RefreshBinding")
	s.Binding.CookieHash, s.Binding.CookieLapse = cookie, at(19*time.Minute)
	f.checkSession("refreshed session", f.byToken(s, alice), s)
	f.checkNamed("RefreshBinding", seq, s)
	seq = f.lastRevocation()
	f.isErr(f.s.RefreshBinding(f.ctx, s.ID, ch, at(9*time.Minute), vigil.NewToken().Hash(), at(20*time.Minute)),
		vigil.ErrNotFound, "RefreshBinding with the used challenge")
	f.unchanged("after a replayed refresh", s, seq)
}

// testRefreshRefused: a wrong or expired challenge, an unbound, ended or
// unknown session are all ErrNotFound, and change nothing.
func testRefreshRefused(f *fixture) {
	alice := f.user("alice")
	s := f.bound(alice, t0)
	ch := vigil.NewToken().Hash()
	f.ok(f.s.SetChallenge(f.ctx, s.ID, ch, at(10*time.Minute)), "SetChallenge")
	s.Binding.Challenge, s.Binding.ChallengeExpires = ch, at(10*time.Minute)
	seq := f.lastRevocation()
	refresh := func(id string, ch vigil.TokenHash, now time.Time) error {
		return f.s.RefreshBinding(f.ctx, id, ch, now, vigil.NewToken().Hash(), now.Add(10*time.Minute))
	}
	f.isErr(refresh(s.ID, vigil.NewToken().Hash(), at(2*time.Minute)), vigil.ErrNotFound, "RefreshBinding(wrong challenge)")
	f.isErr(refresh(s.ID, ch, at(10*time.Minute)), vigil.ErrNotFound, "RefreshBinding(as the challenge expires)")
	f.isErr(refresh(vigil.NewID(), ch, at(2*time.Minute)), vigil.ErrNotFound, "RefreshBinding(unknown session)")
	f.unchanged("after refused refreshes", s, seq)

	unbound, uch := f.challenged(alice, t0)
	f.isErr(refresh(unbound.ID, uch, at(time.Minute)), vigil.ErrNotFound, "RefreshBinding(unbound session)")
	f.unchanged("an unbound session after a refresh", unbound, seq)

	f.end(s, vigil.ReasonLogout, at(3*time.Minute))
	seq = f.lastRevocation()
	f.isErr(refresh(s.ID, ch, at(4*time.Minute)), vigil.ErrNotFound, "RefreshBinding(ended)")
	f.unchanged("an ended session after a refresh", s, seq)
}

// testBindingSurvivesRotation: re-authentication gives the session a new
// token; its binding stays.
func testBindingSurvivesRotation(f *fixture) {
	alice := f.user("alice")
	s := f.bound(alice, t0)
	s.TokenHash, s.ReauthAt = vigil.NewToken().Hash(), at(time.Hour)
	f.ok(f.s.RotateSession(f.ctx, s.ID, s.TokenHash, s.ReauthAt), "RotateSession")
	f.checkSession("rotated bound session", f.byToken(s, alice), s)
}

// raceOnce runs fn 32 times at once and fails the test unless exactly
// one call succeeds (every other with ErrNotFound); it returns the index of
// the call that did.
func (f *fixture) raceOnce(what string, fn func(i int) error) int {
	f.Helper()
	var mu sync.Mutex
	won := []int{}
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			switch err := fn(i); {
			case err == nil:
				mu.Lock()
				won = append(won, i)
				mu.Unlock()
			case !errors.Is(err, vigil.ErrNotFound):
				f.Errorf("%s, call %d: %v, want nil or ErrNotFound", what, i, err)
			}
		})
	}
	wg.Wait()
	if len(won) != 1 {
		f.Fatalf("%d of 32 concurrent %s calls with one challenge succeeded, want exactly 1", len(won), what)
	}
	return won[0]
}

// loggedOnce checks that s reads back as it is and that the log has one
// entry since seq, naming s.
func (f *fixture) loggedOnce(s *vigil.Session, seq int64) {
	f.Helper()
	f.checkSession("after the race", f.stored(s), s)
	if log := f.revocationsAfter(seq); len(log) != 1 || !named(log, s) {
		f.Errorf("revocation log after the race = %+v, want one entry naming %s", log, s.ID)
	}
}

func testConcurrentBind(f *fixture) {
	alice := f.user("alice")
	s, ch := f.challenged(alice, t0)
	seq := f.lastRevocation()
	bs := make([]vigil.Binding, 32)
	for i := range bs {
		bs[i] = binding(at(time.Duration(i) * time.Second))
	}
	won := f.raceOnce("BindSession", func(i int) error { return f.s.BindSession(f.ctx, s.ID, ch, bs[i]) })
	s.Binding = bs[won]
	f.loggedOnce(s, seq)
}

func testConcurrentRefresh(f *fixture) {
	alice := f.user("alice")
	s := f.bound(alice, t0)
	ch := vigil.NewToken().Hash()
	f.ok(f.s.SetChallenge(f.ctx, s.ID, ch, at(10*time.Minute)), "SetChallenge")
	seq := f.lastRevocation()
	cookies := make([]vigil.TokenHash, 32)
	for i := range cookies {
		cookies[i] = vigil.NewToken().Hash()
	}
	won := f.raceOnce("RefreshBinding", func(i int) error {
		return f.s.RefreshBinding(f.ctx, s.ID, ch, at(2*time.Minute), cookies[i], at(12*time.Minute))
	})
	s.Binding.CookieHash, s.Binding.CookieLapse = cookies[won], at(12*time.Minute)
	f.loggedOnce(s, seq)
}
