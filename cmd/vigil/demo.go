package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

// demoUsers are created by --demo, one per role.
var demoUsers = []auth.NewUser{
	{Username: "alice", Role: vigil.RolePatient},
	{Username: "dr.bob", Role: vigil.RoleClinician, ClinicianID: "GMC-7012345"},
	{Username: "admin", Role: vigil.RoleAdmin},
}

// createDemoUsers creates the demo users, or gives existing ones a new
// password, and prints the passwords once.
func createDemoUsers(ctx context.Context, engine *auth.Engine, out io.Writer) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Demo users (the passwords are shown only now):")
	fmt.Fprintln(tw, "  ROLE\tUSERNAME\tPASSWORD")
	for _, u := range demoUsers {
		u.Password = demoPassword()
		_, err := engine.CreateUser(ctx, u, auth.Actor{Username: "demo"})
		if vigil.ErrorCode(err) == vigil.CodeConflict {
			err = engine.SetPasswordAdmin(ctx, u.Username, u.Password, auth.Actor{Username: "demo"})
		}
		if err != nil {
			return fmt.Errorf("demo user %s: %w", u.Username, err)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", u.Role, u.Username, u.Password)
	}
	return tw.Flush()
}

// demoPassword returns 20 random characters from an alphabet without
// look-alikes (a-z without l and o, 2-9).
func demoPassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	b := make([]byte, 20)
	rand.Read(b) // never fails (Go 1.24+)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
