package httpapi

import (
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

// The JSON shapes of SPEC §3.

type userJSON struct {
	Username    string     `json:"username"`
	Role        vigil.Role `json:"role"`
	ClinicianID string     `json:"clinician_id"`
	Email       string     `json:"email"`
	DisplayName string     `json:"display_name"`
}

type adminUserJSON struct {
	userJSON
	Disabled  bool       `json:"disabled"`
	CreatedAt time.Time  `json:"created_at"`
	LastLogin *time.Time `json:"last_login"`
}

type sessionJSON struct {
	ID            string    `json:"id"`
	CreatedAt     time.Time `json:"created_at"`
	LastActivity  time.Time `json:"last_activity"`
	ExpiresAt     time.Time `json:"expires_at"`
	IdleExpiresAt time.Time `json:"idle_expires_at"`
	// DeviceBound: the session is bound to a device key (device-bound
	// sessions, DBSC).
	DeviceBound bool `json:"device_bound"`
	// AAL is the assurance level its sign-in reached (1 or 2), Factors the
	// factors it used ("password", "totp", "recovery_code", "passkey").
	AAL     int      `json:"aal"`
	Factors []string `json:"factors"`
}

type deviceJSON struct {
	sessionJSON
	IP        string `json:"ip"`
	UserAgent string `json:"user_agent"`
	Current   bool   `json:"current"`
	Username  string `json:"username,omitempty"`
}

type eventJSON struct {
	ID        int64     `json:"id"`
	Seq       int64     `json:"seq"` // the audit chain's sequence number; 0 outside the chain
	Time      time.Time `json:"time"`
	Username  string    `json:"username"`
	Actor     string    `json:"actor"`
	Category  string    `json:"category"`
	Event     string    `json:"event"`
	Detail    string    `json:"detail"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
	SessionID string    `json:"session_id"`
}

func toUser(u vigil.User) userJSON {
	return userJSON{Username: u.Username, Role: u.Role, ClinicianID: u.ClinicianID, Email: u.Email, DisplayName: u.DisplayName}
}

func toAdminUser(u vigil.User) adminUserJSON {
	out := adminUserJSON{userJSON: toUser(u), Disabled: u.Disabled, CreatedAt: u.CreatedAt.UTC()}
	if !u.LastLogin.IsZero() {
		t := u.LastLogin.UTC()
		out.LastLogin = &t
	}
	return out
}

func toSession(s vigil.Session, l vigil.Limits) sessionJSON {
	return sessionJSON{
		ID: s.ID, CreatedAt: s.CreatedAt.UTC(), LastActivity: s.LastActivity.UTC(),
		ExpiresAt: l.ExpiresAt(&s).UTC(), IdleExpiresAt: l.IdleExpiresAt(&s).UTC(), DeviceBound: s.Bound(),
		AAL: max(s.AAL, vigil.AAL1), Factors: s.Factors.Names(),
	}
}

func toDevice(s vigil.Session, l vigil.Limits, currentID string) deviceJSON {
	return deviceJSON{sessionJSON: toSession(s, l), IP: s.IP, UserAgent: s.UserAgent, Current: s.ID == currentID}
}

func toEvent(e vigil.Event) eventJSON {
	return eventJSON{ID: e.ID, Seq: e.Seq, Time: e.Time.UTC(), Username: e.Username, Actor: e.Actor, Category: e.Category,
		Event: e.Event, Detail: e.Detail, IP: e.IP, UserAgent: e.UserAgent, SessionID: e.SessionID}
}

// sessionBody is {user, session, csrf_token}, plus what a page needs to
// warn before the idle timeout: idle_warning_seconds (--idle-warning) and
// server_time, so a client whose clock is off can still count down right.
func (s *server) sessionBody(cur *auth.Current) map[string]any {
	return map[string]any{
		"user":                 toUser(cur.User),
		"session":              toSession(cur.Session, cur.Limits),
		"csrf_token":           cur.Token.CSRF(),
		"idle_warning_seconds": int64(s.idleWarning / time.Second),
		"server_time":          s.engine.Now().UTC(),
	}
}
