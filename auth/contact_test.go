package auth_test

import (
	"strings"
	"testing"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

// An account's email and display name are stored normalized and come back
// with every check of its sessions, from the store and from the cache.
func TestCreateUserKeepsEmailAndDisplayName(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.runEngine(e.eng)
	pw := strongPassword(t)
	// "Zoe\u0308": an e and a combining diaeresis, which NFC composes to ë.
	n := auth.NewUser{Username: "alice", Role: vigil.RolePatient, Password: pw,
		Email: " Alice.Smith@Clinic.Example ", DisplayName: " Zoe\u0308 O'Brien "}
	c, err := e.eng.CreateUser(e.ctx, n, admin)
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	const email, name = "Alice.Smith@clinic.example", "Zoë O'Brien"
	if c.User.Email != email || c.User.DisplayName != name {
		t.Errorf("created %q, %q; want %q, %q", c.User.Email, c.User.DisplayName, email, name)
	}
	tok := e.login("alice", pw).Token
	before := e.store.lookups.Load()
	for i := range 3 {
		cur := e.alive(tok, false)
		if cur.User.Email != email || cur.User.DisplayName != name {
			t.Errorf("check %d: user has %q, %q; want %q, %q", i, cur.User.Email, cur.User.DisplayName, email, name)
		}
	}
	if e.store.lookups.Load()-before >= 3 {
		t.Error("every check read the store: the cache was not exercised")
	}
	users, err := e.eng.Users(e.ctx)
	if err != nil || len(users) != 1 || users[0].Email != email || users[0].DisplayName != name {
		t.Fatalf("Users = %+v, %v", users, err)
	}
}

func TestCreateUserRefusesBadEmailOrDisplayName(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, tc := range []struct{ email, name, says string }{
		{email: "alice", says: "Invalid email"},
		{email: "alice@example.org@x", says: "Invalid email"},
		{email: "al ice@example.org", says: "Invalid email"},
		{email: strings.Repeat("a", 64) + "@" + strings.Repeat("b", 190), says: "Invalid email"},
		{name: "Bob\x00", says: "Invalid display name"},
		{name: "Bob \u202eevil", says: "Invalid display name"},
		{name: strings.Repeat("x", 129), says: "Invalid display name"},
	} {
		_, err := e.eng.CreateUser(e.ctx, auth.NewUser{Username: "bob", Role: vigil.RolePatient, Email: tc.email, DisplayName: tc.name}, admin)
		ve := wantErr(t, err, vigil.CodeInvalidRequest, "")
		if !strings.Contains(ve.Message, tc.says) {
			t.Errorf("email %q, name %q: message %q, want it to say %q", tc.email, tc.name, ve.Message, tc.says)
		}
	}
	if users, _ := e.eng.Users(e.ctx); len(users) != 0 {
		t.Errorf("refused accounts were created: %+v", users)
	}
}
