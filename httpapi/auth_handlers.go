package httpapi

import (
	"net/http"

	"github.com/vigilauth/vigil/vigilhttp"
)

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (s *server) login(w http.ResponseWriter, r *http.Request) error {
	var in loginRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := required(field("username", in.Username), field("password", in.Password)); err != nil {
		return err
	}
	cur, err := s.sessions.SignIn(w, r, in.Username, in.Password)
	if step, second := vigilhttp.IsSecondStep(err); second {
		return ok(w, secondStepBody(step))
	}
	if err != nil {
		return err
	}
	return ok(w, s.sessionBody(cur))
}

// logout always succeeds and clears the cookie; with a live session it
// needs the CSRF token, so a cross-site page cannot sign a user out.
func (s *server) logout(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.sessions.SignOut(w, r); err != nil {
		return err
	}
	return ok(w, map[string]bool{"success": true})
}

type passwordRequest struct {
	Password string `json:"password"`
}

func (s *server) reauthenticate(w http.ResponseWriter, r *http.Request) error {
	var in passwordRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := required(field("password", in.Password)); err != nil {
		return err
	}
	cur, err := s.sessions.Reauthenticate(w, r, current(r), in.Password)
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"session": toSession(cur.Session, cur.Limits), "csrf_token": cur.Token.CSRF()})
}

func (s *server) session(w http.ResponseWriter, r *http.Request) error {
	return ok(w, s.sessionBody(current(r)))
}

func (s *server) refresh(w http.ResponseWriter, r *http.Request) error {
	cur := current(r)
	return ok(w, map[string]any{"session": toSession(cur.Session, cur.Limits)})
}

type changePasswordRequest struct {
	Current string `json:"current_password"`
	New     string `json:"new_password"`
	Confirm string `json:"confirm_password"`
}

func (s *server) changePassword(w http.ResponseWriter, r *http.Request) error {
	var in changePasswordRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := required(field("current_password", in.Current), field("new_password", in.New), field("confirm_password", in.Confirm)); err != nil {
		return err
	}
	if err := s.engine.ChangePassword(r.Context(), current(r), in.Current, in.New, in.Confirm, s.sessions.Actor(r)); err != nil {
		return err
	}
	s.cookies.Clear(w)
	return ok(w, map[string]any{"success": true, "message": "Password changed. Every session, this one included, has been signed out; please log in again."})
}

func (s *server) listSessions(w http.ResponseWriter, r *http.Request) error {
	cur := current(r)
	list, err := s.engine.Sessions(r.Context(), &cur.User)
	if err != nil {
		return err
	}
	out := make([]deviceJSON, 0, len(list))
	for _, sess := range list {
		out = append(out, toDevice(sess, s.engine.Policy().ForSession(cur.User.Role, sess.AAL), cur.Session.ID))
	}
	return ok(w, map[string]any{"sessions": out})
}

func (s *server) revokeSession(w http.ResponseWriter, r *http.Request) error {
	cur := current(r)
	id := r.PathValue("id")
	if err := s.engine.RevokeSession(r.Context(), cur, id, s.sessions.Actor(r)); err != nil {
		return err
	}
	if id == cur.Session.ID {
		s.cookies.Clear(w)
	}
	return ok(w, map[string]int{"revoked": 1})
}

func (s *server) revokeOthers(w http.ResponseWriter, r *http.Request) error {
	n, err := s.engine.RevokeOthers(r.Context(), current(r), s.sessions.Actor(r))
	if err != nil {
		return err
	}
	return ok(w, map[string]int{"revoked": n})
}

type resetRequest struct {
	Token   string `json:"reset_token"`
	New     string `json:"new_password"`
	Confirm string `json:"confirm_password"`
}

func (s *server) passwordReset(w http.ResponseWriter, r *http.Request) error {
	var in resetRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := required(field("reset_token", in.Token), field("new_password", in.New), field("confirm_password", in.Confirm)); err != nil {
		return err
	}
	if err := s.engine.ResetPassword(r.Context(), in.Token, in.New, in.Confirm, s.sessions.Actor(r)); err != nil {
		return err
	}
	return ok(w, map[string]any{"success": true, "message": "Password set. Please log in with the new password."})
}
