package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
)

// UserImport runs the suite of vigil.UserImporter, one store per leaf test
// as Run does; a backend calls it beside Run with the same open. Each
// store open returns must implement vigil.UserImporter.
func UserImport(t *testing.T, open func(t *testing.T) vigil.Store) {
	tests := []test{
		{"BatchRoundTrips", testImportRoundTrips},
		{"TakenUsernameRollsBackTheBatch", testImportTakenUsername},
		{"TwiceInOneBatchRollsBackTheBatch", testImportTwiceInBatch},
		{"NothingIsNoWrite", testImportNothing},
		{"ClosedIsUnavailable", testImportClosed},
		{"CancelledWritesNothing", testImportCancelled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(newFixture(t, open)) })
	}
}

// importer returns the fixture's store as a vigil.UserImporter.
func (f *fixture) importer() vigil.UserImporter {
	f.Helper()
	imp, ok := f.s.(vigil.UserImporter)
	if !ok {
		f.Fatalf("%T does not implement vigil.UserImporter", f.s)
	}
	return imp
}

// importBatch returns n users named prefix0, prefix1, … and their
// user_created events, as vigil user import writes them.
func importBatch(prefix string, n int) ([]vigil.User, []vigil.Event) {
	users := make([]vigil.User, n)
	events := make([]vigil.Event, n)
	for i := range users {
		name := fmt.Sprintf("%s%d", prefix, i)
		users[i] = vigil.User{Username: name, Role: vigil.RolePatient, CreatedAt: t0, PasswordChangedAt: t0,
			PasswordHash: "pbkdf2:sha256:600000$salt$" + name}
		events[i] = vigil.Event{Time: t0, Username: name, Actor: "cli", Category: vigil.CategoryAdmin,
			Event: vigil.EventUserCreated, Detail: "role=patient imported"}
	}
	return users, events
}

// noneOf checks that no user of users exists and no event about them
// was kept.
func (f *fixture) noneOf(what string, users []vigil.User) {
	f.Helper()
	for _, u := range users {
		if u.ID != 0 {
			f.Errorf("%s: %s keeps the id %d of a rolled-back insert", what, u.Username, u.ID)
		}
		if got, err := f.s.UserByUsername(f.ctx, u.Username); !errors.Is(err, vigil.ErrNotFound) {
			f.Errorf("%s: UserByUsername(%s) = %+v, %v; want ErrNotFound (nothing of the batch kept)", what, u.Username, got, err)
		}
		evs, err := f.s.Events(f.ctx, vigil.EventFilter{Username: u.Username})
		f.ok(err, "Events")
		if len(evs) != 0 {
			f.Errorf("%s: %d events about %s kept from a rolled-back batch", what, len(evs), u.Username)
		}
	}
}

// testImportRoundTrips: every user of a batch is stored with every field,
// each with its own id, and the events with them.
func testImportRoundTrips(f *fixture) {
	users, events := importBatch("p", 300)
	users[1] = vigil.User{Username: "dr.zoe", Role: vigil.RoleClinician, ClinicianID: "C-114",
		PasswordHash: "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW", CreatedAt: t0.In(elsewhere),
		PasswordChangedAt: t0, Email: "Zoe@clinic.example", DisplayName: "Dr. Zoë O'Brien 张伟"}
	users[2] = vigil.User{Username: "no.password", Role: vigil.RoleAdmin, CreatedAt: t0}
	events[1].Username, events[2].Username = "dr.zoe", "no.password"
	f.ok(f.importer().ImportUsers(f.ctx, users, events), "ImportUsers")

	ids := map[int64]bool{}
	for _, u := range users {
		if u.ID == 0 || ids[u.ID] {
			f.Fatalf("%s got id %d; want a distinct non-zero id each", u.Username, u.ID)
		}
		ids[u.ID] = true
		got, err := f.s.UserByUsername(f.ctx, u.Username)
		f.ok(err, "UserByUsername "+u.Username)
		f.checkUser("imported "+u.Username, got, &u)
	}
	list, err := f.s.ListUsers(f.ctx)
	f.ok(err, "ListUsers")
	if len(list) != len(users) {
		f.Errorf("ListUsers: %d users, want %d", len(list), len(users))
	}
	for i, ev := range events {
		if ev.ID == 0 {
			f.Errorf("event %d has no id", i)
		}
	}
	evs, err := f.s.Events(f.ctx, vigil.EventFilter{Username: "dr.zoe"})
	f.ok(err, "Events")
	if len(evs) != 1 || evs[0].Event != vigil.EventUserCreated || evs[0].Actor != "cli" || evs[0].Detail != "role=patient imported" {
		f.Errorf("events about dr.zoe = %+v; want its one user_created", evs)
	}
}

// testImportTakenUsername: a batch with a username that exists, in its
// middle, fails as a conflict naming that user, and leaves nothing of the
// batch, users before the conflict included, and the existing user as
// it was.
func testImportTakenUsername(f *fixture) {
	taken := f.user("p150")
	users, events := importBatch("p", 300)
	err := f.importer().ImportUsers(f.ctx, users, events)
	f.isErr(err, vigil.ErrConflict, "ImportUsers with a taken username")
	var c *vigil.ImportConflict
	if !errors.As(err, &c) || c.Index != 150 || c.Username != "p150" {
		f.Errorf("ImportUsers error = %v; want an *ImportConflict naming user 150, p150", err)
	}
	f.noneOf("after a conflict", append(users[:150:150], users[151:]...))
	got, err := f.s.UserByUsername(f.ctx, "p150")
	f.ok(err, "UserByUsername p150")
	f.checkUser("the existing p150", got, taken)
	list, err := f.s.ListUsers(f.ctx)
	f.ok(err, "ListUsers")
	if len(list) != 1 {
		f.Errorf("ListUsers: %d users after a rolled-back batch, want the 1 that existed", len(list))
	}
}

// testImportTwiceInBatch: one username twice in a batch is a conflict at
// its second place; nothing is kept.
func testImportTwiceInBatch(f *fixture) {
	users, events := importBatch("p", 10)
	users[7].Username = "p3"
	err := f.importer().ImportUsers(f.ctx, users, events)
	var c *vigil.ImportConflict
	if !errors.As(err, &c) || !errors.Is(err, vigil.ErrConflict) || c.Index != 7 || c.Username != "p3" {
		f.Errorf("ImportUsers with p3 twice = %v; want an *ImportConflict naming user 7, p3", err)
	}
	f.noneOf("after a conflict within the batch", users)
}

func testImportNothing(f *fixture) {
	f.ok(f.importer().ImportUsers(f.ctx, nil, nil), "ImportUsers of nothing")
	list, err := f.s.ListUsers(f.ctx)
	f.ok(err, "ListUsers")
	if len(list) != 0 {
		f.Errorf("ListUsers after importing nothing: %d users", len(list))
	}
}

func testImportClosed(f *fixture) {
	imp := f.importer()
	f.closeNow()
	users, events := importBatch("p", 3)
	if err := imp.ImportUsers(context.Background(), users, events); !errors.Is(err, vigil.ErrUnavailable) {
		f.Errorf("ImportUsers after Close = %v, want ErrUnavailable", err)
	}
	for _, u := range users {
		if u.ID != 0 {
			f.Errorf("%s has id %d after a failed import", u.Username, u.ID)
		}
	}
}

func testImportCancelled(f *fixture) {
	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	users, events := importBatch("p", 20)
	err := f.importer().ImportUsers(ctx, users, events)
	if !errors.Is(err, context.Canceled) {
		f.Errorf("ImportUsers with a cancelled context = %v, want context.Canceled", err)
	}
	f.noneOf("after a cancelled import", users)
}

// TwoStoresImportRace is an import on a racing a CreateUser on b (two
// processes on one database: vigil user import and an admin creating an
// account) of a username in the middle of the batch: either the batch
// wins, whole, and CreateUser conflicts, or CreateUser wins and nothing of
// the batch is kept. A backend calls it with a and b opened on the same
// empty database.
func TwoStoresImportRace(t *testing.T, a, b vigil.Store) {
	t.Helper()
	ctx := t.Context()
	imp, ok := a.(vigil.UserImporter)
	if !ok {
		t.Fatalf("%T does not implement vigil.UserImporter", a)
	}
	users, events := importBatch("p", 400)
	var importErr, createErr error
	var wg sync.WaitGroup
	wg.Go(func() { importErr = imp.ImportUsers(ctx, users, events) })
	wg.Go(func() {
		time.Sleep(time.Millisecond) // let the batch start, often
		createErr = b.CreateUser(ctx, &vigil.User{Username: "p200", Role: vigil.RoleAdmin, CreatedAt: t0})
	})
	wg.Wait()
	list, err := a.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case importErr == nil && errors.Is(createErr, vigil.ErrConflict):
		if len(list) != len(users) {
			t.Errorf("the batch won: %d users, want %d", len(list), len(users))
		}
	case createErr == nil && errors.Is(importErr, vigil.ErrConflict):
		var c *vigil.ImportConflict
		if !errors.As(importErr, &c) || c.Username != "p200" {
			t.Errorf("the batch lost: %v; want an *ImportConflict naming p200", importErr)
		}
		if len(list) != 1 || list[0].Role != vigil.RoleAdmin {
			t.Errorf("the batch lost: users %+v; want only the admin p200", list)
		}
	default:
		t.Errorf("ImportUsers = %v, CreateUser = %v; want exactly one to conflict", importErr, createErr)
	}
}
