package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/vigilhttp"
)

// deviceRow is one session as the pages list it.
type deviceRow struct {
	ID         string
	Username   string // on the administrators' lists
	Device     string // summarised from the User-Agent
	UserAgent  string
	IP         string
	CreatedAt  time.Time
	LastActive time.Time
	IdleEnds   time.Time
	Current    bool
	Bound      bool // bound to a device key (device-bound sessions)
}

func toRow(s vigil.Session, l vigil.Limits, currentID string) deviceRow {
	return deviceRow{
		ID: s.ID, Device: Device(s.UserAgent), UserAgent: s.UserAgent, IP: s.IP,
		CreatedAt: s.CreatedAt, LastActive: s.LastActivity, IdleEnds: l.IdleExpiresAt(&s),
		Current: s.ID == currentID, Bound: s.Bound(),
	}
}

// accountData fills the account page.
type accountData struct {
	Sessions    []deviceRow
	Others      int
	Rules       passwordRules
	MinLength   int
	IdleTimeout string
	Lifetime    string
	IdleWarning string
	ExpiresAt   time.Time
	// PasswordErrors reports a refused change, every problem at once.
	PasswordErrors *formErrors
	// Factors are the user's second factors (factors.go).
	Factors *factorsView
}

// account shows who I am, my devices, and the change-password form.
func (p *Pages) account(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	return p.renderAccount(w, r, cur, http.StatusOK, accountNotice(r), nil)
}

func (p *Pages) renderAccount(w http.ResponseWriter, r *http.Request, cur *auth.Current, status int, top *notice, pwErrors *formErrors) error {
	list, err := p.engine.Sessions(r.Context(), &cur.User)
	if err != nil {
		return err
	}
	d := accountData{
		Rules: p.rules, MinLength: p.minLength, PasswordErrors: pwErrors,
		IdleTimeout: auth.HumanDuration(cur.Limits.IdleTimeout), Lifetime: auth.HumanDuration(cur.Limits.Lifetime),
		IdleWarning: auth.HumanDuration(p.idleWarning), ExpiresAt: cur.Limits.ExpiresAt(&cur.Session),
	}
	if d.Factors, err = p.accountFactors(r, cur); err != nil {
		return err
	}
	for _, s := range list {
		row := toRow(s, p.engine.Policy().ForSession(cur.User.Role, s.AAL), cur.Session.ID)
		if !row.Current {
			d.Others++
		}
		d.Sessions = append(d.Sessions, row)
	}
	p.render(w, r, status, "account", view{Title: "Your account", Cur: cur, Nav: "account", Notice: top, Data: d, Passkey: d.Factors.PasskeysOn})
	return nil
}

// accountNotice is the message after a redirect back to the account page:
// fixed texts chosen by ?done=, with a number at most.
func accountNotice(r *http.Request) *notice {
	q := r.URL.Query()
	switch q.Get("done") {
	case "revoked":
		return &notice{Kind: "success", Text: "The device was signed out."}
	case "revoked-others":
		n, _ := strconv.Atoi(q.Get("n"))
		if n == 0 {
			return &notice{Kind: "success", Text: "There were no other devices to sign out."}
		}
		return &notice{Kind: "success", Text: fmt.Sprintf("Signed out %s.", plural(int64(max(n, 0)), "other device"))}
	}
	return factorNotice(q.Get("done"))
}

// revokeSession signs out one of my other devices. Signing out this one
// is signing out.
func (p *Pages) revokeSession(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	id := r.PathValue("id")
	err := p.engine.RevokeSession(r.Context(), cur, id, p.sessions.Actor(r))
	switch {
	case err == nil && id == cur.Session.ID:
		p.cookies.Clear(w)
		redirect(w, p.loginURL(vigil.ReasonLogout, ""))
	case err == nil:
		redirect(w, p.at("/auth/account?done=revoked"))
	case vigil.ErrorCode(err) == vigil.CodeNotFound:
		// Already gone (signed out elsewhere, or expired): the list is what
		// the user wants to see.
		return p.renderAccount(w, r, cur, vigilhttp.StatusOf(err), &notice{Kind: "info", Text: "That device was already signed out."}, nil)
	default:
		return err
	}
	return nil
}

// revokeOthers signs out every device but this one.
func (p *Pages) revokeOthers(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	n, err := p.engine.RevokeOthers(r.Context(), cur, p.sessions.Actor(r))
	if err != nil {
		return err
	}
	redirect(w, p.at("/auth/account?done=revoked-others&n="+strconv.Itoa(n)))
	return nil
}

// changePassword changes my password. The engine ends every session of
// mine, this one too (SPEC §3), so success goes to the sign-in page; a
// refusal lists every problem at once.
func (p *Pages) changePassword(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	f := r.PostForm
	current, next, confirm := f.Get("current_password"), f.Get("new_password"), f.Get("confirm_password")
	errs := newErrors("password-errors", "Your password was not changed")
	if current == "" {
		errs.add("current-password", "Enter your current password.")
	}
	p.newPasswordProblems(errs, cur.User.Username, next, confirm, false)
	if len(errs.Items) > 0 {
		return p.renderAccount(w, r, cur, vigilhttp.Status(vigil.CodeInvalidRequest), nil, errs)
	}
	err := p.engine.ChangePassword(r.Context(), cur, current, next, confirm, p.sessions.Actor(r))
	if err == nil {
		p.cookies.Clear(w)
		redirect(w, p.loginURL(vigil.ReasonPasswordChanged, ""))
		return nil
	}
	if !engineProblem(errs, err, false) {
		return err
	}
	vigilhttp.SetRetryAfter(w.Header(), err)
	return p.renderAccount(w, r, cur, vigilhttp.StatusOf(err), nil, errs)
}
