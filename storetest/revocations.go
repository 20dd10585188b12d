package storetest

import (
	"time"

	"github.com/vigilauth/vigil"
)

var revocationTests = []test{
	{"EmptyLog", testEmptyLog},
	{"EndSessionLogsOnce", testEndSessionLogs},
	{"RotateSessionLogs", testRotateLogs},
	{"EndUserSessionsLogs", testEndUserSessionsLogs},
	{"SinceAndLimit", testRevocationsSince},
	{"NoLimitReturnsNone", testRevocationsNoLimit},
}

// lastRevocation returns LastRevocation.
func (f *fixture) lastRevocation() int64 {
	f.Helper()
	seq, err := f.s.LastRevocation(f.ctx)
	f.ok(err, "LastRevocation")
	return seq
}

// revocationsAfter returns every log entry after seq.
func (f *fixture) revocationsAfter(seq int64) []vigil.Revocation {
	f.Helper()
	log, err := f.s.RevocationsSince(f.ctx, seq, 10000)
	f.ok(err, "RevocationsSince")
	return log
}

// named reports whether log names s: by its id, or by its user (every
// session of the user).
func named(log []vigil.Revocation, s *vigil.Session) bool {
	for _, r := range log {
		if r.SessionID == s.ID || r.SessionID == "" && r.UserID == s.UserID {
			return true
		}
	}
	return false
}

// checkNamed checks that the entries after seq name every session in ss.
func (f *fixture) checkNamed(what string, seq int64, ss ...*vigil.Session) {
	f.Helper()
	log := f.revocationsAfter(seq)
	for _, s := range ss {
		if !named(log, s) {
			f.Errorf("%s: revocation log after %d = %+v does not name session %s", what, seq, log, s.ID)
		}
	}
}

func testEmptyLog(f *fixture) {
	if seq := f.lastRevocation(); seq != 0 {
		f.Errorf("LastRevocation on an empty log = %d, want 0", seq)
	}
	if log := f.revocationsAfter(0); len(log) != 0 {
		f.Errorf("RevocationsSince(0) on an empty log = %+v", log)
	}
}

func testEndSessionLogs(f *fixture) {
	s := f.session(f.user("alice"), t0)
	f.touch(s, at(time.Minute))
	before := f.lastRevocation()
	f.end(s, vigil.ReasonLogout, at(time.Hour))
	after := f.lastRevocation()
	if after <= before {
		f.Fatalf("LastRevocation = %d after EndSession, was %d", after, before)
	}
	if log := f.revocationsAfter(before); len(log) != 1 || !named(log, s) {
		f.Errorf("EndSession logged %+v, want one entry naming %s", log, s.ID)
	}
	for _, id := range []string{s.ID, vigil.NewID()} {
		if ended, err := f.s.EndSession(f.ctx, id, vigil.ReasonRevoked, at(2*time.Hour)); ended || err != nil {
			f.Fatalf("EndSession(ended or unknown) = %v, %v; want false, nil", ended, err)
		}
	}
	if seq := f.lastRevocation(); seq != after {
		f.Errorf("EndSession that ended nothing moved LastRevocation from %d to %d", after, seq)
	}
}

func testRotateLogs(f *fixture) {
	s := f.session(f.user("alice"), t0)
	before := f.lastRevocation()
	f.ok(f.s.RotateSession(f.ctx, s.ID, vigil.NewToken().Hash(), at(time.Hour)), "RotateSession")
	f.checkNamed("RotateSession", before, s)
}

func testEndUserSessionsLogs(f *fixture) {
	alice := f.user("alice")
	a1, a2, a3 := f.session(alice, t0), f.session(alice, t0), f.session(alice, t0)
	before := f.lastRevocation()
	_, err := f.s.EndUserSessions(f.ctx, alice.ID, a1.ID, vigil.ReasonRevoked, at(time.Hour))
	f.ok(err, "EndUserSessions(except a1)")
	f.checkNamed("EndUserSessions(except a1)", before, a2, a3)
	before = f.lastRevocation()
	_, err = f.s.EndUserSessions(f.ctx, alice.ID, "", vigil.ReasonPasswordChanged, at(2*time.Hour))
	f.ok(err, "EndUserSessions(all)")
	f.checkNamed("EndUserSessions(all)", before, a1)
}

func testRevocationsSince(f *fixture) {
	alice := f.user("alice")
	for range 5 {
		f.end(f.session(alice, t0), vigil.ReasonLogout, at(time.Hour))
	}
	all := f.revocationsAfter(0)
	if len(all) < 5 {
		f.Fatalf("5 ended sessions left %d log entries", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].Seq <= all[i-1].Seq {
			f.Fatalf("log out of order: %+v", all)
		}
	}
	if last := f.lastRevocation(); last != all[len(all)-1].Seq {
		f.Errorf("LastRevocation = %d, want %d", last, all[len(all)-1].Seq)
	}
	f.checkPage(all[1].Seq, 2, all[2:4])
	f.checkPage(0, 1, all[:1])
	f.checkPage(all[len(all)-1].Seq, 10, nil)
}

// checkPage checks RevocationsSince(after, limit) against want.
func (f *fixture) checkPage(after int64, limit int, want []vigil.Revocation) {
	f.Helper()
	got, err := f.s.RevocationsSince(f.ctx, after, limit)
	f.ok(err, "RevocationsSince")
	if len(got) != len(want) {
		f.Fatalf("RevocationsSince(%d, %d) = %+v, want %+v", after, limit, got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			f.Errorf("RevocationsSince(%d, %d) = %+v, want %+v", after, limit, got, want)
		}
	}
}

// testRevocationsNoLimit: a limit of 0 or less returns no entries.
func testRevocationsNoLimit(f *fixture) {
	f.end(f.session(f.user("alice"), t0), vigil.ReasonLogout, at(time.Hour))
	for _, limit := range []int{0, -1} {
		if log, err := f.s.RevocationsSince(f.ctx, 0, limit); len(log) != 0 || err != nil {
			f.Errorf("RevocationsSince(0, %d) = %+v, %v; want none, nil", limit, log, err)
		}
	}
}
