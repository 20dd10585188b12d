package sqlstore

import (
	"strings"

	"github.com/vigilauth/vigil"
)

// InsertUser returns CreateUser's statement in dialect d, which returns the
// new user's id, and its parameters for u.
func InsertUser(d Dialect, u *vigil.User) (string, []any) {
	args := []any{u.Username, u.Role, u.ClinicianID, u.PasswordHash, u.Disabled,
		d.Time(u.CreatedAt), d.Time(u.LastLogin), d.Time(u.PasswordChangedAt), u.Email, u.DisplayName}
	return insert(d, `users (username, role, clinician_id, password_hash, disabled,
		created_at, last_login, password_changed_at, email, display_name)`, len(args)) + ` RETURNING id`, args
}

// InsertSession returns CreateSession's statement in dialect d, and its
// parameters for s, its binding included (a session may start with its
// first device-binding challenge: no second write to offer one).
func InsertSession(d Dialect, s *vigil.Session) (string, []any) {
	b := &s.Binding
	args := []any{s.ID, s.TokenHash[:], s.UserID, d.Time(s.CreatedAt), d.Time(s.LastActivity),
		d.Time(s.ReauthAt), s.IP, s.UserAgent, d.Time(s.EndedAt), s.EndReason,
		b.Key, b.Thumbprint, d.Time(b.BoundAt), b.CookieHash[:], d.Time(b.CookieLapse),
		b.Challenge[:], d.Time(b.ChallengeExpires), s.AAL, s.Factors.String()}
	return insert(d, `sessions (id, token_hash, user_id, created_at, last_activity,
		reauth_at, ip, user_agent, ended_at, end_reason, device_key, device_thumbprint,
		bound_at, bound_cookie_hash, bound_cookie_lapse, challenge_hash, challenge_expires,
		aal, factors)`, len(args)), args
}

// insert returns "INSERT INTO into VALUES (...)" with n parameters.
func insert(d Dialect, into string, n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + into + " VALUES (")
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteString(", ")
		}
		b.WriteString(d.Param(i))
	}
	b.WriteString(")")
	return b.String()
}
