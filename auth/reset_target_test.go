package auth_test

import (
	"slices"
	"testing"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

// TestResetTargetOf: a live reset token names its account, and says
// whether the account ever had a password, without using the token up or
// writing anything; a used, expired, superseded or malformed token is
// INVALID_RESET_TOKEN.
func TestResetTargetOf(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.addUser("alice", vigil.RolePatient)
	created, err := e.eng.CreateUser(e.ctx, auth.NewUser{Username: "dr.lee", Role: vigil.RoleClinician, DisplayName: "Amara Lee"}, admin)
	if err != nil {
		t.Fatal(err)
	}
	aliceTok, _, err := e.eng.IssueResetToken(e.ctx, "alice", admin)
	if err != nil {
		t.Fatal(err)
	}
	events := len(e.events(""))

	for _, c := range []struct {
		tok  string
		want auth.ResetTarget
	}{
		{aliceTok, auth.ResetTarget{Username: "alice"}},
		{created.ResetToken, auth.ResetTarget{Username: "dr.lee", DisplayName: "Amara Lee", FirstPassword: true}},
	} {
		for range 2 { // reading twice: the token is not used up
			got, err := e.eng.ResetTargetOf(e.ctx, c.tok)
			if err != nil || got != c.want {
				t.Fatalf("ResetTargetOf = %+v, %v; want %+v", got, err, c.want)
			}
		}
	}
	if n := len(e.events("")); n != events {
		t.Errorf("reading a token wrote %d audit events", n-events)
	}

	// The token still works, once; then it names nobody.
	next := strongPassword(t)
	if err := e.eng.ResetPassword(e.ctx, created.ResetToken, next, next, actor("192.0.2.1")); err != nil {
		t.Fatalf("ResetPassword after reading: %v", err)
	}
	second, _, err := e.eng.IssueResetToken(e.ctx, "alice", admin) // supersedes aliceTok
	if err != nil {
		t.Fatal(err)
	}
	if got, err := e.eng.ResetTargetOf(e.ctx, second); err != nil || got.FirstPassword {
		t.Errorf("alice, who has a password: %+v, %v", got, err)
	}
	for what, tok := range map[string]string{"used": created.ResetToken, "superseded": aliceTok, "malformed": "not-a-token", "empty": ""} {
		if _, err := e.eng.ResetTargetOf(e.ctx, tok); vigil.ErrorCode(err) != vigil.CodeInvalidResetToken {
			t.Errorf("%s token: %v, want INVALID_RESET_TOKEN", what, err)
		}
	}
	e.clock.Advance(resetTTL + 1)
	if _, err := e.eng.ResetTargetOf(e.ctx, second); vigil.ErrorCode(err) != vigil.CodeInvalidResetToken {
		t.Errorf("expired token: %v, want INVALID_RESET_TOKEN", err)
	}
}

// TestPasswordProblems: the policy's problems of a new password, as
// WEAK_PASSWORD lists them, for a form to show with its others.
func TestPasswordProblems(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	if got := e.eng.PasswordProblems("alice", strongPassword(t)); len(got) != 0 {
		t.Errorf("a strong password: %q", got)
	}
	got := e.eng.PasswordProblems("alice", "alice1")
	if !slices.ContainsFunc(got, func(p string) bool { return p == "must not contain your username" }) || len(got) < 2 {
		t.Errorf("short and containing the username: %q", got)
	}
	cur := e.login("bob", e.addUser("bob", vigil.RolePatient))
	err := e.eng.ChangePassword(e.ctx, cur, "x", "alice1", "alice1", actor("192.0.2.1"))
	if ve := vigil.AsError(err); ve == nil || !slices.Equal(ve.Problems, e.eng.PasswordProblems("bob", "alice1")) {
		t.Errorf("ChangePassword's problems %v differ from PasswordProblems", err)
	}
}
