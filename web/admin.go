package web

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/vigilhttp"
)

// adminBase is what every administration page shows around its content.
type adminBase struct {
	Here         string // this page's address, where its forms come back to
	ReauthNeeded bool   // changes will first ask for the password
	ReauthWindow string
}

func (p *Pages) adminBase(r *http.Request, cur *auth.Current) adminBase {
	return adminBase{
		Here:         r.URL.RequestURI(),
		ReauthNeeded: p.engine.RequireRecentAuth(cur) != nil,
		ReauthWindow: auth.HumanDuration(p.engine.Policy().ReauthWindow),
	}
}

// userRow is one account in the users table.
type userRow struct {
	vigil.User
	Sessions int
	Self     bool
	Pending  bool // created without a password, waiting for its reset
}

// resetLink is a freshly issued reset link, shown once.
type resetLink struct {
	Username  string
	URL       string
	ExpiresAt time.Time
	New       bool // the account was just created
}

// createForm echoes the create-user form after a refusal.
type createForm struct {
	Username, Role, ClinicianID, Email, DisplayName string
}

type adminUsersData struct {
	adminBase
	Users      []userRow
	Roles      []vigil.Role
	Link       *resetLink
	Form       createForm
	FormErrors *formErrors
	// DeadLetters are the webhook deliveries given up (admin_webhooks.go);
	// the part is hidden when there are none.
	DeadLetters []deadLetter
}

func (p *Pages) adminUsers(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	return p.renderUsers(w, r, cur, http.StatusOK, adminNotice(r), adminUsersData{})
}

func (p *Pages) renderUsers(w http.ResponseWriter, r *http.Request, cur *auth.Current, status int, top *notice, d adminUsersData) error {
	users, err := p.engine.Users(r.Context())
	if err != nil {
		return err
	}
	all, err := p.engine.AllSessions(r.Context())
	if err != nil {
		return err
	}
	count := map[string]int{}
	for _, s := range all {
		count[s.Username]++
	}
	d.adminBase = p.adminBase(r, cur)
	d.Here = p.at("/auth/admin")
	d.Roles = vigil.Roles
	d.DeadLetters = p.deadLetters(r)
	for _, u := range users {
		row := userRow{User: u, Sessions: count[u.Username], Self: u.ID == cur.User.ID, Pending: u.PasswordHash == ""}
		row.PasswordHash = "" // the templates have no use for it
		d.Users = append(d.Users, row)
	}
	p.render(w, r, status, "admin_users", view{Title: "Users", Cur: cur, Nav: "admin", Notice: top, Data: d})
	return nil
}

// adminNotice is the message after an administrator's change, from fixed
// texts chosen by ?done=; the username is shown only if it is one.
func adminNotice(r *http.Request) *notice {
	q := r.URL.Query()
	if n := webhookNotice(q.Get("done")); n != nil {
		return n
	}
	name := vigil.NormalizeUsername(q.Get("user"))
	if vigil.ValidateUsername(name) != nil {
		return nil
	}
	n, _ := strconv.Atoi(q.Get("n"))
	sessions := plural(int64(max(n, 0)), "session")
	switch q.Get("done") {
	case "disabled":
		return &notice{Kind: "success", Text: fmt.Sprintf("%s is disabled; %s signed out.", name, sessions)}
	case "enabled":
		return &notice{Kind: "success", Text: fmt.Sprintf("%s can sign in again.", name)}
	case "revoked":
		return &notice{Kind: "success", Text: fmt.Sprintf("%s was signed out everywhere (%s).", name, sessions)}
	case "factors-reset":
		return &notice{Kind: "success", Text: fmt.Sprintf("Every second factor of %s was removed, and %s signed out.", name, sessions)}
	}
	return nil
}

// adminCreate creates an account with no password: the engine issues a
// reset token, shown once as a link, so no administrator ever knows a
// user's password.
func (p *Pages) adminCreate(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	f := createForm{
		Username:    strings.TrimSpace(r.PostForm.Get("username")),
		Role:        r.PostForm.Get("role"),
		ClinicianID: strings.TrimSpace(r.PostForm.Get("clinician_id")),
		Email:       r.PostForm.Get("email"),
		DisplayName: r.PostForm.Get("display_name"),
	}
	if errs := createProblems(f); errs != nil {
		return p.renderUsers(w, r, cur, vigilhttp.Status(vigil.CodeInvalidRequest), nil, adminUsersData{Form: f, FormErrors: errs})
	}
	c, err := p.engine.CreateUser(r.Context(), auth.NewUser{Username: f.Username, Role: vigil.Role(f.Role), ClinicianID: f.ClinicianID,
		Email: f.Email, DisplayName: f.DisplayName}, p.sessions.Actor(r))
	field := ""
	switch vigil.ErrorCode(err) {
	case "":
		link := &resetLink{Username: c.User.Username, URL: p.resetURL(r, c.ResetToken), ExpiresAt: c.ExpiresAt, New: true}
		return p.renderUsers(w, r, cur, http.StatusOK, nil, adminUsersData{Link: link}) // the link's panel says it was created
	case vigil.CodeConflict:
		field = "new-username"
	case vigil.CodeInvalidRequest, vigil.CodeWeakPassword:
	default:
		return err
	}
	errs := newErrors("create-user-error", "The user was not created")
	errs.add(field, vigil.ErrorMessage(err))
	return p.renderUsers(w, r, cur, vigilhttp.StatusOf(err), nil, adminUsersData{Form: f, FormErrors: errs})
}

// resetURL is the link that completes a reset. The token is in the
// fragment, which the browser never sends: it reaches no server log and
// no Referer (see reset.go).
func (p *Pages) resetURL(r *http.Request, token string) string {
	origin := ""
	if p.publicURL != nil {
		origin = p.publicURL.Scheme + "://" + p.publicURL.Host
	} else {
		scheme := "https"
		if p.dev && r.TLS == nil {
			scheme = "http"
		}
		origin = scheme + "://" + r.Host
	}
	return origin + p.at("/auth/reset#token="+url.QueryEscape(token))
}

// target is the account an administrator's per-user form acts on.
func target(r *http.Request) string { return vigil.NormalizeUsername(r.PathValue("username")) }

func (p *Pages) adminDisable(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	name := target(r)
	if name == cur.User.Username {
		return refusal("Not done", vigil.CodeConflict, "You cannot disable your own account: ask another administrator.")
	}
	n, err := p.engine.SetDisabled(r.Context(), name, true, p.sessions.Actor(r))
	return p.adminDone(w, r, err, "disabled", name, n)
}

func (p *Pages) adminEnable(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	name := target(r)
	n, err := p.engine.SetDisabled(r.Context(), name, false, p.sessions.Actor(r))
	return p.adminDone(w, r, err, "enabled", name, n)
}

// adminRevoke signs a user out everywhere; signing out oneself everywhere
// ends this session too.
func (p *Pages) adminRevoke(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	name := target(r)
	n, err := p.engine.RevokeUserSessions(r.Context(), name, p.sessions.Actor(r))
	if err == nil && name == cur.User.Username {
		p.cookies.Clear(w)
		redirect(w, p.loginURL(vigil.ReasonRevoked, ""))
		return nil
	}
	return p.adminDone(w, r, err, "revoked", name, n)
}

// adminResetLink issues a reset link and shows it once, on the page the
// form was on.
func (p *Pages) adminResetLink(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	name := target(r)
	tok, exp, err := p.engine.IssueResetToken(r.Context(), name, p.sessions.Actor(r))
	if err != nil {
		return p.adminDone(w, r, err, "", name, 0)
	}
	link := &resetLink{Username: name, URL: p.resetURL(r, tok), ExpiresAt: exp}
	if strings.HasPrefix(p.adminReturn(r.PostForm.Get("rd")), p.at("/auth/admin/users/")) {
		return p.renderUser(w, r, cur, name, link)
	}
	return p.renderUsers(w, r, cur, http.StatusOK, nil, adminUsersData{Link: link})
}

// adminDone answers an administrator's change: back to the page the form
// was on, with a message; or the reason it was refused.
func (p *Pages) adminDone(w http.ResponseWriter, r *http.Request, err error, done, name string, n int) error {
	if err != nil {
		return noSuchUser(err, name)
	}
	to := p.adminReturn(r.PostForm.Get("rd"))
	redirect(w, withQuery(to, url.Values{"done": {done}, "user": {name}, "n": {strconv.Itoa(n)}}))
	return nil
}

// noSuchUser is err, told in the pages' words when it is NOT_FOUND.
func noSuchUser(err error, name string) error {
	if vigil.ErrorCode(err) == vigil.CodeNotFound {
		return refusal("No such user", vigil.CodeNotFound, "There is no account named %s.", name)
	}
	return err
}

// withQuery adds q to a path that may already have a query.
func withQuery(path string, q url.Values) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + q.Encode()
}

type adminUserData struct {
	adminBase
	User     vigil.User
	Self     bool
	Sessions []deviceRow
	Events   []vigil.Event
	Link     *resetLink
	Factors  *auth.FactorSummary // the user's second factors
}

// adminUser shows one account: its sessions, its latest audit events and
// the actions on it.
func (p *Pages) adminUser(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	return p.renderUser(w, r, cur, target(r), nil)
}

func (p *Pages) renderUser(w http.ResponseWriter, r *http.Request, cur *auth.Current, name string, link *resetLink) error {
	u, list, err := p.engine.UserSessions(r.Context(), name)
	if err != nil {
		return noSuchUser(err, name)
	}
	events, err := p.engine.Events(r.Context(), vigil.EventFilter{Username: u.Username, Limit: 10})
	if err != nil {
		return err
	}
	d := adminUserData{adminBase: p.adminBase(r, cur), User: *u, Self: u.ID == cur.User.ID, Events: events, Link: link}
	d.Here = p.at("/auth/admin/users/" + url.PathEscape(u.Username))
	if d.Factors, err = p.engine.UserFactors(r.Context(), u.Username); err != nil {
		return err
	}
	policy := p.engine.Policy()
	for _, s := range list {
		d.Sessions = append(d.Sessions, toRow(s, policy.ForSession(u.Role, s.AAL), cur.Session.ID))
	}
	p.render(w, r, http.StatusOK, "admin_user", view{Title: u.Username, Cur: cur, Nav: "admin", Notice: adminNotice(r), Data: d})
	return nil
}

type adminSessionsData struct {
	adminBase
	Sessions []deviceRow
}

// adminSessions lists every live session, most recent activity first.
func (p *Pages) adminSessions(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	list, err := p.engine.AllSessions(r.Context())
	if err != nil {
		return err
	}
	d := adminSessionsData{adminBase: p.adminBase(r, cur)}
	policy := p.engine.Policy()
	for _, s := range list {
		row := toRow(s.Session, policy.ForSession(s.Role, s.AAL), cur.Session.ID)
		row.Username = s.Username
		d.Sessions = append(d.Sessions, row)
	}
	sort.SliceStable(d.Sessions, func(i, j int) bool { return d.Sessions[i].LastActive.After(d.Sessions[j].LastActive) })
	p.render(w, r, http.StatusOK, "admin_sessions", view{Title: "Sessions", Cur: cur, Nav: "admin", Data: d})
	return nil
}

type adminPolicyData struct {
	adminBase
	Report auth.Report
}

// adminPolicy holds the effective policy against NIST SP 800-63B-4,
// OWASP ASVS 5.0 and HIPAA: the verdict and the deviations first, then
// vigil's own recommendations apart, then each check with its level.
func (p *Pages) adminPolicy(w http.ResponseWriter, r *http.Request, cur *auth.Current) error {
	d := adminPolicyData{adminBase: p.adminBase(r, cur), Report: p.engine.PolicyReport()}
	p.render(w, r, http.StatusOK, "admin_policy", view{Title: "Policy", Cur: cur, Nav: "admin", Data: d})
	return nil
}
