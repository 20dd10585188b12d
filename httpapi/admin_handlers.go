package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

// reauthed wraps an admin change: it needs a password entered within
// --reauth-window (SPEC §3), else 401 REAUTH_REQUIRED, and a session at
// AAL2 when the administrator has a second factor, else 401
// STEP_UP_REQUIRED.
func (s *server) reauthed(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := s.engine.RequireSecondFactor(r.Context(), current(r)); err != nil {
			return err
		}
		if err := s.engine.RequireRecentAuth(current(r)); err != nil {
			return err
		}
		return h(w, r)
	}
}

func (s *server) adminUsers(w http.ResponseWriter, r *http.Request) error {
	users, err := s.engine.Users(r.Context())
	if err != nil {
		return err
	}
	out := make([]adminUserJSON, 0, len(users))
	for _, u := range users {
		out = append(out, toAdminUser(u))
	}
	return ok(w, map[string]any{"users": out})
}

type createUserRequest struct {
	Username    string     `json:"username"`
	Role        vigil.Role `json:"role"`
	ClinicianID string     `json:"clinician_id"`
	Email       string     `json:"email"`
	DisplayName string     `json:"display_name"`
	Password    string     `json:"password"`
}

func (s *server) adminCreateUser(w http.ResponseWriter, r *http.Request) error {
	var in createUserRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := required(field("username", in.Username), field("role", string(in.Role))); err != nil {
		return err
	}
	c, err := s.engine.CreateUser(r.Context(), auth.NewUser{Username: in.Username, Role: in.Role, ClinicianID: in.ClinicianID,
		Email: in.Email, DisplayName: in.DisplayName, Password: in.Password}, s.sessions.Actor(r))
	if err != nil {
		return err
	}
	out := map[string]any{"user": toUser(c.User)}
	if c.ResetToken != "" {
		out["reset_token"], out["expires_at"] = c.ResetToken, c.ExpiresAt.UTC()
	}
	return reply(w, http.StatusCreated, out)
}

func (s *server) adminDisable(w http.ResponseWriter, r *http.Request) error {
	return s.setDisabled(w, r, true)
}

func (s *server) adminEnable(w http.ResponseWriter, r *http.Request) error {
	return s.setDisabled(w, r, false)
}

func (s *server) setDisabled(w http.ResponseWriter, r *http.Request, disabled bool) error {
	n, err := s.engine.SetDisabled(r.Context(), r.PathValue("username"), disabled, s.sessions.Actor(r))
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"success": true, "revoked": n})
}

func (s *server) adminRevokeSessions(w http.ResponseWriter, r *http.Request) error {
	n, err := s.engine.RevokeUserSessions(r.Context(), r.PathValue("username"), s.sessions.Actor(r))
	if err != nil {
		return err
	}
	return ok(w, map[string]int{"revoked": n})
}

func (s *server) adminResetToken(w http.ResponseWriter, r *http.Request) error {
	tok, exp, err := s.engine.IssueResetToken(r.Context(), r.PathValue("username"), s.sessions.Actor(r))
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"reset_token": tok, "expires_at": exp.UTC()})
}

// adminSessions lists live sessions: one user's with ?username=, else all.
func (s *server) adminSessions(w http.ResponseWriter, r *http.Request) error {
	out := []deviceJSON{}
	policy := s.engine.Policy()
	if name := r.URL.Query().Get("username"); name != "" {
		u, list, err := s.engine.UserSessions(r.Context(), name)
		if err != nil {
			return err
		}
		for _, sess := range list {
			d := toDevice(sess, policy.ForSession(u.Role, sess.AAL), "")
			d.Username = u.Username
			out = append(out, d)
		}
		return ok(w, map[string]any{"sessions": out})
	}
	list, err := s.engine.AllSessions(r.Context())
	if err != nil {
		return err
	}
	for _, sess := range list {
		d := toDevice(sess.Session, policy.ForSession(sess.Role, sess.AAL), "")
		d.Username = sess.Username
		out = append(out, d)
	}
	return ok(w, map[string]any{"sessions": out})
}

func (s *server) adminAudit(w http.ResponseWriter, r *http.Request) error {
	f, err := eventFilter(r, s.engine.Now())
	if err != nil {
		return err
	}
	events, err := s.engine.Events(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]eventJSON, 0, len(events))
	for _, e := range events {
		out = append(out, toEvent(e))
	}
	return ok(w, map[string]any{"events": out})
}

// eventFilter reads ?username=&event=&since=&until=&limit=&before=.
func eventFilter(r *http.Request, now time.Time) (vigil.EventFilter, error) {
	q := r.URL.Query()
	f := vigil.EventFilter{Username: vigil.NormalizeUsername(q.Get("username")), Event: strings.TrimSpace(q.Get("event"))}
	var err error
	if f.Since, err = ParseSince(q.Get("since"), now); err != nil {
		return f, invalid("Parameter since: %v.", err)
	}
	if f.Until, err = ParseSince(q.Get("until"), now); err != nil {
		return f, invalid("Parameter until: %v.", err)
	}
	for name, dst := range map[string]*int64{"limit": nil, "before": &f.BeforeID} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return f, invalid("Parameter %s must be a positive whole number.", name)
		}
		if dst != nil {
			*dst = n
		} else {
			f.Limit = int(min(n, 1000))
		}
	}
	return f, nil
}

// ParseSince reads a time as a duration back from now ("1h", "30m") or an
// RFC 3339 time; "" is the zero time.
func ParseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, errSince
	}
	return t, nil
}

var errSince = errors.New("want a duration such as 1h or an RFC 3339 time")

// adminPolicy answers GET /api/admin/policy with the engine's policy report:
// the report `vigil compliance --json` prints, which adds what the
// database tells.
func (s *server) adminPolicy(w http.ResponseWriter, r *http.Request) error {
	return ok(w, s.engine.PolicyReport())
}
