package storetest

import (
	"slices"
	"time"

	"github.com/vigilauth/vigil"
)

var sessionTests = []test{
	{"CreateAndLookUp", testCreateSession},
	{"TimesMicrosecondsUTC", testSessionTimes},
	{"MissingIsNotFound", testMissingSession},
	{"EndSessionOnce", testEndSessionOnce},
	{"EndAtZeroTimeRefused", testEndAtZeroTime},
	{"EndUserSessionsExcept", testEndUserSessions},
	{"EndUserSessionsMany", testEndManySessions},
	{"TouchOnlyForward", testTouchSession},
	{"TouchManyInOneCall", testTouchMany},
	{"RotateSession", testRotateSession},
	{"RaiseSession", testRaiseSession},
	{"ListSessions", testListSessions},
	{"ListAllSessions", testListAllSessions},
}

// session creates a live session of u, logged in (and last active) at login.
func (f *fixture) session(u *vigil.User, login time.Time) *vigil.Session {
	f.Helper()
	s := &vigil.Session{ID: vigil.NewID(), TokenHash: vigil.NewToken().Hash(), UserID: u.ID,
		CreatedAt: login, LastActivity: login, ReauthAt: login, IP: "192.0.2.7", UserAgent: "storetest/1"}
	f.ok(f.s.CreateSession(f.ctx, s), "CreateSession")
	return s
}

// end ends s with EndSession and records it in s.
func (f *fixture) end(s *vigil.Session, r vigil.Reason, when time.Time) {
	f.Helper()
	ended, err := f.s.EndSession(f.ctx, s.ID, r, when)
	f.ok(err, "EndSession")
	if !ended {
		f.Fatalf("EndSession(%s) = false on a live session", s.ID)
	}
	s.EndedAt, s.EndReason = when, r
}

// checkSession compares every field of a session the store returned.
func (f *fixture) checkSession(what string, got, want *vigil.Session) {
	f.Helper()
	if got == nil {
		f.Fatalf("%s: nil session", what)
	}
	if got.ID != want.ID || got.TokenHash != want.TokenHash || got.UserID != want.UserID ||
		got.IP != want.IP || got.UserAgent != want.UserAgent || got.EndReason != want.EndReason ||
		got.AAL != want.AAL || got.Factors != want.Factors {
		f.Errorf("%s = %+v, want %+v", what, *got, *want)
	}
	sameTime(f, what+".CreatedAt", got.CreatedAt, want.CreatedAt)
	sameTime(f, what+".LastActivity", got.LastActivity, want.LastActivity)
	sameTime(f, what+".ReauthAt", got.ReauthAt, want.ReauthAt)
	sameTime(f, what+".EndedAt", got.EndedAt, want.EndedAt)
	f.checkBinding(what, got.Binding, want.Binding)
}

// stored reads s back by id.
func (f *fixture) stored(s *vigil.Session) *vigil.Session {
	f.Helper()
	got, err := f.s.SessionByID(f.ctx, s.ID)
	f.ok(err, "SessionByID")
	return got
}

// byToken reads s back by its token hash, checking its user.
func (f *fixture) byToken(s *vigil.Session, u *vigil.User) *vigil.Session {
	f.Helper()
	got, gotUser, err := f.s.SessionByToken(f.ctx, s.TokenHash)
	f.ok(err, "SessionByToken")
	f.checkUser("SessionByToken user", gotUser, u)
	return got
}

func testCreateSession(f *fixture) {
	alice := f.user("alice")
	s := &vigil.Session{ID: vigil.NewID(), TokenHash: vigil.NewToken().Hash(), UserID: alice.ID,
		CreatedAt: t0, LastActivity: at(time.Minute), ReauthAt: at(30 * time.Second),
		IP: "2001:db8::1", UserAgent: "Mozilla/5.0 (X11; Linux x86_64)",
		AAL: vigil.AAL2, Factors: vigil.FactorPassword | vigil.FactorTOTP}
	f.ok(f.s.CreateSession(f.ctx, s), "CreateSession")
	got := f.byToken(s, alice)
	f.checkSession("SessionByToken", got, s)
	if !got.Live() {
		f.Errorf("a new session is not live")
	}
	f.checkSession("SessionByID", f.stored(s), s)
	other := f.session(f.user("bob"), t0)
	f.checkSession("a second session", f.stored(other), other)
}

func testSessionTimes(f *fixture) {
	alice := f.user("alice")
	s := &vigil.Session{ID: vigil.NewID(), TokenHash: vigil.NewToken().Hash(), UserID: alice.ID,
		CreatedAt: t0.In(elsewhere), LastActivity: at(999 * time.Nanosecond).In(elsewhere)}
	f.ok(f.s.CreateSession(f.ctx, s), "CreateSession")
	f.checkSession("session with zoned, nanosecond times and no ReauthAt", f.stored(s), s)
}

func testMissingSession(f *fixture) {
	f.session(f.user("alice"), t0)
	_, _, err := f.s.SessionByToken(f.ctx, vigil.NewToken().Hash())
	f.isErr(err, vigil.ErrNotFound, "SessionByToken(unknown)")
	_, err = f.s.SessionByID(f.ctx, vigil.NewID())
	f.isErr(err, vigil.ErrNotFound, "SessionByID(unknown)")
}

func testEndSessionOnce(f *fixture) {
	alice := f.user("alice")
	s := f.session(alice, t0)
	f.end(s, vigil.ReasonLogout, at(time.Hour))
	ended, err := f.s.EndSession(f.ctx, s.ID, vigil.ReasonRevoked, at(2*time.Hour))
	if ended || err != nil {
		f.Errorf("second EndSession = %v, %v; want false, nil", ended, err)
	}
	ended, err = f.s.EndSession(f.ctx, vigil.NewID(), vigil.ReasonRevoked, at(2*time.Hour))
	if ended || err != nil {
		f.Errorf("EndSession(unknown) = %v, %v; want false, nil", ended, err)
	}
	got := f.byToken(s, alice)
	f.checkSession("ended session by token", got, s)
	if got.Live() {
		f.Errorf("an ended session is live")
	}
	f.checkSession("ended session by id", f.stored(s), s)
}

// testEndAtZeroTime: the zero time is no end time (a store would keep it
// as "not ended"), so ending at it fails and leaves the sessions live.
func testEndAtZeroTime(f *fixture) {
	alice := f.user("alice")
	s := f.session(alice, t0)
	ended, err := f.s.EndSession(f.ctx, s.ID, vigil.ReasonLogout, time.Time{})
	if ended || err == nil {
		f.Errorf("EndSession at the zero time = %v, %v; want false and an error", ended, err)
	}
	ids, err := f.s.EndUserSessions(f.ctx, alice.ID, "", vigil.ReasonRevoked, time.Time{})
	if len(ids) != 0 || err == nil {
		f.Errorf("EndUserSessions at the zero time = %v, %v; want none and an error", ids, err)
	}
	f.checkSession("the session", f.stored(s), s)
}

func testEndUserSessions(f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	a1, a2, a3, a4 := f.session(alice, t0), f.session(alice, t0), f.session(alice, t0), f.session(alice, t0)
	b1 := f.session(bob, t0)
	f.end(a4, vigil.ReasonLogout, at(time.Minute))
	ids, err := f.s.EndUserSessions(f.ctx, alice.ID, a1.ID, vigil.ReasonRevoked, at(time.Hour))
	f.ok(err, "EndUserSessions")
	f.sameIDs("EndUserSessions(alice, except a1)", ids, a2, a3)
	for _, s := range []*vigil.Session{a2, a3} {
		s.EndedAt, s.EndReason = at(time.Hour), vigil.ReasonRevoked
	}
	for _, s := range []*vigil.Session{a1, a2, a3, a4, b1} {
		f.checkSession("after EndUserSessions", f.stored(s), s)
	}
	ids, err = f.s.EndUserSessions(f.ctx, alice.ID, a1.ID, vigil.ReasonRevoked, at(2*time.Hour))
	f.ok(err, "EndUserSessions again")
	f.sameIDs("EndUserSessions again", ids)
	ids, err = f.s.EndUserSessions(f.ctx, alice.ID, "", vigil.ReasonPasswordChanged, at(3*time.Hour))
	f.ok(err, "EndUserSessions(alice, none excepted)")
	f.sameIDs("EndUserSessions(alice, none excepted)", ids, a1)
	f.checkSession("bob's session", f.stored(b1), b1)
}

func testEndManySessions(f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	var all []*vigil.Session
	for i := range 200 {
		all = append(all, f.session(alice, at(time.Duration(i)*time.Second)))
	}
	b1 := f.session(bob, t0)
	ids, err := f.s.EndUserSessions(f.ctx, alice.ID, "", vigil.ReasonUserDisabled, at(time.Hour))
	f.ok(err, "EndUserSessions")
	f.sameIDs("EndUserSessions of 200", ids, all...)
	live, err := f.s.ListSessions(f.ctx, alice.ID)
	f.ok(err, "ListSessions")
	if len(live) != 0 {
		f.Errorf("%d sessions still live", len(live))
	}
	if got := f.byToken(all[117], alice); got.EndReason != vigil.ReasonUserDisabled {
		f.Errorf("EndReason = %q, want %q", got.EndReason, vigil.ReasonUserDisabled)
	}
	f.checkSession("bob's session", f.stored(b1), b1)
}

func testTouchSession(f *fixture) {
	s := f.session(f.user("alice"), t0)
	for _, touch := range []struct {
		at, want time.Time
	}{
		{at(time.Minute), at(time.Minute)},
		{at(30 * time.Second), at(time.Minute)}, // never backwards
		{at(time.Minute), at(time.Minute)},      // same time
		{at(90 * time.Second).In(elsewhere), at(90 * time.Second)},
	} {
		f.ok(f.s.TouchSessions(f.ctx, []vigil.Touch{{ID: s.ID, At: touch.at}}), "TouchSessions")
		sameTime(f, "LastActivity after a touch", f.stored(s).LastActivity, touch.want)
	}
	f.ok(f.s.TouchSessions(f.ctx, []vigil.Touch{{ID: vigil.NewID(), At: at(time.Hour)}}), "TouchSessions(unknown)")
	f.end(s, vigil.ReasonLogout, at(2*time.Minute))
	f.ok(f.s.TouchSessions(f.ctx, []vigil.Touch{{ID: s.ID, At: at(time.Hour)}}), "TouchSessions(ended)")
	s.LastActivity = at(90 * time.Second)
	f.checkSession("ended session after a touch", f.stored(s), s)
}

func testRotateSession(f *fixture) {
	alice := f.user("alice")
	s := f.session(alice, t0)
	old := s.TokenHash
	s.TokenHash, s.ReauthAt = vigil.NewToken().Hash(), at(time.Hour)
	f.ok(f.s.RotateSession(f.ctx, s.ID, s.TokenHash, s.ReauthAt), "RotateSession")
	_, _, err := f.s.SessionByToken(f.ctx, old)
	f.isErr(err, vigil.ErrNotFound, "SessionByToken(old hash)")
	f.checkSession("rotated session by new token", f.byToken(s, alice), s)
	f.checkSession("rotated session by id", f.stored(s), s)
	f.isErr(f.s.RotateSession(f.ctx, vigil.NewID(), vigil.NewToken().Hash(), at(time.Hour)),
		vigil.ErrNotFound, "RotateSession(unknown)")
	f.end(s, vigil.ReasonLogout, at(2*time.Hour))
	f.isErr(f.s.RotateSession(f.ctx, s.ID, vigil.NewToken().Hash(), at(3*time.Hour)),
		vigil.ErrNotFound, "RotateSession(ended)")
	f.checkSession("ended session after a refused rotation", f.byToken(s, alice), s)
}

func testListSessions(f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	s1, s2, s3 := f.session(alice, t0), f.session(alice, at(time.Minute)), f.session(alice, at(2*time.Minute))
	f.touch(s1, at(10*time.Minute))
	f.touch(s2, at(20*time.Minute))
	f.touch(s3, at(10*time.Minute)) // ties with s1; newer, so first
	f.end(f.session(alice, at(3*time.Minute)), vigil.ReasonLogout, at(4*time.Minute))
	b1 := f.session(bob, t0)
	list, err := f.s.ListSessions(f.ctx, alice.ID)
	f.ok(err, "ListSessions(alice)")
	f.checkList("ListSessions(alice)", list, s2, s3, s1)
	list, err = f.s.ListSessions(f.ctx, bob.ID)
	f.ok(err, "ListSessions(bob)")
	f.checkList("ListSessions(bob)", list, b1)
	list, err = f.s.ListSessions(f.ctx, bob.ID+1000)
	f.ok(err, "ListSessions(unknown)")
	f.checkList("ListSessions(unknown)", list)
}

func testListAllSessions(f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	a1, b1 := f.session(alice, t0), f.session(bob, t0)
	f.touch(a1, at(5*time.Minute))
	f.touch(b1, at(10*time.Minute))
	f.end(f.session(alice, at(time.Minute)), vigil.ReasonRevoked, at(11*time.Minute))
	list, err := f.s.ListAllSessions(f.ctx)
	f.ok(err, "ListAllSessions")
	want := []struct {
		s    *vigil.Session
		name string
	}{{b1, "bob"}, {a1, "alice"}}
	if len(list) != len(want) {
		f.Fatalf("ListAllSessions has %d sessions, want %d", len(list), len(want))
	}
	for i, w := range want {
		f.checkSession("ListAllSessions", &list[i].Session, w.s)
		if list[i].Username != w.name {
			f.Errorf("ListAllSessions[%d].Username = %q, want %q", i, list[i].Username, w.name)
		}
	}
}

func testTouchMany(f *fixture) {
	alice := f.user("alice")
	a, b, ended := f.session(alice, t0), f.session(alice, t0), f.session(alice, t0)
	f.end(ended, vigil.ReasonLogout, at(time.Minute))
	f.ok(f.s.TouchSessions(f.ctx, []vigil.Touch{
		{ID: a.ID, At: at(2 * time.Minute)}, {ID: b.ID, At: at(3 * time.Minute)},
		{ID: a.ID, At: at(time.Minute)}, // earlier: ignored
		{ID: ended.ID, At: at(4 * time.Minute)}, {ID: vigil.NewID(), At: at(time.Minute)},
	}), "TouchSessions")
	a.LastActivity, b.LastActivity = at(2*time.Minute), at(3*time.Minute)
	f.checkSession("a", f.stored(a), a)
	f.checkSession("b", f.stored(b), b)
	f.checkSession("ended, untouched", f.stored(ended), ended)
	f.ok(f.s.TouchSessions(f.ctx, nil), "TouchSessions(none)")
}

// touch records activity on s and in s.
func (f *fixture) touch(s *vigil.Session, when time.Time) {
	f.Helper()
	f.ok(f.s.TouchSessions(f.ctx, []vigil.Touch{{ID: s.ID, At: when}}), "TouchSessions")
	s.LastActivity = when
}

// sameIDs checks that ids are exactly those of want, in any order.
func (f *fixture) sameIDs(what string, ids []string, want ...*vigil.Session) {
	f.Helper()
	var w []string
	for _, s := range want {
		w = append(w, s.ID)
	}
	got := slices.Sorted(slices.Values(ids))
	slices.Sort(w)
	if !slices.Equal(got, w) {
		f.Errorf("%s returned %d ids %v, want %d ids %v", what, len(got), got, len(w), w)
	}
}

// checkList checks a session list against want, in order.
func (f *fixture) checkList(what string, list []vigil.Session, want ...*vigil.Session) {
	f.Helper()
	if len(list) != len(want) {
		f.Fatalf("%s has %d sessions, want %d", what, len(list), len(want))
	}
	for i := range want {
		f.checkSession(what, &list[i], want[i])
	}
}

// testRaiseSession: a step-up gives the session a new token, ReauthAt,
// AAL and factors at once, like a rotation; an ended session is not
// raised.
func testRaiseSession(f *fixture) {
	alice := f.user("alice")
	s := f.session(alice, t0)
	s2 := &vigil.Session{ID: vigil.NewID(), TokenHash: vigil.NewToken().Hash(), UserID: alice.ID,
		CreatedAt: t0, LastActivity: t0, ReauthAt: t0, AAL: vigil.AAL1, Factors: vigil.FactorPassword}
	f.ok(f.s.CreateSession(f.ctx, s2), "CreateSession")
	old := s2.TokenHash
	s2.TokenHash, s2.ReauthAt = vigil.NewToken().Hash(), at(time.Hour)
	s2.AAL, s2.Factors = vigil.AAL2, vigil.FactorPassword|vigil.FactorRecoveryCode|vigil.FactorPasskey
	f.ok(f.s.RaiseSession(f.ctx, s2.ID, s2.TokenHash, s2.ReauthAt, s2.AAL, s2.Factors), "RaiseSession")
	_, _, err := f.s.SessionByToken(f.ctx, old)
	f.isErr(err, vigil.ErrNotFound, "SessionByToken(old hash)")
	f.checkSession("raised session by new token", f.byToken(s2, alice), s2)
	f.checkSession("raised session by id", f.stored(s2), s2)
	f.isErr(f.s.RaiseSession(f.ctx, s2.ID, s.TokenHash, at(2*time.Hour), vigil.AAL2, vigil.FactorTOTP),
		vigil.ErrConflict, "RaiseSession(taken hash)")
	f.checkSession("session after a refused raise", f.stored(s2), s2)
	f.isErr(f.s.RaiseSession(f.ctx, vigil.NewID(), vigil.NewToken().Hash(), at(time.Hour), vigil.AAL2, vigil.FactorTOTP),
		vigil.ErrNotFound, "RaiseSession(unknown)")
	f.end(s2, vigil.ReasonLogout, at(2*time.Hour))
	f.isErr(f.s.RaiseSession(f.ctx, s2.ID, vigil.NewToken().Hash(), at(3*time.Hour), vigil.AAL2, vigil.FactorTOTP),
		vigil.ErrNotFound, "RaiseSession(ended)")
	f.checkSession("ended session after a refused raise", f.byToken(s2, alice), s2)
}
