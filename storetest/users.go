package storetest

import (
	"time"

	"github.com/vigilauth/vigil"
)

var userTests = []test{
	{"CreateSetsIDAndRoundTrips", testCreateUser},
	{"DuplicateUsernameConflicts", testDuplicateUsername},
	{"MissingIsNotFound", testMissingUser},
	{"ListOrderedByUsername", testListUsers},
	{"SetPassword", testSetPassword},
	{"SetDisabled", testSetDisabled},
	{"RecordLogin", testRecordLogin},
}

// user creates a patient named name.
func (f *fixture) user(name string) *vigil.User {
	f.Helper()
	u := &vigil.User{Username: name, Role: vigil.RolePatient, PasswordHash: "$argon2id$" + name, CreatedAt: t0}
	f.ok(f.s.CreateUser(f.ctx, u), "CreateUser "+name)
	return u
}

// checkUser compares every field of a user the store returned.
func (f *fixture) checkUser(what string, got, want *vigil.User) {
	f.Helper()
	if got == nil {
		f.Fatalf("%s: nil user", what)
	}
	if got.ID != want.ID || got.Username != want.Username || got.Role != want.Role ||
		got.ClinicianID != want.ClinicianID || got.PasswordHash != want.PasswordHash || got.Disabled != want.Disabled ||
		got.Email != want.Email || got.DisplayName != want.DisplayName {
		f.Errorf("%s = %+v, want %+v", what, *got, *want)
	}
	sameTime(f, what+".CreatedAt", got.CreatedAt, want.CreatedAt)
	sameTime(f, what+".LastLogin", got.LastLogin, want.LastLogin)
	sameTime(f, what+".PasswordChangedAt", got.PasswordChangedAt, want.PasswordChangedAt)
}

// reload reads a user back by id.
func (f *fixture) reload(u *vigil.User) *vigil.User {
	f.Helper()
	got, err := f.s.UserByID(f.ctx, u.ID)
	f.ok(err, "UserByID")
	return got
}

func testCreateUser(f *fixture) {
	alice := &vigil.User{Username: "alice", Role: vigil.RoleClinician, ClinicianID: "c-17",
		PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", CreatedAt: t0.In(elsewhere),
		Email: "Alice.Smith+vigil@clinic.example", DisplayName: "Dr. Zoë O'Brien 张伟"}
	f.ok(f.s.CreateUser(f.ctx, alice), "CreateUser alice")
	bob := &vigil.User{Username: "bob", Role: vigil.RoleAdmin, Disabled: true, CreatedAt: at(time.Hour)}
	f.ok(f.s.CreateUser(f.ctx, bob), "CreateUser bob")
	if alice.ID == 0 || bob.ID == 0 || alice.ID == bob.ID {
		f.Fatalf("ids = %d, %d; want two distinct non-zero ids", alice.ID, bob.ID)
	}
	for _, want := range []*vigil.User{alice, bob} {
		got, err := f.s.UserByUsername(f.ctx, want.Username)
		f.ok(err, "UserByUsername")
		f.checkUser("UserByUsername("+want.Username+")", got, want)
		f.checkUser("UserByID("+want.Username+")", f.reload(want), want)
	}
}

func testDuplicateUsername(f *fixture) {
	alice := f.user("alice")
	err := f.s.CreateUser(f.ctx, &vigil.User{Username: "alice", Role: vigil.RoleAdmin, CreatedAt: t0})
	f.isErr(err, vigil.ErrConflict, "second CreateUser alice")
	got, err := f.s.UserByUsername(f.ctx, "alice")
	f.ok(err, "UserByUsername")
	f.checkUser("alice after the conflict", got, alice)
	users, err := f.s.ListUsers(f.ctx)
	f.ok(err, "ListUsers")
	if len(users) != 1 {
		f.Errorf("ListUsers has %d users, want 1", len(users))
	}
}

func testMissingUser(f *fixture) {
	_, err := f.s.UserByUsername(f.ctx, "nobody")
	f.isErr(err, vigil.ErrNotFound, "UserByUsername(nobody)")
	_, err = f.s.UserByID(f.ctx, 4242)
	f.isErr(err, vigil.ErrNotFound, "UserByID(4242) on an empty store")
	alice := f.user("alice")
	_, err = f.s.UserByID(f.ctx, alice.ID+1000)
	f.isErr(err, vigil.ErrNotFound, "UserByID(unknown)")
}

func testListUsers(f *fixture) {
	users, err := f.s.ListUsers(f.ctx)
	f.ok(err, "ListUsers on an empty store")
	if len(users) != 0 {
		f.Fatalf("ListUsers on an empty store = %v", users)
	}
	carol, alice, bob := f.user("carol"), f.user("alice"), f.user("bob")
	users, err = f.s.ListUsers(f.ctx)
	f.ok(err, "ListUsers")
	want := []*vigil.User{alice, bob, carol}
	if len(users) != len(want) {
		f.Fatalf("ListUsers has %d users, want %d", len(users), len(want))
	}
	for i := range want {
		f.checkUser("ListUsers["+want[i].Username+"]", &users[i], want[i])
	}
}

func testSetPassword(f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	changed := at(time.Minute).In(elsewhere)
	f.ok(f.s.SetPassword(f.ctx, alice.ID, "$argon2id$new", changed), "SetPassword")
	alice.PasswordHash, alice.PasswordChangedAt = "$argon2id$new", changed
	f.checkUser("alice after SetPassword", f.reload(alice), alice)
	f.checkUser("bob after alice's SetPassword", f.reload(bob), bob)
	f.isErr(f.s.SetPassword(f.ctx, bob.ID+1000, "x", changed), vigil.ErrNotFound, "SetPassword(unknown)")
}

func testSetDisabled(f *fixture) {
	alice := f.user("alice")
	for _, disabled := range []bool{true, true, false, false} {
		f.ok(f.s.SetDisabled(f.ctx, alice.ID, disabled), "SetDisabled")
		if got := f.reload(alice); got.Disabled != disabled {
			f.Errorf("after SetDisabled(%v): Disabled = %v", disabled, got.Disabled)
		}
	}
	f.isErr(f.s.SetDisabled(f.ctx, alice.ID+1000, true), vigil.ErrNotFound, "SetDisabled(unknown)")
}

func testRecordLogin(f *fixture) {
	alice := f.user("alice")
	for _, login := range []time.Time{at(time.Hour), at(2 * time.Hour).In(elsewhere)} {
		f.ok(f.s.RecordLogin(f.ctx, alice.ID, login), "RecordLogin")
		alice.LastLogin = login
		f.checkUser("alice after RecordLogin", f.reload(alice), alice)
	}
	f.isErr(f.s.RecordLogin(f.ctx, alice.ID+1000, t0), vigil.ErrNotFound, "RecordLogin(unknown)")
}
