package httpapi

import (
	"net/http"
	"time"

	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/mfa"
)

// Second factors (SPEC §6 "Multi-factor"): the second step of a sign-in,
// step-up, and the signed-in user's own factors. The engine decides;
// these only translate.

// secondStepBody answers a right password whose sign-in continues with a
// second step: no session yet, only the pending-sign-in cookie.
func secondStepBody(step *auth.SecondStep) map[string]any {
	methods := step.Methods
	if methods == nil {
		methods = []string{}
	}
	return map[string]any{"mfa_required": true, "methods": methods, "enrol_required": step.Enrol,
		"expires_at": step.ExpiresAt.UTC()}
}

type codeRequest struct {
	Code string `json:"code"`
}

// readCode reads {"code": ...}.
func readCode(r *http.Request) (string, error) {
	var in codeRequest
	if err := decode(r, &in); err != nil {
		return "", err
	}
	return in.Code, required(field("code", in.Code))
}

func (s *server) loginSecondFactor(w http.ResponseWriter, r *http.Request) error {
	code, err := readCode(r)
	if err != nil {
		return err
	}
	cur, err := s.sessions.CompleteSignIn(w, r, code)
	if err != nil {
		return err
	}
	return ok(w, s.sessionBody(cur))
}

func (s *server) loginEnrolTOTP(w http.ResponseWriter, r *http.Request) error {
	en, err := s.sessions.BeginEnrolment(w, r)
	if err != nil {
		return err
	}
	return enrolmentBody(w, en)
}

func (s *server) loginEnrolConfirm(w http.ResponseWriter, r *http.Request) error {
	code, err := readCode(r)
	if err != nil {
		return err
	}
	cur, codes, err := s.sessions.CompleteEnrolment(w, r, code)
	if err != nil {
		return err
	}
	body := s.sessionBody(cur)
	body["recovery_codes"] = codes
	return ok(w, body)
}

// enrolmentBody shows a new authenticator-app secret: its otpauth:// URI,
// the same as a QR code (a PNG data: URL), and as text to type.
func enrolmentBody(w http.ResponseWriter, en *auth.TOTPEnrolment) error {
	qr, err := mfa.NewQR(en.URI)
	if err != nil {
		return err
	}
	png, err := qr.PNGDataURL(4)
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"otpauth_uri": en.URI, "secret": en.SecretText, "qr_png": png})
}

func (s *server) stepUp(w http.ResponseWriter, r *http.Request) error {
	code, err := readCode(r)
	if err != nil {
		return err
	}
	cur, err := s.sessions.StepUp(w, r, current(r), code)
	if err != nil {
		return err
	}
	return ok(w, s.sessionBody(cur))
}

type factorsJSON struct {
	TOTP           *totpJSON     `json:"totp"`
	Passkeys       []passkeyJSON `json:"passkeys"`
	RecoveryLeft   int           `json:"recovery_codes_left"`
	RecoveryUsedAt *time.Time    `json:"recovery_code_used_at"`
	Required       bool          `json:"required"`
	Methods        []string      `json:"methods"`
}

type totpJSON struct {
	ConfirmedAt time.Time  `json:"confirmed_at"`
	LastUsedAt  *time.Time `json:"last_used_at"`
}

type passkeyJSON struct {
	ID         string     `json:"id"` // base64url, unpadded: the {id} of the passkey routes
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Synced     bool       `json:"synced"`
}

// optTime is t in UTC, or nil for the zero time.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func toFactors(f *auth.FactorSummary) factorsJSON {
	out := factorsJSON{Passkeys: []passkeyJSON{}, RecoveryLeft: f.RecoveryLeft, RecoveryUsedAt: optTime(f.RecoveryUsedAt),
		Required: f.Required, Methods: f.Methods()}
	if out.Methods == nil {
		out.Methods = []string{}
	}
	if f.TOTP != nil {
		out.TOTP = &totpJSON{ConfirmedAt: f.TOTP.ConfirmedAt.UTC(), LastUsedAt: optTime(f.TOTP.LastUsedAt)}
	}
	for _, p := range f.Passkeys {
		out.Passkeys = append(out.Passkeys, toPasskey(&p))
	}
	return out
}

func (s *server) factors(w http.ResponseWriter, r *http.Request) error {
	f, err := s.engine.Factors(r.Context(), current(r))
	if err != nil {
		return err
	}
	return ok(w, toFactors(f))
}

func (s *server) beginTOTP(w http.ResponseWriter, r *http.Request) error {
	en, err := s.engine.BeginTOTP(r.Context(), current(r))
	if err != nil {
		return err
	}
	return enrolmentBody(w, en)
}

func (s *server) confirmTOTP(w http.ResponseWriter, r *http.Request) error {
	code, err := readCode(r)
	if err != nil {
		return err
	}
	codes, err := s.engine.ConfirmTOTP(r.Context(), current(r), code, s.sessions.Actor(r))
	if err != nil {
		return err
	}
	if codes == nil {
		codes = []string{}
	}
	return ok(w, map[string]any{"success": true, "recovery_codes": codes})
}

func (s *server) removeTOTP(w http.ResponseWriter, r *http.Request) error {
	if err := s.engine.RemoveTOTP(r.Context(), current(r), s.sessions.Actor(r)); err != nil {
		return err
	}
	return ok(w, map[string]bool{"success": true})
}

func (s *server) regenerateCodes(w http.ResponseWriter, r *http.Request) error {
	codes, err := s.engine.RegenerateRecoveryCodes(r.Context(), current(r), s.sessions.Actor(r))
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"recovery_codes": codes})
}

func (s *server) adminResetFactors(w http.ResponseWriter, r *http.Request) error {
	n, err := s.engine.ResetFactors(r.Context(), r.PathValue("username"), s.sessions.Actor(r))
	if err != nil {
		return err
	}
	return ok(w, map[string]int{"revoked": n})
}
