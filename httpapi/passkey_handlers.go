package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

// Passkeys (SPEC §6 "Multi-factor"; W3C WebAuthn): each ceremony in two
// requests, options then the browser's answer. The options answer is
// {"ceremony", "publicKey"}: publicKey goes to navigator.credentials
// (create or get) as it is, binary members base64url; the answer sends
// back the ceremony and the PublicKeyCredential as its toJSON() gives it.

// passkeyAnswer is the body of a ceremony's finish.
type passkeyAnswer struct {
	Ceremony   string          `json:"ceremony"`
	Name       string          `json:"name"`
	Credential json.RawMessage `json:"credential"`
}

// readAnswer reads {"ceremony", "credential"} (and "name", when given).
func readAnswer(r *http.Request) (*passkeyAnswer, error) {
	var in passkeyAnswer
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if err := required(field("ceremony", in.Ceremony)); err != nil {
		return nil, err
	}
	if c := bytes.TrimSpace(in.Credential); len(c) == 0 || c[0] != '{' {
		return nil, invalid("Field %q must be the PublicKeyCredential, as an object.", "credential")
	}
	return &in, nil
}

// ceremonyBody answers a ceremony begun.
func ceremonyBody(w http.ResponseWriter, c *auth.PasskeyCeremony) error {
	return ok(w, map[string]any{"ceremony": c.Token.String(), "publicKey": c.Options})
}

// toPasskey is a passkey as the API shows it.
func toPasskey(p *auth.PasskeySummary) passkeyJSON {
	return passkeyJSON{ID: base64.RawURLEncoding.EncodeToString(p.ID), Name: p.Name, CreatedAt: p.CreatedAt.UTC(),
		LastUsedAt: optTime(p.LastUsedAt), Synced: p.Synced}
}

// passkeyID reads the {id} of a passkey route; one that is not base64url
// names no passkey.
func passkeyID(r *http.Request) ([]byte, error) {
	id, err := base64.RawURLEncoding.DecodeString(r.PathValue("id"))
	if err != nil || len(id) == 0 {
		return nil, vigil.Errorf(vigil.CodeNotFound, "No such factor.")
	}
	return id, nil
}

func (s *server) passkeyRegistrationOptions(w http.ResponseWriter, r *http.Request) error {
	c, err := s.engine.BeginPasskeyRegistration(r.Context(), current(r))
	if err != nil {
		return err
	}
	return ceremonyBody(w, c)
}

func (s *server) addPasskey(w http.ResponseWriter, r *http.Request) error {
	in, err := readAnswer(r)
	if err != nil {
		return err
	}
	p, codes, err := s.engine.FinishPasskeyRegistration(r.Context(), current(r), in.Ceremony, in.Name, in.Credential, s.sessions.Actor(r))
	if err != nil {
		return err
	}
	if codes == nil {
		codes = []string{}
	}
	return reply(w, http.StatusCreated, map[string]any{"passkey": toPasskey(p), "recovery_codes": codes})
}

func (s *server) renamePasskey(w http.ResponseWriter, r *http.Request) error {
	id, err := passkeyID(r)
	if err != nil {
		return err
	}
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	p, err := s.engine.RenamePasskey(r.Context(), current(r), id, in.Name, s.sessions.Actor(r))
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"passkey": toPasskey(p)})
}

func (s *server) removePasskey(w http.ResponseWriter, r *http.Request) error {
	id, err := passkeyID(r)
	if err != nil {
		return err
	}
	if err := s.engine.RemovePasskey(r.Context(), current(r), id, s.sessions.Actor(r)); err != nil {
		return err
	}
	return ok(w, map[string]bool{"success": true})
}

func (s *server) loginPasskeyOptions(w http.ResponseWriter, r *http.Request) error {
	c, err := s.sessions.BeginPasskeySignIn(w, r)
	if err != nil {
		return err
	}
	return ceremonyBody(w, c)
}

func (s *server) loginPasskey(w http.ResponseWriter, r *http.Request) error {
	in, err := readAnswer(r)
	if err != nil {
		return err
	}
	cur, err := s.sessions.CompletePasskeySignIn(w, r, in.Ceremony, in.Credential)
	if err != nil {
		return err
	}
	return ok(w, s.sessionBody(cur))
}

func (s *server) loginEnrolPasskeyOptions(w http.ResponseWriter, r *http.Request) error {
	c, err := s.sessions.BeginPasskeyEnrolment(w, r)
	if err != nil {
		return err
	}
	return ceremonyBody(w, c)
}

func (s *server) loginEnrolPasskey(w http.ResponseWriter, r *http.Request) error {
	in, err := readAnswer(r)
	if err != nil {
		return err
	}
	cur, codes, err := s.sessions.CompletePasskeyEnrolment(w, r, in.Ceremony, in.Name, in.Credential)
	if err != nil {
		return err
	}
	if codes == nil {
		codes = []string{}
	}
	body := s.sessionBody(cur)
	body["recovery_codes"] = codes
	return ok(w, body)
}

func (s *server) passwordlessOptions(w http.ResponseWriter, r *http.Request) error {
	c, err := s.engine.BeginPasskeyLogin(r.Context(), s.sessions.Actor(r))
	if err != nil {
		return err
	}
	return ceremonyBody(w, c)
}

func (s *server) passwordlessLogin(w http.ResponseWriter, r *http.Request) error {
	in, err := readAnswer(r)
	if err != nil {
		return err
	}
	cur, err := s.sessions.PasskeyLogin(w, r, in.Ceremony, in.Credential)
	if err != nil {
		return err
	}
	return ok(w, s.sessionBody(cur))
}

func (s *server) stepUpPasskeyOptions(w http.ResponseWriter, r *http.Request) error {
	c, err := s.engine.BeginPasskeyStepUp(r.Context(), current(r))
	if err != nil {
		return err
	}
	return ceremonyBody(w, c)
}

func (s *server) stepUpPasskey(w http.ResponseWriter, r *http.Request) error {
	in, err := readAnswer(r)
	if err != nil {
		return err
	}
	cur, err := s.sessions.PasskeyStepUp(w, r, current(r), in.Ceremony, in.Credential)
	if err != nil {
		return err
	}
	return ok(w, s.sessionBody(cur))
}
