package web

import (
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/vigilhttp"
)

// TestExpiryNoticeWithPerRoleTimeouts: the sign-in page no longer knows
// whose session expired, so it names the idle timeout or lifetime only
// when every role has the same one.
func TestExpiryNoticeWithPerRoleTimeouts(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name                 string
		policy               vigil.Policy
		inactivity, lifetime string
	}{
		{"one policy", vigil.Policy{Lifetime: 8 * time.Hour, IdleTimeout: 30 * time.Minute},
			"You were signed out after 30 minutes of inactivity.",
			"Your session reached its maximum length of 8 hours, so you were signed out. Please sign in again."},
		{"a role with its own", vigil.Policy{Lifetime: 8 * time.Hour, IdleTimeout: 30 * time.Minute,
			RoleIdle: map[vigil.Role]time.Duration{vigil.RoleAdmin: 10 * time.Minute}, RoleLifetime: map[vigil.Role]time.Duration{vigil.RoleAdmin: time.Hour}},
			"You were signed out after a period of inactivity.",
			"Your session reached its maximum length, so you were signed out. Please sign in again."},
		{"a role with the same", vigil.Policy{Lifetime: 8 * time.Hour, IdleTimeout: 30 * time.Minute,
			RoleIdle: map[vigil.Role]time.Duration{vigil.RolePatient: 30 * time.Minute}},
			"You were signed out after 30 minutes of inactivity.",
			"Your session reached its maximum length of 8 hours, so you were signed out. Please sign in again."},
	} {
		eng := testkit.Engine(testkit.SQLite(t), auth.Options{Policy: c.policy})
		p := New(Deps{Engine: eng, Sessions: vigilhttp.New(eng, vigilhttp.Options{Dev: true})})
		if got := p.reasonNotice(string(vigil.ReasonInactivity)).Text; got != c.inactivity {
			t.Errorf("%s: inactivity %q, want %q", c.name, got, c.inactivity)
		}
		if got := p.reasonNotice(string(vigil.ReasonLifetime)).Text; got != c.lifetime {
			t.Errorf("%s: lifetime %q, want %q", c.name, got, c.lifetime)
		}
	}
}
